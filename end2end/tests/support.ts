import { expect, type Page } from "@playwright/test";

/** Collects console errors and uncaught exceptions so a test can assert none happened. */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

/**
 * Waits until the wasm bundle has hydrated the page. Leptos marks nothing on
 * the DOM, so wait for the network to go quiet after the wasm module loaded.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle");
  await expect(page.locator("body")).toBeVisible();
}
