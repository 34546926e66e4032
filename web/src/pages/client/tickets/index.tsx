/** Client Area → Support → My Tickets, updated live. */
import { Pager, usePages } from "../../../components/pager";
import { TicketTable, useLiveTickets } from "../../../components/ticket-table";
import { ErrorNote } from "../../../components/ui";
import { graphql } from "../../../gql";
import { useQuery, useTitle } from "../../../hooks";

const PAGE_SIZE = 25;

const MyTicketsDocument = graphql(`
  query MyTickets($first: Int!, $after: String) {
    tickets(first: $first, after: $after) {
      ...TicketRows
    }
  }
`);

export function MyTickets() {
  useTitle("My Tickets");
  const pages = usePages();
  const list = useQuery(MyTicketsDocument, { first: PAGE_SIZE, after: pages.after });
  const flashing = useLiveTickets(list.refetch);
  const tickets = list.data?.tickets;
  return (
    <section aria-labelledby="my-title">
      <div class="page-head">
        <h1 id="my-title">My Tickets</h1>
        <a class="button primary" href="/client/tickets/new">
          Open a ticket
        </a>
      </div>
      <ErrorNote error={list.error} />
      {tickets && tickets.totalCount === 0 ? (
        <p class="empty">
          You have no tickets yet. <a href="/client/tickets/new">Open one</a> when you need help.
        </p>
      ) : (
        <TicketTable
          page={tickets}
          columns={["number", "subject", "department", "status", "lastActivity"]}
          href={(number) => `/client/tickets/${number}`}
          caption="Your tickets, most recently updated first"
          flashing={flashing}
        />
      )}
      {tickets && (tickets.pageInfo.hasNextPage || pages.page > 1) && (
        <Pager pages={pages} pageInfo={tickets.pageInfo}>
          page {pages.page}
        </Pager>
      )}
    </section>
  );
}
