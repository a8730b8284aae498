import { expect, test } from "@playwright/test";
import { signIn, watchForErrors } from "./support";

// scripts/test creates these accounts before starting the server.
const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL ?? "admin@e2e.test";
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "admin password e2e";
const STAFF_EMAIL = process.env.E2E_STAFF_EMAIL ?? "staff@e2e.test";
const STAFF_PASSWORD = process.env.E2E_STAFF_PASSWORD ?? "staff password e2e";
const PASSWORD = process.env.E2E_CUSTOMER_PASSWORD ?? "customer password e2e";

test("an admin makes a customer staff and deactivates another, each at once; others are refused", async ({ browser, page }) => {
  const errors = watchForErrors(page);
  const context = (javaScriptEnabled = true) => browser.newContext({ javaScriptEnabled });

  const promoted = await (await context()).newPage();
  await signIn(promoted, "promoted@e2e.test", PASSWORD, "/account");
  const refused = await promoted.goto("/admin/users");
  expect(refused?.status()).toBe(403);
  await expect(promoted.getByRole("heading", { name: "Staff only" })).toBeVisible();

  const deactivated = await (await context()).newPage();
  await signIn(deactivated, "deactivated@e2e.test", PASSWORD, "/account");

  const staff = await (await context()).newPage();
  await signIn(staff, STAFF_EMAIL, STAFF_PASSWORD, "/admin");
  await expect(staff.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Users" })).toHaveCount(0);
  expect((await staff.goto("/admin/users"))?.status()).toBe(403);
  await expect(staff.getByRole("heading", { name: "Admins only" })).toBeVisible();

  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/admin");
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Search users").fill("promoted@e2e.test");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const promotedRow = page.getByTestId("user-row").filter({ hasText: "promoted@e2e.test" });
  await promotedRow.getByLabel("Role").selectOption("staff");
  await promotedRow.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("user-row").filter({ hasText: "promoted@e2e.test" }).getByLabel("Role")).toHaveValue("staff");
  await expect(page.getByTestId("user-row").filter({ hasText: "promoted@e2e.test" })).toContainText("Role changed from customer to staff");

  // The promoted shopper's open session reaches the staff pages now.
  const nowStaff = await promoted.goto("/admin");
  expect(nowStaff?.status()).toBe(200);
  await expect(promoted.getByRole("heading", { name: "Dashboard" })).toBeVisible();

  await page.getByLabel("Search users").fill("deactivated@e2e.test");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.getByTestId("user-row").filter({ hasText: "deactivated@e2e.test" }).getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByTestId("user-row").filter({ hasText: "deactivated@e2e.test" }).getByRole("button", { name: "Activate" })).toBeVisible();

  // The deactivated shopper is signed out at once.
  await deactivated.goto("/account");
  await expect(deactivated).toHaveURL(/\/login/);
  expect(errors).toEqual([]);
});
