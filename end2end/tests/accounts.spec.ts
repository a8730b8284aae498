import { expect, test, type Page } from "@playwright/test";
import { waitForHydration, watchForErrors } from "./support";

/** A new address for every run and worker, so tests never collide. */
function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("register, sign out, sign in, change the password, sign in with the new one", async ({ page }) => {
      const errors = watchForErrors(page);
      const email = uniqueEmail(javaScriptEnabled ? "js" : "nojs");

      await page.goto("/register");
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("Name").fill("Robin Shopper");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("first secret");
      await page.getByRole("button", { name: "Create account" }).click();

      await expect(page).toHaveURL(/\/account$/);
      await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
      await expect(page.getByText(email)).toBeVisible();
      await expect(page.getByRole("link", { name: "Account" })).toBeVisible();

      await page.getByRole("button", { name: "Sign out" }).first().click();
      await expect(page).toHaveURL(/\/$/);
      await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();

      await signIn(page, email, "first secret");
      await expect(page).toHaveURL(/\/account$/);

      await page.getByLabel("Current password").fill("first secret");
      await page.getByLabel("New password").fill("second secret");
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByRole("status")).toHaveText("Saved.");

      await page.getByRole("button", { name: "Sign out" }).first().click();
      await signIn(page, email, "first secret");
      await expect(page.getByRole("alert")).toHaveText("Wrong e-mail or password.");
      await expect(page.getByLabel("Email")).toHaveValue(email);

      await page.getByLabel("Password", { exact: true }).fill("second secret");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(/\/account$/);
      await expect(page.getByText(email)).toBeVisible();
      expect(errors).toEqual([]);
    });
  });
}

test("registration errors appear next to the field and keep what was typed", async ({ page }) => {
  await page.goto("/register");
  await waitForHydration(page);
  await page.getByLabel("Name").fill("Sam");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();

  const email = page.getByLabel("Email");
  await expect(email).toHaveValue("not-an-email");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#register-email-error")).toContainText("Email");
  await expect(page.locator("#register-password-error")).toHaveText("Password must be at least 8 characters.");
  await expect(page.getByLabel("Name")).toHaveValue("Sam");
  await expect(page.getByLabel("Password")).toHaveValue("");
});

test("an address is saved and removed on the account page", async ({ page }) => {
  const email = uniqueEmail("addr");
  await page.goto("/register");
  await page.getByLabel("Name").fill("Ada");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("long enough");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/account$/);

  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Address line 1").fill("12 St James's Square");
  await page.getByLabel("City").fill("London");
  await page.getByLabel("Postal code").fill("SW1Y 4JH");
  await page.getByLabel("Country").fill("gb");
  await page.getByRole("button", { name: "Save address" }).click();
  await expect(page.getByText("SW1Y 4JH London")).toBeVisible();

  await page.getByRole("button", { name: "Remove address of Ada Lovelace in London" }).click();
  await expect(page.getByText("No saved addresses yet.")).toBeVisible();
});
