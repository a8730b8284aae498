// Mounts GraphiQL (loaded just before this script from /vendor/graphiql) on
// the explorer page. Queries go to our own endpoint with the page's cookie,
// so a shopper signed in on the site explores as themselves.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = root.getAttribute("data-endpoint");
  var fetcher = GraphiQL.createFetcher({ url: endpoint });
  var example =
    "# Try: Ctrl-Enter runs the query.\n" +
    "query Products {\n" +
    "  products(perPage: 5, sort: NEWEST) {\n" +
    "    total\n" +
    "    items { slug name priceCents currency category { slug } }\n" +
    "  }\n" +
    "}\n";
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: example })
  );
})();
