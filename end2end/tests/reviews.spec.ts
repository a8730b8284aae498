import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { signIn, waitForHydration, watchForErrors } from "./support";

// scripts/test creates this staff account before starting the server.
const STAFF_EMAIL = process.env.E2E_STAFF_EMAIL ?? "staff@e2e.test";
const STAFF_PASSWORD = process.env.E2E_STAFF_PASSWORD ?? "staff password e2e";
// scripts/test also creates <name>@e2e.test customers with this password for
// these tests (registering them here would spend the per-address limit).
const PASSWORD = process.env.E2E_CUSTOMER_PASSWORD ?? "customer password e2e";

async function token(request: APIRequestContext, email: string, password: string): Promise<string> {
  const response = await request.post("/api/v1/auth/login", { data: { email, password } });
  expect(response.status()).toBe(200);
  return (await response.json()).access_token;
}

/** A listed product with a well-stocked variant, `skip` products in: its slug, name and variant id. */
async function stockedProduct(request: APIRequestContext, skip: number) {
  const list = await (await request.get("/api/v1/products?in_stock=true&sort=name&per_page=60")).json();
  for (const item of list.items.slice(skip)) {
    const detail = await (await request.get(`/api/v1/products/${item.slug}`)).json();
    const variant = detail.variants.find((v: { stock: number }) => v.stock >= 5);
    if (variant) return { slug: item.slug as string, name: item.name as string, variantId: variant.id as number };
  }
  throw new Error("no stocked product");
}

/** `email` (a customer) gets a delivered order of the variant. */
async function deliverTo(request: APIRequestContext, email: string, variantId: number, staffToken: string) {
  const headers = { authorization: `Bearer ${await token(request, email, PASSWORD)}` };
  expect((await request.post("/api/v1/cart/items", { headers, data: { variant_id: variantId, quantity: 1 } })).status()).toBe(201);
  const order = await request.post("/api/v1/orders", {
    headers,
    data: {
      shipping_address: { full_name: "Riley Reviewer", line1: "1 Main St", city: "Springfield", postal_code: "12345", country: "US" },
      shipping_method: "standard",
      payment: { card_number: "4242424242424242", exp_month: 12, exp_year: 2030, cvc: "123" },
    },
  });
  expect(order.status()).toBe(201);
  const number = (await order.json()).number;
  const staff = { authorization: `Bearer ${staffToken}` };
  for (const status of ["shipped", "delivered"]) {
    const moved = await request.post(`/api/v1/admin/orders/${number}/status`, { headers: staff, data: { status } });
    expect(moved.status()).toBe(200);
  }
}

/** The product's card on a search for its name. */
function cardOf(page: Page, name: string) {
  return page.getByTestId("product-grid").getByRole("listitem").filter({ has: page.getByRole("link", { name, exact: true }) });
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("a buyer reviews a delivered product, the rating shows, and hiding it reverts it", async ({ page, request }) => {
      const errors = watchForErrors(page);
      const product = await stockedProduct(request, javaScriptEnabled ? 30 : 40);
      const email = `reviewer-${javaScriptEnabled ? "js" : "nojs"}@e2e.test`;
      const staffToken = await token(request, STAFF_EMAIL, STAFF_PASSWORD);
      const staff = { authorization: `Bearer ${staffToken}` };
      await deliverTo(request, email, product.variantId, staffToken);
      const productPage = `/p/${product.slug}`;

      await signIn(page, email, PASSWORD, productPage);
      await expect(page.getByTestId("product-rating")).toHaveText("No reviews yet");
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("Rating").selectOption("4");
      await page.getByLabel("Title").fill("Does the job <well>");
      await page.getByLabel("Review", { exact: true }).fill("Sturdy, quiet, and arrived on time.");
      await page.getByRole("button", { name: "Submit review" }).click();
      await expect(page.getByRole("status").filter({ hasText: "your review is up" })).toBeVisible();
      await expect(page.getByTestId("product-rating")).toHaveText(/4\.0 out of 5 \(1 review\)/);
      await expect(page.getByTestId("reviews").getByRole("heading", { name: "Does the job <well>" })).toBeVisible();
      await expect(page.getByTestId("reviews").getByText("Verified purchase")).toBeVisible();
      await expect(page.getByRole("button", { name: "Submit review" })).toHaveCount(0);

      await page.goto(`/search?q=${encodeURIComponent(product.name)}`);
      await expect(cardOf(page, product.name).getByTestId("card-rating")).toContainText("4.0 (1)");

      // Staff hide it on the moderation page: the average reverts.
      const review = (await (await request.get(`/api/v1/products/${product.slug}/reviews`)).json()).items[0];
      const hidden = await request.patch(`/api/v1/admin/reviews/${review.id}`, { headers: staff, data: { hidden: true } });
      expect(hidden.status()).toBe(200);
      await page.goto(productPage);
      await expect(page.getByTestId("product-rating")).toHaveText("No reviews yet");
      await expect(page.getByText("Staff have hidden your review")).toBeVisible();
      await page.goto(`/search?q=${encodeURIComponent(product.name)}`);
      await expect(cardOf(page, product.name).getByTestId("card-rating")).toHaveText("No reviews yet");
      expect(errors).toEqual([]);
    });

    test("a shopper saves two products, removes one, and finds the other on the wishlist", async ({ page, request }) => {
      const errors = watchForErrors(page);
      const first = await stockedProduct(request, javaScriptEnabled ? 2 : 6);
      const second = await stockedProduct(request, javaScriptEnabled ? 4 : 8);
      await signIn(page, `wisher-${javaScriptEnabled ? "js" : "nojs"}@e2e.test`, PASSWORD, "/wishlist");
      await expect(page.getByText("Nothing saved yet")).toBeVisible();

      for (const product of [first, second]) {
        await page.goto(`/p/${product.slug}`);
        if (javaScriptEnabled) {
          await waitForHydration(page);
          await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
        }
        await page.getByRole("main").getByRole("button", { name: "Add to wishlist" }).click();
        await expect(page.getByRole("main").getByRole("button", { name: "Remove from wishlist" })).toBeVisible();
        if (javaScriptEnabled) {
          expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), "updated in place").toBe(true);
        }
      }

      await page.goto("/wishlist");
      const wishlist = page.getByTestId("wishlist");
      await expect(wishlist.getByRole("listitem")).toHaveCount(2);
      const firstRow = wishlist.getByRole("listitem").filter({ hasText: first.name });
      if (javaScriptEnabled) await waitForHydration(page);
      await firstRow.getByRole("button", { name: "Remove from wishlist" }).click();
      if (javaScriptEnabled) {
        await expect(firstRow.getByRole("button", { name: "Add to wishlist" })).toBeVisible();
      } else {
        await expect(page).toHaveURL(/\/wishlist$/);
      }

      await page.goto("/wishlist");
      await expect(wishlist.getByRole("listitem")).toHaveCount(1);
      await expect(wishlist.getByRole("link", { name: second.name })).toBeVisible();
      expect(errors).toEqual([]);
    });
  });
}
