import { expect, test, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import { signIn, waitForHydration, watchForErrors } from "./support";

// scripts/test creates this staff account before starting the server, and
// starts it with NEXUS_SMTP_URL=smtp://127.0.0.1:1 (nothing listens there,
// so every e-mail fails), NEXUS_JOB_MAX_ATTEMPTS=2 and NEXUS_JOB_RETRY_SECS=1:
// an e-mail's job is dead a few seconds after the e-mail is recorded.
const STAFF_EMAIL = process.env.E2E_STAFF_EMAIL ?? "staff@e2e.test";
const STAFF_PASSWORD = process.env.E2E_STAFF_PASSWORD ?? "staff password e2e";

/** A new customer orders one unit of a well-stocked variant through the API: their e-mail and the order's number. */
async function placeOrder(request: APIRequestContext, skip: number): Promise<{ email: string; number: string }> {
  const email = `mailed-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = "a long enough password";
  const registered = await request.post("/api/v1/auth/register", { data: { email, password, name: "Morgan Mailed" } });
  expect(registered.status()).toBe(201);
  const login = await request.post("/api/v1/auth/login", { data: { email, password } });
  expect(login.status()).toBe(200);
  const headers = { authorization: `Bearer ${(await login.json()).access_token}` };

  const list = await (await request.get("/api/v1/products?in_stock=true&sort=name&per_page=80")).json();
  let variantId: number | undefined;
  for (const item of list.items.slice(skip)) {
    const detail = await (await request.get(`/api/v1/products/${item.slug}`)).json();
    variantId = detail.variants.find((v: { stock: number }) => v.stock >= 5)?.id;
    if (variantId !== undefined) break;
  }
  expect(variantId, "a stocked variant").toBeDefined();
  expect((await request.post("/api/v1/cart/items", { headers, data: { variant_id: variantId, quantity: 1 } })).status()).toBe(201);
  const order = await request.post("/api/v1/orders", {
    headers,
    data: {
      shipping_address: { full_name: "Morgan Mailed", line1: "1 Main St", city: "Springfield", postal_code: "12345", country: "US" },
      shipping_method: "standard",
      payment: { card_number: "4242424242424242", exp_month: 12, exp_year: 2030, cvc: "123" },
    },
  });
  expect(order.status()).toBe(201);
  return { email, number: (await order.json()).number };
}

/** Reloads the page until `read` gives `expected`: the workers change what the page shows while it is open. */
async function reloadUntil(page: Page, read: () => Promise<unknown>, expected: unknown, message: string) {
  await expect
    .poll(
      async () => {
        await page.reload();
        return read();
      },
      { message, timeout: 40_000, intervals: [500, 1_000, 2_000] },
    )
    .toEqual(expected);
}

async function textOf(locator: Locator): Promise<string | null> {
  return (await locator.count()) === 1 ? ((await locator.textContent()) ?? "").trim() : null;
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("staff read the e-mail an order caused, see its job dead with the SMTP error, and retry it", async ({ page, request }) => {
      test.setTimeout(120_000);
      const errors = watchForErrors(page);
      const { email, number } = await placeOrder(request, javaScriptEnabled ? 50 : 60);
      const subject = `Your order ${number} is confirmed`;

      await signIn(page, STAFF_EMAIL, STAFF_PASSWORD, "/admin");
      if (javaScriptEnabled) await waitForHydration(page);
      const nav = page.getByRole("navigation", { name: "Admin" });
      await nav.getByRole("link", { name: "Emails" }).click();
      await expect(page).toHaveURL(/\/admin\/emails$/);
      await expect(page.getByRole("heading", { level: 1, name: "E-mails" })).toBeVisible();

      // The order's event job records the confirmation and tries to send
      // it; its send job tries once more; both fail, so the e-mail is failed.
      const row = page.getByTestId("email-row").filter({ hasText: email });
      await reloadUntil(page, () => textOf(row.getByTestId("email-status")), "Failed", "the e-mail is failed");
      await expect(row).toContainText(subject);
      await expect(row).toContainText("2 attempts");
      await expect(row.getByTestId("email-error")).toHaveText(/\S/);

      await row.getByRole("link", { name: subject }).click();
      await expect(page).toHaveURL(/\/admin\/emails\/\d+$/);
      const emailId = /\/admin\/emails\/(\d+)$/.exec(page.url())?.[1] ?? "";
      await expect(page.getByRole("heading", { level: 1, name: subject })).toBeVisible();
      await expect(page.getByTestId("email-text")).toContainText(`thank you for your order ${number}`);
      await expect(page.getByTestId("email-text")).toContainText(`/orders/${number}`);
      // The HTML part renders in a frame that may run nothing.
      const frame = page.locator('iframe[title="HTML version"]');
      await expect(frame).toHaveAttribute("sandbox", "");
      expect(await frame.getAttribute("srcdoc")).not.toContain("<script");
      const html = page.frameLocator('iframe[title="HTML version"]');
      await expect(html.getByRole("heading", { name: subject })).toBeVisible();
      await expect(html.getByRole("link", { name: "See your order" })).toBeVisible();

      // Its job is dead, with the error of its last attempt.
      await nav.getByRole("link", { name: "Jobs" }).click();
      await expect(page).toHaveURL(/\/admin\/jobs$/);
      await page.getByRole("list", { name: "Jobs by state" }).getByRole("link", { name: /^Dead/ }).click();
      await expect(page).toHaveURL(/\/admin\/jobs\?state=dead$/);
      const job = page.getByTestId("job-row").filter({ hasText: new RegExp(`"email_id":\\s*${emailId}\\b`) });
      await reloadUntil(page, () => textOf(job.getByTestId("job-state")), "Dead", "the e-mail's job is dead");
      await expect(job).toContainText("send_email");
      // One attempt of the one allowed: the e-mail's second and last try
      // (its first was the order job's).
      await expect(job.getByTestId("job-attempts")).toHaveText("1 / 1");
      await expect(job.getByTestId("job-error")).toContainText("SMTP");

      // Retry: back to the same list with a notice; a worker takes the job
      // at once, the server is still not there, and it is dead again after
      // one more attempt.
      if (javaScriptEnabled) await waitForHydration(page);
      await job.getByRole("button", { name: "Retry" }).click();
      await expect(page).toHaveURL(/\/admin\/jobs\?state=dead&notice=\w+$/);
      await expect(page.getByTestId("staff-notice")).toHaveText("Job sent back to the queue.");
      await reloadUntil(page, () => textOf(job.getByTestId("job-attempts")), "2 / 1", "the job ran again");
      await expect(job.getByTestId("job-state")).toHaveText("Dead");
      // Playwright's own look into the sandboxed frame (the e-mail carries no
      // script) is refused by Chromium, which logs that refusal as an error.
      const harness = "Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed";
      expect(errors.filter((error) => !error.startsWith(harness))).toEqual([]);
    });
  });
}
