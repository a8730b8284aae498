import { expect, test } from "@playwright/test";
import { watchForErrors } from "./support";

// The GraphQL explorer at /api/graphql: GraphiQL, served by Nexus itself from
// the npm packages vendored at build time. Every request to another origin is
// refused here, so the page must load and run a query with ours alone.

test("the GraphQL explorer runs a query with nothing from another origin", async ({ page, baseURL }) => {
  const errors = watchForErrors(page);
  const origin = new URL(baseURL ?? "http://127.0.0.1:3100").origin;
  const foreign: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
    foreign.push(url);
    return route.abort();
  });

  await page.goto("/api/graphql");
  // The default query lists the newest products; run it.
  await expect(page.locator(".graphiql-query-editor")).toContainText("products(perPage: 5");
  await page.locator(".graphiql-execute-button").click();

  const result = page.locator(".graphiql-response");
  await expect(result).toContainText('"products"');
  await expect(result).toContainText('"total"');
  await expect(result).not.toContainText('"errors"');
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});
