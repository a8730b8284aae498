import { expect, test, type Page } from "@playwright/test";
import { waitForHydration, watchForErrors } from "./support";

// The fixture catalog (tests/fixtures/catalog): "Women's Clothing" holds four
// listed products; Quiet Blouse 3007 costs $416.86, its XS variant $436.86,
// and its XL variant is sold out.

async function openTheCategoryFromTheMenu(page: Page) {
  await page.goto("/");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Categories" }).click();
  await page.getByRole("navigation", { name: "Categories" }).getByRole("link", { name: "Women's Clothing" }).click();
}

async function filterSortAndOpenTheBlouse(page: Page) {
  await expect(page).toHaveURL(/\/c\/women-s-clothing$/);
  await expect(page.getByRole("heading", { level: 1, name: "Women's Clothing" })).toBeVisible();
  await expect(page.getByTestId("result-count")).toHaveText("4 products");

  await page.getByLabel("Min price").fill("300");
  await page.getByLabel("Max price").fill("460");
  await page.getByLabel("Sort by").selectOption({ label: "Price: high to low" });
  await page.getByRole("button", { name: "Apply filters" }).click();

  // The rating filter left at "Any rating" travels empty, like any blank field.
  await expect(page).toHaveURL(/min_price=300&max_price=460&(min_rating=&)?sort=-price/);
  await expect(page.getByTestId("result-count")).toHaveText("2 products");
  const prices = page.getByTestId("product-grid").getByTestId("product-price");
  await expect(prices).toHaveText(["$455.43", "$416.86"]);
  await expect(page.getByLabel("Min price")).toHaveValue("300");

  await page.getByRole("link", { name: "Quiet Blouse 3007" }).click();
  await expect(page).toHaveURL(/\/p\/quiet-blouse-3007/);
  await expect(page.getByRole("heading", { level: 1, name: "Quiet Blouse 3007" })).toBeVisible();
}

async function chooseTheExtraSmall(page: Page) {
  const price = page.getByTestId("product-price");
  await expect(price).toHaveText("$416.86");
  const sizes = page.getByRole("group", { name: "Size" });
  await expect(sizes.getByText("XL", { exact: true })).toHaveAttribute("aria-disabled", "true");

  await sizes.getByRole("link", { name: "XS", exact: true }).click();
  await expect(price).toHaveText("$436.86");
  await expect(page).toHaveURL(/variant=NX-000096-XS/);
  await expect(sizes.getByRole("link", { name: "XS", exact: true })).toHaveAttribute("aria-current", "true");
  await expect(page.getByTestId("sku")).toHaveText("SKU NX-000096-XS");
}

test("a shopper filters a category, sorts, opens a product and picks a variant", async ({ page }) => {
  const errors = watchForErrors(page);
  await openTheCategoryFromTheMenu(page);
  await filterSortAndOpenTheBlouse(page);
  await chooseTheExtraSmall(page);
  expect(errors).toEqual([]);
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("the same journey works with plain links and forms", async ({ page }) => {
    await page.goto("/c/women-s-clothing");
    await filterSortAndOpenTheBlouse(page);
    await chooseTheExtraSmall(page);
  });

  test("search corrects a typo and says so", async ({ page }) => {
    await page.goto("/");
    await page.getByRole("searchbox", { name: "Search products" }).fill("ehco");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page.getByTestId("did-you-mean")).toContainText("Did you mean echo");
    await expect(page.getByRole("link", { name: "Echo Set 4606" })).toBeVisible();
  });
});
