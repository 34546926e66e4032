// GraphiQL for /graphql, built into web/dist with the rest of the UI so that it works without
// internet access (no CDN) and under the same Content-Security-Policy as the app.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import "./graphiql.css";

const endpoint = `${window.location.origin}/graphql`;
const fetcher = createGraphiQLFetcher({
  url: endpoint,
  subscriptionUrl: endpoint.replace(/^http/, "ws"),
});

const DEFAULT_QUERY = `# The helpdesk's GraphQL API. Sign in to the web UI in this browser first
# (the session cookie is sent), or add {"Authorization": "Bearer <token>"}
# under Headers below.
query Me {
  me { id name email role }
}
`;

const root = document.getElementById("graphiql");
if (root) {
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher,
      defaultQuery: DEFAULT_QUERY,
      shouldPersistHeaders: false,
    }),
  );
}
