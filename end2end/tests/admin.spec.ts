import { expect, test, type Page } from "@playwright/test";
import { signIn, waitForHydration, watchForErrors } from "./support";

// scripts/test creates this staff account before starting the server.
const STAFF_EMAIL = process.env.E2E_STAFF_EMAIL ?? "staff@e2e.test";
const STAFF_PASSWORD = process.env.E2E_STAFF_PASSWORD ?? "staff password e2e";

/** An 8×8 PNG, decoded by the store like any upload. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGOQqziBFTEMLQkABkZXgRDDjAEAAAAASUVORK5CYII=",
  "base64",
);

test("a visitor is sent to sign in and back, a customer is refused", async ({ page }) => {
  await page.goto("/admin/products");
  await expect(page).toHaveURL(/\/login\?next=\/admin\/products$/);

  const email = `customer-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto("/register");
  await page.getByLabel("Name").fill("Casey Customer");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  const refused = await page.goto("/admin");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Staff only" })).toBeVisible();
});

test("the staff pages fit a 375 px phone and are reachable by keyboard", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page, STAFF_EMAIL, STAFF_PASSWORD, "/admin/products");
  for (const path of ["/admin", "/admin/products", "/admin/categories", "/admin/orders", "/admin/inventory", "/admin/catalog-files"]) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
  }
  // Tab from the top of the page reaches the admin navigation.
  await page.goto("/admin");
  const productsLink = page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Products" });
  for (let i = 0; i < 30 && !(await productsLink.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(productsLink).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/admin\/products$/);
});

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("staff create a category and a product, stock it and find it running low", async ({ page }) => {
      const errors = watchForErrors(page);
      const run = `${javaScriptEnabled ? "js" : "nojs"}${Date.now() % 1_000_000}`;
      await signIn(page, STAFF_EMAIL, STAFF_PASSWORD, "/admin");
      if (javaScriptEnabled) await waitForHydration(page);
      await expect(page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Products" })).toBeVisible();
      await expect(page.getByRole("link", { name: "Admin" })).toBeVisible();

      // A category under an existing department.
      await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Categories" }).click();
      const newCategory = page.locator("form", { has: page.getByRole("button", { name: "New category" }) });
      await newCategory.getByLabel("Name").fill(`Lamps ${run}`);
      await newCategory.getByLabel("Parent").selectOption({ index: 1 });
      await newCategory.getByRole("button", { name: "New category" }).click();
      await expect(page.getByRole("status")).toHaveText("Category created.");
      await expect(page.getByRole("link", { name: `Edit Lamps ${run}` })).toBeVisible();

      // The product, in that category.
      await page.goto("/admin/products/new");
      await page.getByLabel("Name").fill(`Desk Lamp ${run}`);
      await page.getByLabel("Description").fill("A lamp for late evenings.");
      await page.getByLabel("Category").selectOption({ label: `\u2003Lamps ${run}` });
      await page.getByLabel("Price").fill("49.90");
      await page.getByLabel("SKU").fill(`LAMP-${run}`);
      await page.getByLabel("Initial stock").fill("12");
      await page.getByRole("button", { name: "Create product" }).click();
      await expect(page).toHaveURL(new RegExp(`/admin/products/desk-lamp-${run}\\?saved=product$`));

      // A second variant with its own colour and price.
      const newVariant = page.locator("form", { has: page.getByRole("button", { name: "Add variant" }) });
      await newVariant.getByLabel("SKU").fill(`LAMP-${run}-BLUE`);
      await newVariant.getByLabel("Variant name").fill("Blue");
      await newVariant.getByLabel("Options").fill("color=Blue");
      await newVariant.getByLabel("Price").fill("54.90");
      await newVariant.getByLabel("Stock").fill("6");
      await newVariant.getByRole("button", { name: "Add variant" }).click();
      await expect(page.getByRole("status")).toHaveText("Variant saved.");
      await expect(page.getByRole("heading", { name: "Blue" })).toBeVisible();

      // An image.
      await page.getByLabel("Image", { exact: true }).setInputFiles({ name: "lamp.png", mimeType: "image/png", buffer: PNG });
      await page.getByLabel("Alt text").fill("The lamp, lit");
      await page.getByRole("button", { name: "Upload image" }).click();
      await expect(page.getByText("Image uploaded.")).toBeVisible();
      await expect(page.getByTestId("admin-image")).toHaveCount(1);

      // Shoppers see it, with both variants.
      await page.goto(`/p/desk-lamp-${run}`);
      await expect(page.getByRole("heading", { level: 1, name: `Desk Lamp ${run}` })).toBeVisible();
      await expect(page.getByRole("img", { name: "The lamp, lit" })).toBeVisible();
      await expect(page.getByTestId("product-price")).toHaveText("$49.90");

      // Stock down by 5 through the ledger; the line shows who and why.
      await page.goto(`/admin/products/desk-lamp-${run}`);
      const blue = page.locator(`div[id^="variant-"]`, { has: page.getByRole("heading", { name: "Blue" }) });
      await blue.getByLabel("Change").fill("-5");
      await blue.getByLabel("Reason").fill("Shelf count");
      await blue.getByRole("button", { name: "Adjust stock" }).click();
      await expect(page.getByRole("status")).toHaveText("Stock adjusted.");
      await blue.getByRole("link", { name: "Ledger" }).click();
      const line = page.getByRole("row").filter({ hasText: "Shelf count" });
      await expect(line).toContainText("-5");
      await expect(line).toContainText("1");

      // Its own threshold makes one unit "low".
      await page.goto(`/admin/products/desk-lamp-${run}`);
      await blue.getByLabel("Low-stock threshold").fill("2");
      await blue.getByRole("button", { name: "Save" }).click();
      await expect(page.getByRole("status")).toHaveText("Variant saved.");
      await page.goto("/admin/inventory");
      await page.getByRole("main").getByLabel("Search products").fill(`LAMP-${run}`);
      await page.getByLabel("Low stock only").check();
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect(page.getByRole("row").filter({ hasText: `LAMP-${run}-BLUE` })).toBeVisible();
      await expect(page.getByRole("row").filter({ hasText: `LAMP-${run}` }).filter({ hasNotText: "BLUE" })).toHaveCount(0);
      expect(errors).toEqual([]);
    });
  });
}
