/** Client Area → Support → My Tickets, updated live. */
import { useState } from "preact/hooks";
import { graphql } from "../../gql";
import { useDebounced, useFlash, useLive, useQuery, useTitle } from "../../hooks";
import { ErrorNote, StatusBadge, Time } from "../../ui";

const PAGE_SIZE = 25;

const MyTicketsDocument = graphql(`
  query MyTickets($first: Int!, $after: String) {
    tickets(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          number
          subject
          status
          lastActivityAt
          department {
            id
            name
          }
        }
      }
    }
  }
`);

const MyTicketEventsDocument = graphql(`
  subscription MyTicketEvents {
    ticketListEvents {
      type
      ticket {
        number
      }
    }
  }
`);

export function MyTickets() {
  useTitle("My Tickets");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const list = useQuery(MyTicketsDocument, { first: PAGE_SIZE, after: cursors[cursors.length - 1] });
  const [flashing, flash] = useFlash();
  const refetchSoon = useDebounced(() => void list.refetch());
  useLive(
    MyTicketEventsDocument,
    {},
    ({ ticketListEvents: event }) => {
      flash(String(event.ticket.number));
      refetchSoon();
    },
    { onResync: refetchSoon },
  );
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
        <div class="table-wrap">
          <table class="tickets">
            <caption class="sr-only">Your tickets, most recently updated first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Subject</th>
                <th scope="col">Department</th>
                <th scope="col">Status</th>
                <th scope="col">Last update</th>
              </tr>
            </thead>
            <tbody>
              {tickets?.edges.map(({ node: t }) => (
                <tr
                  key={t.id}
                  data-number={t.number}
                  class={flashing.has(String(t.number)) ? "flash" : undefined}
                >
                  <td data-label="#">
                    <a href={`/client/tickets/${t.number}`}>#{t.number}</a>
                  </td>
                  <td data-label="Subject">
                    <a href={`/client/tickets/${t.number}`}>{t.subject}</a>
                  </td>
                  <td data-label="Department">{t.department.name}</td>
                  <td data-label="Status">
                    <StatusBadge status={t.status} />
                  </td>
                  <td data-label="Last update">
                    <Time iso={t.lastActivityAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tickets && (tickets.pageInfo.hasNextPage || cursors.length > 1) && (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Previous
          </button>
          <span>page {cursors.length}</span>
          <button
            type="button"
            disabled={!tickets.pageInfo.hasNextPage}
            onClick={() => {
              const next = tickets.pageInfo.endCursor;
              if (next) setCursors((c) => [...c, next]);
            }}
          >
            Next →
          </button>
        </nav>
      )}
    </section>
  );
}
