import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn, waitForHydration, watchForErrors } from "./support";

// scripts/test creates the staff account before starting the server.
const STAFF_EMAIL = process.env.E2E_STAFF_EMAIL ?? "staff@e2e.test";
const STAFF_PASSWORD = process.env.E2E_STAFF_PASSWORD ?? "staff password e2e";
const RESET_SUBJECT = "Reset your Nexus password";

/** A new address for every run and worker, so tests never collide. */
function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/**
 * The reset link of the newest e-mail to `to`, as staff read it on the
 * e-mails page: path and query only, so the customer's browser follows it
 * on the address the tests reach the store at.
 */
async function resetLinkSentTo(browser: Browser, to: string): Promise<string> {
  const staffContext = await browser.newContext();
  try {
    const staff = await staffContext.newPage();
    await signIn(staff, STAFF_EMAIL, STAFF_PASSWORD, "/admin");
    await staff.goto("/admin/emails");
    // Newest first: the first row naming the customer is the latest e-mail.
    const row = staff.getByRole("row").filter({ hasText: to }).first();
    await row.getByRole("link", { name: RESET_SUBJECT }).click();
    await expect(staff).toHaveURL(/\/admin\/emails\/\d+$/);
    const text = (await staff.getByTestId("email-text").textContent()) ?? "";
    const link = text.match(/https?:\/\/\S+\/reset-password\?token=[0-9a-f]+/)?.[0];
    expect(link, `a reset link in the e-mail:\n${text}`).toBeTruthy();
    const url = new URL(link!);
    return `${url.pathname}${url.search}`;
  } finally {
    await staffContext.close();
  }
}

async function signInWith(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test("a forgotten password is replaced with the e-mailed link, which works once", async ({ browser }) => {
      const customer = await browser.newContext({ javaScriptEnabled });
      const page = await customer.newPage();
      const errors = watchForErrors(page);
      const email = uniqueEmail(javaScriptEnabled ? "reset-js" : "reset-nojs");

      await page.goto("/register");
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("Name").fill("Forgetful Shopper");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("first secret");
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page).toHaveURL(/\/account$/);
      await page.getByRole("button", { name: "Sign out" }).first().click();
      await expect(page).toHaveURL(/\/$/);

      await page.goto("/login");
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await expect(page).toHaveURL(/\/forgot-password$/);
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Send reset link" }).click();
      await expect(page.getByRole("status")).toContainText("a link to set a new password is on its way");

      const link = await resetLinkSentTo(browser, email);
      expect(link).toMatch(/^\/reset-password\?token=[0-9a-f]{64}$/);

      await page.goto(link);
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("New password").fill("second secret");
      await page.getByRole("button", { name: "Set new password" }).click();
      await expect(page).toHaveURL(/\/login\?reset=1$/);
      await expect(page.getByRole("status")).toHaveText("Your password was changed. Sign in with the new one.");

      await signInWith(page, email, "first secret");
      await expect(page.getByRole("alert")).toHaveText("Wrong e-mail or password.");
      await signInWith(page, email, "second secret");
      await expect(page).toHaveURL(/\/account$/);
      await expect(page.getByText(email)).toBeVisible();

      // The link is spent: a second use says so next to the field.
      await page.goto(link);
      await page.getByLabel("New password").fill("third secret");
      await page.getByRole("button", { name: "Set new password" }).click();
      await expect(page.locator("#reset-new_password-error")).toContainText("was already used");
      expect(errors).toEqual([]);
      await customer.close();
    });
  });
}
