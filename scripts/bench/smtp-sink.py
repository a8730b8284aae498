#!/usr/bin/env python3
"""A minimal SMTP server for the benchmarks: accepts every message and
counts it (printed on SIGTERM). Standard library only.

    scripts/bench/smtp-sink.py PORT
"""
import asyncio
import signal
import sys

accepted = 0


async def session(reader, writer):
    global accepted
    writer.write(b"220 bench-sink ESMTP\r\n")
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            command = line.strip().upper()
            if command.startswith(b"EHLO"):
                writer.write(b"250-bench-sink\r\n250 8BITMIME\r\n")
            elif command == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                while (await reader.readline()) not in (b".\r\n", b""):
                    pass
                accepted += 1
                writer.write(b"250 OK\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(session, "127.0.0.1", port)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()
    print(f"accepted {accepted} messages", flush=True)


asyncio.run(main(int(sys.argv[1])))
