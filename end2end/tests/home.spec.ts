import { expect, test } from "@playwright/test";
import { waitForHydration, watchForErrors } from "./support";

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("the home page renders featured products and categories on the server", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle(/Nexus/);
    await expect(page.getByRole("link", { name: "Nexus", exact: true })).toBeVisible();
    await expect(page.getByRole("searchbox", { name: "Search products" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Cart (0)" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();

    const featured = page.getByTestId("featured-products").getByRole("listitem");
    expect(await featured.count()).toBeGreaterThan(0);
    await expect(featured.first().getByTestId("product-price")).toHaveText(/\$\d[\d,]*\.\d{2}/);
    await expect(page.getByRole("heading", { name: "Top categories" })).toBeVisible();
  });

  test("the page is styled by the hashed Tailwind stylesheet", async ({ page }) => {
    await page.goto("/");
    const stylesheet = page.locator('link[rel="stylesheet"]');
    await expect(stylesheet).toHaveAttribute("href", /\/pkg\/nexus\.[\w-]+\.css$/);
    const background = await page
      .locator("header")
      .evaluate((header) => getComputedStyle(header).position);
    expect(background).toBe("sticky");
  });

  test("an unknown page answers 404 with the store's not-found page", async ({ page }) => {
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(/not found/i);
    await expect(page.getByRole("link", { name: "Nexus", exact: true })).toBeVisible();
  });
});

test("after hydration the Categories button opens and closes the category menu", async ({ page }) => {
  const errors = watchForErrors(page);
  await page.goto("/");
  await waitForHydration(page);

  const toggle = page.getByRole("button", { name: "Categories" });
  const menu = page.locator("#category-menu");
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeHidden();

  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  await expect(menu).toBeVisible();
  expect(await menu.getByRole("link").count()).toBeGreaterThan(0);

  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeHidden();
  expect(errors).toEqual([]);
});

test("the search box submits to the search page", async ({ page }) => {
  await page.goto("/");
  await waitForHydration(page);
  await page.getByRole("searchbox", { name: "Search products" }).fill("lamp");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/\/search\?q=lamp$/);
});
