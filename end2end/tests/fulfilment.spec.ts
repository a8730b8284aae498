import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { signIn, waitForHydration, watchForErrors } from "./support";

// scripts/test creates the staff account and one shopper per JavaScript mode.
const STAFF_EMAIL = process.env.E2E_STAFF_EMAIL ?? "staff@e2e.test";
const STAFF_PASSWORD = process.env.E2E_STAFF_PASSWORD ?? "staff password e2e";
const PASSWORD = process.env.E2E_CUSTOMER_PASSWORD ?? "customer password e2e";

/** A product page with a well-stocked variant chosen, `skip` products in. */
async function stockedProductPage(request: APIRequestContext, skip: number): Promise<string> {
  const list = await (await request.get("/api/v1/products?in_stock=true&sort=price&per_page=40")).json();
  for (const item of list.items.slice(skip)) {
    const detail = await (await request.get(`/api/v1/products/${item.slug}`)).json();
    const variant = detail.variants.find((v: { stock: number }) => v.stock >= 5);
    if (variant) return `/p/${item.slug}?variant=${encodeURIComponent(variant.sku)}`;
  }
  throw new Error("no stocked product");
}

/** The shopper buys one product through the pages; the order's number. */
async function order(page: Page, product: string, javaScriptEnabled: boolean): Promise<string> {
  await page.goto(product);
  if (javaScriptEnabled) await waitForHydration(page);
  await page.getByRole("button", { name: "Add to cart" }).click();
  if (javaScriptEnabled) await expect(page.getByRole("status").filter({ hasText: "Added to cart." })).toBeVisible();
  await page.goto("/checkout");
  await page.getByLabel("Full name").fill("Frankie Fulfil");
  await page.getByLabel("Address line 1").fill("7 Dock Street");
  await page.getByLabel("City").fill("Leith");
  await page.getByLabel("Postal code").fill("EH6 6RA");
  await page.getByLabel("Country").fill("GB");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByLabel("Expiry month").fill("12");
  await page.getByLabel("Expiry year").fill("2030");
  await page.getByLabel("CVC").fill("123");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/orders\/NX-\d{4}-\d{6}\?placed=1$/);
  return ((await page.getByTestId("order-number").textContent()) ?? "").trim();
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("staff find a new order, ship it with tracking the shopper sees, and deliver it", async ({ browser, page, request }) => {
      const errors = watchForErrors(page);
      const shopper = `shipper-${javaScriptEnabled ? "js" : "nojs"}@e2e.test`;
      await signIn(page, shopper, PASSWORD, "/account");
      const number = await order(page, await stockedProductPage(request, javaScriptEnabled ? 3 : 6), javaScriptEnabled);

      const staffContext = await browser.newContext({ javaScriptEnabled });
      const staff = await staffContext.newPage();
      const staffErrors = watchForErrors(staff);
      await signIn(staff, STAFF_EMAIL, STAFF_PASSWORD, "/admin/orders");
      await staff.getByLabel("Status", { exact: true }).selectOption("paid");
      await staff.getByLabel("Search orders").fill(shopper);
      await staff.getByRole("button", { name: "Apply filters" }).click();
      await expect(staff).toHaveURL(/status=paid/);
      await staff.getByRole("link", { name: number }).click();
      await expect(staff.getByTestId("order-number")).toHaveText(number);
      await expect(staff.getByTestId("order-status")).toHaveText("Paid");
      // The e-mail also shows in the timeline (the shopper placed the order).
      await expect(staff.getByRole("link", { name: shopper })).toBeVisible();

      const tracking = `1Z${javaScriptEnabled ? "JS" : "NJ"}${Date.now()}`;
      await staff.getByLabel("Carrier").fill("UPS");
      await staff.getByLabel("Tracking number").fill(tracking);
      await staff.getByLabel("Note").fill("Packed with care");
      await staff.getByRole("button", { name: "Mark as shipped" }).click();
      await expect(staff.getByTestId("order-status")).toHaveText("Shipped");
      await expect(staff.getByTestId("status-timeline")).toContainText("Packed with care");
      await expect(staff.getByTestId("status-timeline")).toContainText(`<${STAFF_EMAIL}>`);

      await page.goto(`/orders/${number}`);
      await expect(page.getByTestId("order-status")).toHaveText("Shipped");
      await expect(page.getByTestId("tracking")).toContainText(`UPS: ${tracking}`);
      await expect(page.getByTestId("status-timeline")).not.toContainText(STAFF_EMAIL);

      await staff.getByRole("button", { name: "Mark as delivered" }).click();
      await expect(staff.getByTestId("order-status")).toHaveText("Delivered");
      await expect(staff.getByRole("button", { name: "Refund" })).toBeVisible();
      await expect(staff.getByRole("button", { name: "Mark as shipped" })).toHaveCount(0);
      await page.reload();
      await expect(page.getByTestId("order-status")).toHaveText("Delivered");

      await staffContext.close();
      expect(errors).toEqual([]);
      expect(staffErrors).toEqual([]);
    });
  });
}
