/** Client Area → Support → My Tickets, updated live, with a search box. */
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { Pager, usePages } from "../../../components/pager";
import { useListShortcuts } from "../../../components/shortcuts";
import { NO_TICKETS, TicketTable, useLiveTickets } from "../../../components/ticket-table";
import { onlyExcludes, searchText } from "../../../list-query";
import { ErrorNote, Field } from "../../../components/ui";
import { graphql } from "../../../gql";
import { useDebounced, useQuery, useTitle } from "../../../hooks";
import { t } from "../../../i18n";

const PAGE_SIZE = 25;

const MyTicketsDocument = graphql(`
  query MyTickets($first: Int!, $after: String, $filter: TicketFilter, $sort: TicketSort) {
    tickets(first: $first, after: $after, filter: $filter, sort: $sort) {
      ...TicketRows
    }
  }
`);

export function MyTickets() {
  useTitle(t("My Tickets"));
  const { query, path, route } = useLocation();
  const searching = searchText(query.q);
  const pages = usePages(searching);
  const list = useQuery(MyTicketsDocument, {
    first: PAGE_SIZE,
    after: pages.after,
    // A search ranks by relevance; the plain list is newest activity first.
    filter: searching ? { search: searching } : null,
    sort: searching ? { field: "RELEVANCE", direction: "DESC" } : null,
  });
  const flashing = useLiveTickets(list.refetch);
  useListShortcuts();
  const tickets = list.data?.tickets;
  const [search, setSearch] = useState(query.q ?? "");
  const pushSearch = useDebounced(() => {
    const text = searchText(search);
    route(text ? `${path}?q=${encodeURIComponent(text)}` : path, true);
  }, 300);
  return (
    <section aria-labelledby="my-title">
      <div class="page-head">
        <h1 id="my-title">{t("My Tickets")}</h1>
        <a class="button primary" href="/client/tickets/new">
          {t("Open a ticket")}
        </a>
      </div>
      <form class="filters" role="search" aria-label={t("Search my tickets")} onSubmit={(e) => e.preventDefault()}>
        <Field id="my-search" label={t("Search")}>
          <input
            id="my-search"
            type="search"
            placeholder={t("Number or words")}
            maxLength={200}
            value={search}
            onInput={(e) => {
              setSearch(e.currentTarget.value);
              pushSearch();
            }}
          />
        </Field>
      </form>
      <ErrorNote error={list.error} />
      {tickets && tickets.totalCount === 0 && !searching ? (
        <p class="empty">
          {t("You have no tickets yet.")} <a href="/client/tickets/new">{t("Open one")}</a>
          {/* German puts a comma before its "wenn": no space then. */}
          {/^[,;]/.test(t("when you need help.")) ? "" : " "}
          {t("when you need help.")}
        </p>
      ) : (
        <TicketTable
          page={tickets ?? (list.error ? NO_TICKETS : undefined)}
          columns={["number", "subject", "department", "status", "priority", "lastActivity"]}
          href={(number) => `/client/tickets/${number}`}
          caption={searching ? t("Your tickets matching the search") : t("Your tickets, most recently updated first")}
          flashing={flashing}
          empty={
            onlyExcludes(searching)
              ? t("No tickets match. Add a word to search for: -word only leaves tickets out.")
              : searching
                ? t("No tickets match.")
                : undefined
          }
        />
      )}
      {tickets && (tickets.pageInfo.hasNextPage || pages.page > 1) && (
        <Pager pages={pages} pageInfo={tickets.pageInfo}>
          {t("page {page}", { page: pages.page })}
        </Pager>
      )}
    </section>
  );
}
