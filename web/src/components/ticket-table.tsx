/**
 * The ticket table of the staff list and of the client's My Tickets, updated live. A field of
 * Ticket shown in a list is added here: to the `TicketRows` fragment and as a column.
 */
import type { ComponentChildren } from "preact";
import { graphql } from "../gql";
import type {
  SortDirection,
  TicketListEventsSubscription,
  TicketRowsFragment,
  TicketSortField,
} from "../gql/graphql";
import { useDebounced, useFlash, useLive } from "../hooks";
import { PriorityBadge, StatusBadge, Time } from "./ui";
import { t, tk } from "../i18n";

/** A page of the list: `tickets(...) { ...TicketRows }`. */
export const TicketRowsDoc = graphql(`
  fragment TicketRows on TicketConnection {
    totalCount
    totalCountCapped
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      highlight {
        field
        parts {
          text
          matched
        }
      }
      node {
        id
        number
        subject
        status
        priority
        lastActivityAt
        client {
          id
          name
        }
        department {
          id
          name
        }
        assignee {
          id
          name
        }
      }
    }
  }
`);

const TicketListEventsDocument = graphql(`
  subscription TicketListEvents {
    ticketListEvents {
      type
      ticket {
        number
        subject
      }
    }
  }
`);

/** What a list shows when its request was refused and nothing was shown before: no rows (the
 * error above says why), not the grey rows of a first load that never ends. */
export const NO_TICKETS: TicketRowsFragment = {
  totalCount: 0,
  totalCountCapped: false,
  pageInfo: { hasNextPage: false, endCursor: null },
  edges: [],
};

type Row = TicketRowsFragment["edges"][number]["node"];
type Found = NonNullable<TicketRowsFragment["edges"][number]["highlight"]>;

const FOUND_IN: Record<Found["field"], string> = {
  NUMBER: tk("Number"),
  SUBJECT: tk("Subject"),
  MESSAGE: tk("Message"),
  NOTE: tk("Internal note"),
  CLIENT: tk("Client"),
};

/** Where a search matched: plain text nodes, the matching parts in <mark> (never markup). */
function Highlight({ found }: { found: Found }) {
  return (
    <p class="highlight" data-field={found.field}>
      <span class="muted">{t(FOUND_IN[found.field])}: </span>
      {found.parts.map((part, i) => (part.matched ? <mark key={i}>{part.text}</mark> : part.text))}
    </p>
  );
}

/** A page's SLA countdowns (staff lists only): `tickets(...) { ...TicketRows ...TicketSlaRows }`. */
export const TicketSlaRowsDoc = graphql(`
  fragment TicketSlaRows on TicketConnection {
    edges {
      node {
        id
        slaState
        slaDueAt
        slaAtRiskAt
      }
    }
  }
`);

/** A page's tags (staff lists only): `tickets(...) { ...TicketRows ...TicketTagRows }`. */
export const TicketTagRowsDoc = graphql(`
  fragment TicketTagRows on TicketConnection {
    edges {
      node {
        id
        tags {
          id
          name
          color
        }
      }
    }
  }
`);

export interface Column {
  key: string;
  label: string;
  /** The column sorts the list by this field (where the page sorts). */
  sort?: TicketSortField;
  /** The first direction a click on a new column sorts in. */
  first?: SortDirection;
  /** The cell; ``href`` is the ticket's page. */
  cell: (ticket: Row, href: string) => ComponentChildren;
}

// Names in cells carry a title: the list cuts long ones short on desktops (styles.css).
export const COLUMNS: Column[] = [
  {
    key: "number",
    label: "#",
    sort: "NUMBER",
    first: "DESC",
    cell: (t, href) => <a href={href}>#{t.number}</a>,
  },
  {
    key: "subject",
    get label() {
 return t("Subject");
},
    sort: "SUBJECT",
    first: "ASC",
    // A long subject ends in an ellipsis (CSS); the whole of it is on hover.
    cell: (t, href) => (
      <a href={href} class="subject" title={t.subject}>
        {t.subject}
      </a>
    ),
  },
  { key: "client", get label() {
 return t("Client");
}, sort: "CLIENT", first: "ASC", cell: (t) => <span title={t.client.name}>{t.client.name}</span> },
  {
    key: "department",
    get label() {
 return t("Department");
},
    sort: "DEPARTMENT",
    first: "ASC",
    cell: (t) => <span title={t.department.name}>{t.department.name}</span>,
  },
  {
    key: "status",
    get label() {
 return t("Status");
},
    sort: "STATUS",
    first: "ASC",
    cell: (t) => <StatusBadge status={t.status} />,
  },
  {
    key: "priority",
    get label() {
 return t("Priority");
},
    sort: "PRIORITY",
    first: "DESC",
    cell: (t) => <PriorityBadge priority={t.priority} />,
  },
  {
    key: "lastActivity",
    get label() {
 return t("Last update");
},
    sort: "LAST_ACTIVITY",
    first: "DESC",
    cell: (t) => <Time iso={t.lastActivityAt} />,
  },
  {
    key: "assignee",
    get label() {
 return t("Assigned to");
},
    sort: "ASSIGNEE",
    first: "ASC",
    cell: (t) =>
      t.assignee ? <span title={t.assignee.name}>{t.assignee.name}</span> : <span class="muted">—</span>,
  },
];

export interface Sorting {
  field: TicketSortField;
  direction: SortDirection;
  by: (column: Column) => void;
}

type ListEvent = TicketListEventsSubscription["ticketListEvents"];

/**
 * Follows `ticketListEvents`: each event refetches the list (bursts coalesced) and highlights
 * its row for a few seconds; a resync refetches too. Returns the highlighted ticket numbers.
 */
export function useLiveTickets(
  refetch: () => Promise<void>,
  onEvent?: (event: ListEvent) => void,
): ReadonlySet<string> {
  const [flashing, flash] = useFlash();
  const refetchSoon = useDebounced(() => void refetch());
  useLive(
    TicketListEventsDocument,
    {},
    ({ ticketListEvents: event }) => {
      // LEFT (a ticket moved out of the viewer's departments) names no ticket.
      if (event.ticket) flash(String(event.ticket.number));
      onEvent?.(event);
      refetchSoon();
    },
    { onResync: refetchSoon },
  );
  return flashing;
}

const ARIA_SORT = { ASC: "ascending", DESC: "descending" } as const;

/** Row checkboxes (the staff list's bulk actions): which numbers are chosen. */
export interface Selection {
  selected: ReadonlySet<number>;
  toggle: (number: number) => void;
  /** Choose (or un-choose) every row of the page. */
  setPage: (numbers: number[], on: boolean) => void;
}

/** Grey bars where the first rows will be, while the first page loads (hidden from screen
 * readers, which hear the table's ``aria-busy`` instead). */
function SkeletonRows({ columns, rows = 5 }: { columns: number; rows?: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, r) => (
        <tr key={`skeleton-${r}`} class="skeleton" aria-hidden="true">
          {Array.from({ length: columns }, (_, c) => (
            <td key={c}>
              <span class="skeleton-bar" />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

export function TicketTable({
  page,
  columns,
  href,
  caption,
  flashing,
  sort,
  busy,
  empty,
  more,
  selection,
}: {
  page: TicketRowsFragment | undefined;
  /** The keys of the columns to show, in order (all by default). */
  columns?: string[];
  /** Columns of the page's own, after these. */
  more?: Column[];
  href: (number: number) => string;
  caption: ComponentChildren;
  flashing: ReadonlySet<string>;
  /** Sortable headers, when the page sorts. */
  sort?: Sorting;
  /** A fetch is under way (`aria-busy`). */
  busy?: boolean;
  /** Said when the page has no tickets. */
  empty?: string;
  /** Row checkboxes, when the page has bulk actions. */
  selection?: Selection;
}) {
  const numbers = page?.edges.map((e) => e.node.number) ?? [];
  const allChosen = numbers.length > 0 && numbers.every((n) => selection?.selected.has(n));
  const shown = [
    ...(columns ? columns.map((key) => COLUMNS.find((c) => c.key === key) as Column) : COLUMNS),
    ...(more ?? []),
  ];
  return (
    <div class="table-wrap">
      <table
        class="tickets"
        aria-busy={!page ? "true" : busy === undefined ? undefined : busy ? "true" : "false"}
      >
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {selection && (
              <th scope="col" class="select">
                <input
                  type="checkbox"
                  aria-label={t("Select every ticket on this page")}
                  checked={allChosen}
                  onChange={() => selection.setPage(numbers, !allChosen)}
                />
              </th>
            )}
            {shown.map((c) =>
              sort && c.sort ? (
                <th
                  key={c.key}
                  scope="col"
                  data-key={c.key}
                  aria-sort={c.sort === sort.field ? ARIA_SORT[sort.direction] : "none"}
                >
                  <button type="button" class="sort" data-field={c.sort} onClick={() => sort.by(c)}>
                    {c.label}
                    <span aria-hidden="true" class="arrow">
                      {c.sort === sort.field ? (sort.direction === "ASC" ? "▲" : "▼") : ""}
                    </span>
                  </button>
                </th>
              ) : (
                <th key={c.key} scope="col" data-key={c.key}>
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {!page && <SkeletonRows columns={shown.length + (selection ? 1 : 0)} />}
          {page?.edges.map(({ node: ticket, highlight }) => (
            <tr
              key={ticket.id}
              data-number={ticket.number}
              class={flashing.has(String(ticket.number)) ? "flash" : undefined}
            >
              {selection && (
                <td class="select">
                  <input
                    type="checkbox"
                    aria-label={t("Select #{number}", { number: ticket.number })}
                    checked={selection.selected.has(ticket.number)}
                    onChange={() => selection.toggle(ticket.number)}
                  />
                </td>
              )}
              {shown.map((c) => (
                <td key={c.key} data-key={c.key} data-label={c.label}>
                  {c.cell(ticket, href(ticket.number))}
                  {c.key === "subject" && highlight && <Highlight found={highlight} />}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {empty && page?.edges.length === 0 && <p class="empty">{empty}</p>}
    </div>
  );
}
