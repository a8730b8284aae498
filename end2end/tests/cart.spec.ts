import { expect, test } from "@playwright/test";
import { waitForHydration } from "./support";

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("a guest adds a product, changes the quantity and removes it", async ({ page, request }) => {
      // A variant with at least two units, chosen in the URL.
      const list = await (await request.get("/api/v1/products?in_stock=true&per_page=20")).json();
      let target = "";
      for (const item of list.items) {
        const detail = await (await request.get(`/api/v1/products/${item.slug}`)).json();
        const variant = detail.variants.find((v: { stock: number }) => v.stock >= 2);
        if (variant) {
          target = `/p/${item.slug}?variant=${encodeURIComponent(variant.sku)}`;
          break;
        }
      }
      expect(target).not.toBe("");

      await page.goto(target);
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("Quantity").fill("1");
      await page.getByRole("button", { name: "Add to cart" }).click();

      if (javaScriptEnabled) {
        // The page stays; the header counts the new unit.
        await expect(page.getByText("Added to cart.")).toBeVisible();
        await expect(page.getByRole("link", { name: "Cart (1)" })).toBeVisible();
        await page.getByRole("link", { name: "Cart (1)" }).click();
      }
      await expect(page).toHaveURL(/\/cart$/);
      await expect(page.getByRole("link", { name: "Cart (1)" })).toBeVisible();
      await expect(page.getByTestId("cart-line")).toHaveCount(1);

      await page.getByRole("button", { name: /^Increase quantity of/ }).click();
      await expect(page.getByRole("link", { name: "Cart (2)" })).toBeVisible();

      await page.getByRole("button", { name: /^Remove / }).click();
      await expect(page.getByText("Your cart is empty.")).toBeVisible();
      await expect(page.getByRole("link", { name: "Cart (0)" })).toBeVisible();
    });
  });
}
