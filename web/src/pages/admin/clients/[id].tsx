/** A client's page for staff: who they are and their tickets (as far as the viewer sees them),
 * live, every status, sortable like the list. */
import { useRoute } from "preact-iso";
import { useState } from "preact/hooks";
import { Pager, usePages } from "../../../components/pager";
import { TicketTable, useLiveTickets } from "../../../components/ticket-table";
import type { Column } from "../../../components/ticket-table";
import { ErrorNote } from "../../../components/ui";
import { STATUS_LABEL } from "../../../format";
import { graphql } from "../../../gql";
import type { SortDirection, TicketSortField } from "../../../gql/graphql";
import { useQuery, useTitle } from "../../../hooks";
import { t } from "../../../i18n";

const PAGE_SIZE = 25;

const ClientPageDocument = graphql(`
  query ClientPage($id: ID!) {
    client(id: $id) {
      id
      name
      email
      active
      ticketCount
      counts {
        status
        count
      }
    }
  }
`);

const ClientTicketsDocument = graphql(`
  query ClientTicketList($filter: TicketFilter, $sort: TicketSort, $first: Int!, $after: String) {
    tickets(filter: $filter, sort: $sort, first: $first, after: $after) {
      ...TicketRows
    }
  }
`);

export function ClientPage() {
  const { params } = useRoute();
  const id = /^\d+$/.test(params.id ?? "") ? params.id : "0";
  const client = useQuery(ClientPageDocument, { id });
  const found = client.data?.client;
  useTitle(found ? found.name : "Client");
  const [sort, setSort] = useState<{ field: TicketSortField; direction: SortDirection }>({
    field: "LAST_ACTIVITY",
    direction: "DESC",
  });
  const pages = usePages(JSON.stringify([id, sort]));
  const list = useQuery(
    ClientTicketsDocument,
    { filter: { clientId: id }, sort, first: PAGE_SIZE, after: pages.after },
    { skip: !found },
  );
  const flashing = useLiveTickets(async () => {
    await Promise.all([client.refetch(), list.refetch()]);
  });
  if (client.data && !found) {
    return (
      <section class="panel">
        <h1>{t("Client not found")}</h1>
        <p>
          {t("There is no client that you may look up here.")}{" "}
          <a href="/admin/clients">{t("Back to clients")}</a>
        </p>
      </section>
    );
  }
  const sortBy = (column: Column) => {
    if (!column.sort) return;
    const direction: SortDirection =
      column.sort === sort.field ? (sort.direction === "ASC" ? "DESC" : "ASC") : (column.first ?? "ASC");
    setSort({ field: column.sort, direction });
  };
  const tickets = list.data?.tickets;
  return (
    <section aria-labelledby="client-title">
      <nav class="crumbs" aria-label={t("Breadcrumb")}>
        <a href="/admin/clients">{t("Clients")}</a> ›
      </nav>
      <ErrorNote error={client.error ?? list.error} />
      {found && (
        <>
          <div class="page-head">
            <h1 id="client-title">{found.name}</h1>
            <p class="muted">
              {found.email}
              {found.active ? "" : ` ${t("(deactivated)")}`}
            </p>
          </div>
          <ul class="status-counts" aria-label={t("Tickets by status")}>
            <li>
              {t("Tickets:")} <strong>{found.ticketCount}</strong>
            </li>
            {found.counts
              .filter((c) => c.count > 0)
              .map((c) => (
                <li key={c.status} data-status={c.status}>
                  {STATUS_LABEL[c.status]}: <strong>{c.count}</strong>
                </li>
              ))}
          </ul>
          <TicketTable
            page={tickets}
            columns={["number", "subject", "department", "status", "priority", "lastActivity", "assignee"]}
            href={(number) => `/admin/tickets/${number}`}
            caption={t("{name}'s tickets", { name: found.name })}
            flashing={flashing}
            sort={{ ...sort, by: sortBy }}
            busy={list.loading}
            empty={t("No tickets that you may see.")}
          />
          <Pager pages={pages} pageInfo={tickets?.pageInfo}>
            {t("page {page}", { page: pages.page })}
          </Pager>
        </>
      )}
    </section>
  );
}
