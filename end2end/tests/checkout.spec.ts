import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { waitForHydration, watchForErrors } from "./support";

/** Product pages (with the variant chosen in the URL) of `count` products with a well-stocked variant. */
async function stockedProducts(request: APIRequestContext, count: number, skip: number): Promise<string[]> {
  const list = await (await request.get("/api/v1/products?in_stock=true&per_page=40")).json();
  const pages: string[] = [];
  for (const item of list.items.slice(skip)) {
    const detail = await (await request.get(`/api/v1/products/${item.slug}`)).json();
    const variant = detail.variants.find((v: { stock: number }) => v.stock >= 5);
    if (variant) pages.push(`/p/${item.slug}?variant=${encodeURIComponent(variant.sku)}`);
    if (pages.length === count) break;
  }
  expect(pages).toHaveLength(count);
  return pages;
}

async function addToCart(page: Page, product: string, javaScriptEnabled: boolean, expectedCount: number) {
  await page.goto(product);
  if (javaScriptEnabled) {
    await waitForHydration(page);
    // A marker on the window survives only if the page is not reloaded.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  }
  await page.getByRole("button", { name: "Add to cart" }).click();
  if (javaScriptEnabled) {
    await expect(page.getByRole("status").filter({ hasText: "Added to cart." })).toBeVisible();
    await expect(page.getByRole("link", { name: `Cart (${expectedCount})` })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  } else {
    await expect(page).toHaveURL(/\/cart$/);
    await expect(page.getByRole("link", { name: `Cart (${expectedCount})` })).toBeVisible();
  }
}

async function fillCheckout(page: Page, card: string) {
  await page.getByLabel("Full name").fill("Robin Shopper");
  await page.getByLabel("Address line 1").fill("12 Harbour Road");
  await page.getByLabel("City").fill("Portsmouth");
  await page.getByLabel("Postal code").fill("PO1 3AX");
  await page.getByLabel("Country").fill("GB");
  await page.getByLabel("Card number").fill(card);
  await page.getByLabel("Expiry month").fill("12");
  await page.getByLabel("Expiry year").fill("2030");
  await page.getByLabel("CVC").fill("123");
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("a guest fills a cart, signs up, is declined once, orders and finds the order", async ({ page, request }) => {
      const errors = watchForErrors(page);
      const products = await stockedProducts(request, 2, javaScriptEnabled ? 0 : 10);
      await addToCart(page, products[0], javaScriptEnabled, 1);
      await addToCart(page, products[1], javaScriptEnabled, 2);

      const email = `buyer-${javaScriptEnabled ? "js" : "nojs"}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
      await page.goto("/register");
      await page.getByLabel("Name").fill("Robin Shopper");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("a long secret");
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page).toHaveURL(/\/account$/);
      await expect(page.getByRole("link", { name: "Cart (2)" })).toBeVisible();

      await page.goto("/cart");
      await expect(page.getByTestId("cart-line")).toHaveCount(2);
      await page.getByRole("button", { name: "Checkout" }).click();
      await expect(page).toHaveURL(/\/checkout/);
      if (javaScriptEnabled) {
        // The summary (an island) follows the shipping choice in place.
        await waitForHydration(page);
        const standardTotal = (await page.getByTestId("summary-total").textContent()) ?? "";
        await page.getByLabel(/^Express/).check();
        await expect(page.getByTestId("summary-total")).not.toHaveText(standardTotal);
        await page.getByLabel(/^Standard/).check();
        await expect(page.getByTestId("summary-total")).toHaveText(standardTotal);
      }

      await fillCheckout(page, "4000 0000 0000 0002");
      await page.getByRole("button", { name: "Place order" }).click();
      await expect(page.getByRole("alert")).toContainText("declined");
      await expect(page).toHaveURL(/\/checkout/);
      await expect(page.getByRole("link", { name: "Cart (2)" })).toBeVisible();
      await expect(page.getByLabel("Full name")).toHaveValue("Robin Shopper");
      await expect(page.getByLabel("Card number")).toHaveValue("");

      await fillCheckout(page, "4242 4242 4242 4242");
      await page.getByRole("button", { name: "Place order" }).click();
      await expect(page).toHaveURL(/\/orders\/NX-\d{4}-\d{6}\?placed=1$/);
      const number = (await page.getByTestId("order-number").textContent())?.trim() ?? "";
      expect(number).toMatch(/^NX-\d{4}-\d{6}$/);
      await expect(page.getByText("Thank you! Your order is placed.")).toBeVisible();
      await expect(page.getByRole("link", { name: "Cart (0)" })).toBeVisible();

      await page.getByRole("link", { name: "Orders", exact: true }).click();
      await expect(page).toHaveURL(/\/orders$/);
      await page.getByRole("link", { name: number }).click();
      await expect(page.getByTestId("order-number")).toHaveText(number);
      await expect(page.getByRole("button", { name: "Cancel order" })).toBeVisible();
      expect(errors).toEqual([]);
    });
  });
}
