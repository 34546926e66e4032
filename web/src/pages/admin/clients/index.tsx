/** Admin → Support → Clients: clients with tickets in one's departments (admins: every client),
 * searched by any part of the name or address, 50 a page. */
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { Pager, usePages } from "../../../components/pager";
import { ErrorNote, Field, Time } from "../../../components/ui";
import { graphql } from "../../../gql";
import { useDebounced, useQuery, useTitle } from "../../../hooks";
import { t } from "../../../i18n";

const PAGE_SIZE = 50;

const ClientsDocument = graphql(`
  query Clients($search: String, $first: Int!, $after: String) {
    clients(search: $search, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          email
          ticketCount
          lastActivityAt
        }
      }
    }
  }
`);

export function Clients() {
  useTitle(t("Clients"));
  const { query, path, route } = useLocation();
  const searching = query.q?.trim() ?? "";
  const pages = usePages(searching);
  const list = useQuery(ClientsDocument, {
    search: searching || null,
    first: PAGE_SIZE,
    after: pages.after,
  });
  const [search, setSearch] = useState(query.q ?? "");
  const pushSearch = useDebounced(() => {
    const text = search.trim();
    route(text ? `${path}?q=${encodeURIComponent(text)}` : path, true);
  }, 300);
  const clients = list.data?.clients;
  return (
    <section aria-labelledby="clients-title">
      <div class="page-head">
        <h1 id="clients-title">{t("Clients")}</h1>
      </div>
      <form class="filters" role="search" aria-label={t("Search clients")} onSubmit={(e) => e.preventDefault()}>
        <Field id="clients-search" label={t("Search")}>
          <input
            id="clients-search"
            type="search"
            placeholder={t("Name or email")}
            maxLength={100}
            value={search}
            onInput={(e) => {
              setSearch(e.currentTarget.value);
              pushSearch();
            }}
          />
        </Field>
      </form>
      <ErrorNote error={list.error} />
      <div class="table-wrap">
        <table class="clients" aria-busy={list.loading ? "true" : "false"}>
          <caption class="sr-only">{t("Clients by name")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("Name")}</th>
              <th scope="col">{t("Email")}</th>
              <th scope="col">{t("Tickets")}</th>
              <th scope="col">{t("Last update")}</th>
            </tr>
          </thead>
          <tbody>
            {clients?.edges.map(({ node: c }) => (
              <tr key={c.id} data-client={c.id}>
                <td data-label={t("Name")}>
                  <a href={`/admin/clients/${c.id}`}>{c.name}</a>
                </td>
                <td data-label={t("Email")}>{c.email}</td>
                <td data-label={t("Tickets")}>{c.ticketCount}</td>
                <td data-label={t("Last update")}>
                  {c.lastActivityAt ? <Time iso={c.lastActivityAt} /> : <span class="muted">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {clients?.edges.length === 0 && (
          <p class="empty">{searching ? t("No clients match.") : t("No clients yet.")}</p>
        )}
      </div>
      <Pager pages={pages} pageInfo={clients?.pageInfo}>
        {t("page {page}", { page: pages.page })}
      </Pager>
    </section>
  );
}
