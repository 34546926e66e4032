/** Admin → Support → Tickets: the live, sortable, filterable ticket list. */
import { useLocation } from "preact-iso";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { PRIORITIES, PRIORITY_LABEL, STATUSES, STATUS_LABEL } from "../../format";
import { graphql } from "../../gql";
import type {
  SortDirection,
  TicketFilter,
  TicketPriority,
  TicketSortField,
  TicketStatus,
} from "../../gql/graphql";
import { useDebounced, useFlash, useLive, useQuery, useTitle } from "../../hooks";
import { ErrorNote, PriorityBadge, StatusBadge, Time } from "../../ui";

const PAGE_SIZE = 25;

const TicketListDocument = graphql(`
  query TicketList($filter: TicketFilter, $sort: TicketSort, $first: Int!, $after: String) {
    tickets(filter: $filter, sort: $sort, first: $first, after: $after) {
      totalCount
      totalCountCapped
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
  }
`);

const ListOptionsDocument = graphql(`
  query ListOptions {
    departments {
      id
      name
    }
    staff: users(role: STAFF) {
      id
      name
    }
    admins: users(role: ADMIN) {
      id
      name
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

interface Column {
  field: TicketSortField;
  label: string;
  /** The first direction a click on a new column sorts in. */
  first: SortDirection;
}

const COLUMNS: Column[] = [
  { field: "NUMBER", label: "#", first: "DESC" },
  { field: "SUBJECT", label: "Subject", first: "ASC" },
  { field: "CLIENT", label: "Client", first: "ASC" },
  { field: "DEPARTMENT", label: "Department", first: "ASC" },
  { field: "STATUS", label: "Status", first: "ASC" },
  { field: "PRIORITY", label: "Priority", first: "DESC" },
  { field: "LAST_ACTIVITY", label: "Last update", first: "DESC" },
  { field: "ASSIGNEE", label: "Assigned to", first: "ASC" },
];

const FIELDS = new Set<string>(COLUMNS.map((c) => c.field));

/** "Active" is every status but Closed. */
const ACTIVE = STATUSES.filter((s) => s !== "CLOSED");

function filterFrom(q: Record<string, string>): TicketFilter {
  const filter: TicketFilter = {};
  if (q.status === "active") filter.status = ACTIVE;
  else if (q.status && q.status in STATUS_LABEL) filter.status = [q.status as TicketStatus];
  if (q.priority && q.priority in PRIORITY_LABEL) filter.priority = [q.priority as TicketPriority];
  if (q.department) filter.departmentId = q.department;
  if (q.assignee === "mine") filter.assignedToMe = true;
  else if (q.assignee === "none") filter.unassigned = true;
  else if (q.assignee) filter.assigneeId = q.assignee;
  if (q.q?.trim()) filter.search = q.q.trim();
  return filter;
}

export function TicketList() {
  useTitle("Tickets");
  const { query, path, route } = useLocation();
  const sortField = (FIELDS.has(query.sort) ? query.sort : "LAST_ACTIVITY") as TicketSortField;
  const direction: SortDirection = query.dir === "ASC" ? "ASC" : "DESC";
  const filter = useMemo(() => filterFrom(query), [JSON.stringify(query)]);
  const listKey = JSON.stringify([filter, sortField, direction]);

  // Keyset pages: the cursors that led to each page so far, reset when the view changes.
  const [pages, setPages] = useState<{ key: string; cursors: (string | null)[] }>({
    key: listKey,
    cursors: [null],
  });
  const cursors = pages.key === listKey ? pages.cursors : [null];
  const setCursors = (update: (old: (string | null)[]) => (string | null)[]) =>
    setPages({ key: listKey, cursors: update(cursors) });
  const after = cursors[cursors.length - 1];

  const list = useQuery(TicketListDocument, {
    filter,
    sort: { field: sortField, direction },
    first: PAGE_SIZE,
    after,
  });
  const options = useQuery(ListOptionsDocument, {});
  const [flashing, flash] = useFlash();
  const [announcement, setAnnouncement] = useState("");
  const refetchSoon = useDebounced(() => void list.refetch());
  useLive(
    TicketListEventsDocument,
    {},
    ({ ticketListEvents: event }) => {
      flash(String(event.ticket.number));
      const verb = event.type === "CREATED" ? "New ticket" : "Ticket updated";
      setAnnouncement(`${verb}: #${event.ticket.number} ${event.ticket.subject}`);
      refetchSoon();
    },
    { onResync: refetchSoon },
  );

  const setQuery = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    const search = next.toString();
    route(search ? `${path}?${search}` : path, true);
  };

  const sortBy = (column: Column) => {
    const dir =
      column.field === sortField ? (direction === "ASC" ? "DESC" : "ASC") : column.first;
    const isDefault = column.field === "LAST_ACTIVITY" && dir === "DESC";
    setQuery({ sort: isDefault ? null : column.field, dir: isDefault ? null : dir });
  };

  // The subject search waits for a pause in typing.
  const [search, setSearch] = useState(query.q ?? "");
  const pushSearch = useDebounced(() => setQuery({ q: search.trim() || null }), 300);
  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(target.tagName)) {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const assignees = useMemo(() => {
    const seen = new Map<string, string>();
    for (const u of [...(options.data?.staff ?? []), ...(options.data?.admins ?? [])]) {
      seen.set(u.id, u.name);
    }
    return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
  }, [options.data]);

  const tickets = list.data?.tickets;
  const page = cursors.length;
  // The server counts up to a cap (1,000) and says when it stopped there: show "1000+".
  const total = tickets ? `${tickets.totalCount}${tickets.totalCountCapped ? "+" : ""}` : "";
  const pageCount = tickets
    ? `${Math.max(1, Math.ceil(tickets.totalCount / PAGE_SIZE))}${tickets.totalCountCapped ? "+" : ""}`
    : "";
  const start = tickets && tickets.edges.length ? (page - 1) * PAGE_SIZE + 1 : 0;
  const end = tickets ? (page - 1) * PAGE_SIZE + tickets.edges.length : 0;

  return (
    <section aria-labelledby="tickets-title">
      <div class="page-head">
        <h1 id="tickets-title">Tickets</h1>
        <p class="muted" aria-live="polite">
          {tickets ? `${total} ticket${tickets.totalCount === 1 ? "" : "s"}` : ""}
        </p>
      </div>
      <form class="filters" role="search" aria-label="Filter tickets" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="filter-search">Subject</label>
          <input
            id="filter-search"
            ref={searchRef}
            type="search"
            placeholder="Search subjects (press /)"
            value={search}
            onInput={(e) => {
              setSearch(e.currentTarget.value);
              pushSearch();
            }}
          />
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={query.status ?? ""}
            onChange={(e) => setQuery({ status: e.currentTarget.value || null })}
          >
            <option value="">Any status</option>
            <option value="active">Active (not closed)</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-department">Department</label>
          <select
            id="filter-department"
            value={query.department ?? ""}
            onChange={(e) => setQuery({ department: e.currentTarget.value || null })}
          >
            <option value="">Any department</option>
            {options.data?.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-priority">Priority</label>
          <select
            id="filter-priority"
            value={query.priority ?? ""}
            onChange={(e) => setQuery({ priority: e.currentTarget.value || null })}
          >
            <option value="">Any priority</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {PRIORITY_LABEL[p]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-assignee">Assigned to</label>
          <select
            id="filter-assignee"
            value={query.assignee ?? ""}
            onChange={(e) => setQuery({ assignee: e.currentTarget.value || null })}
          >
            <option value="">Anyone</option>
            <option value="mine">Me (mine)</option>
            <option value="none">Unassigned</option>
            {assignees.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </form>
      <p class="sr-only" aria-live="polite">
        {announcement}
      </p>
      <ErrorNote error={list.error} />
      <div class="table-wrap">
        <table class="tickets" aria-busy={list.loading ? "true" : "false"}>
          <caption class="sr-only">
            Tickets, sorted by {COLUMNS.find((c) => c.field === sortField)?.label}{" "}
            {direction === "ASC" ? "ascending" : "descending"}
          </caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.field}
                  scope="col"
                  aria-sort={
                    c.field === sortField ? (direction === "ASC" ? "ascending" : "descending") : "none"
                  }
                >
                  <button type="button" class="sort" data-field={c.field} onClick={() => sortBy(c)}>
                    {c.label}
                    <span aria-hidden="true" class="arrow">
                      {c.field === sortField ? (direction === "ASC" ? "▲" : "▼") : ""}
                    </span>
                  </button>
                </th>
              ))}
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
                  <a href={`/admin/tickets/${t.number}`}>#{t.number}</a>
                </td>
                <td data-label="Subject">
                  <a href={`/admin/tickets/${t.number}`}>{t.subject}</a>
                </td>
                <td data-label="Client">{t.client.name}</td>
                <td data-label="Department">{t.department.name}</td>
                <td data-label="Status">
                  <StatusBadge status={t.status} />
                </td>
                <td data-label="Priority">
                  <PriorityBadge priority={t.priority} />
                </td>
                <td data-label="Last update">
                  <Time iso={t.lastActivityAt} />
                </td>
                <td data-label="Assigned to">{t.assignee?.name ?? <span class="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {tickets && tickets.edges.length === 0 && <p class="empty">No tickets match.</p>}
      </div>
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={page === 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          ← Previous
        </button>
        <span>
          {tickets && tickets.totalCount > 0
            ? `${start}–${end} of ${total} · page ${page} of ${pageCount}`
            : ""}
        </span>
        <button
          type="button"
          disabled={!tickets?.pageInfo.hasNextPage}
          onClick={() => {
            const next = tickets?.pageInfo.endCursor;
            if (next) setCursors((c) => [...c, next]);
          }}
        >
          Next →
        </button>
      </nav>
    </section>
  );
}
