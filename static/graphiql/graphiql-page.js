// Starts GraphiQL (vendored from npm: graphiql 3.8.3, react 18.3.1) against this server's
// /graphql. A session-signed-in page sends its CSRF token; a token user adds the header.
(function () {
  "use strict";
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  var root = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({
    url: root.dataset.endpoint,
    headers: { "X-CSRFToken": csrfToken() },
    fetch: function (url, options) {
      return window.fetch(url, Object.assign({}, options, { credentials: "same-origin" }));
    },
  });
  var defaultQuery = [
    "query GetMyOrganization {",
    "  me {",
    "    ... on User {",
    "      memberships { nodes { organization { id title } } }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery })
  );
})();
