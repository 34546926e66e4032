/** Admin → Support → Tickets: the live, sortable, filterable ticket list. */
import { useLocation } from "preact-iso";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { BulkBar } from "../../../components/bulk-bar";
import { Pager, usePages } from "../../../components/pager";
import { SavedViewsDocument, SavedViewsSidebar } from "../../../components/saved-views";
import { TagChips, useAllTags } from "../../../components/tags";
import type { TagLike } from "../../../components/tags";
import { RatingBadge } from "../../../components/rating";
import { useListShortcuts } from "../../../components/shortcuts";
import { SlaCountdown } from "../../../components/sla";
import { COLUMNS, NO_TICKETS, TicketTable, useLiveTickets } from "../../../components/ticket-table";
import type { Column } from "../../../components/ticket-table";
import { ErrorNote, Field, Select, labelled, named, people } from "../../../components/ui";
import { PRIORITIES, PRIORITY_LABEL, STATUSES, STATUS_LABEL } from "../../../format";
import { graphql } from "../../../gql";
import type { SortDirection, TicketSortField } from "../../../gql/graphql";
import { useDebounced, useQuery, useTitle } from "../../../hooks";
import { filterFrom, onlyExcludes, searchText, statusChoice } from "../../../list-query";
import { useSession } from "../../../session";
import { t, tn } from "../../../i18n";

const PAGE_SIZE = 25;

const TicketListDocument = graphql(`
  query TicketList($filter: TicketFilter, $sort: TicketSort, $first: Int!, $after: String) {
    tickets(filter: $filter, sort: $sort, first: $first, after: $after) {
      ...TicketRows
      ...TicketTagRows
      ...TicketSlaRows
      ...TicketRatingRows
    }
  }
`);

const ListOptionsDocument = graphql(`
  query ListOptions {
    departments {
      id
      name
    }
    moveTargets {
      id
      name
    }
    staff: users(role: STAFF, first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
    admins: users(role: ADMIN, first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const SORTS = new Set<string>([...COLUMNS.flatMap((c) => (c.sort ? [c.sort] : [])), "SLA_DUE"]);

export function TicketList() {
  useTitle(t("Tickets"));
  const { query, path, route } = useLocation();
  // A search ranks by relevance until a column is picked.
  const sortField = (
    SORTS.has(query.sort) ? query.sort : query.q?.trim() ? "RELEVANCE" : "LAST_ACTIVITY"
  ) as TicketSortField;
  const direction: SortDirection = query.dir === "ASC" ? "ASC" : "DESC";
  // ?view=ID marks the saved view the list was opened from (the filter is in the address).
  const { view: viewId, ...listQuery } = query;
  const filter = useMemo(() => filterFrom(listQuery), [JSON.stringify(listQuery)]);
  const listKey = JSON.stringify([filter, sortField, direction]);

  const pages = usePages(listKey);
  // Rows chosen for a bulk action; a new filter or sort starts afresh.
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  useEffect(() => setSelected(new Set()), [listKey]);
  const selection = {
    selected,
    toggle: (n: number) =>
      setSelected((old) => {
        const next = new Set(old);
        if (next.has(n)) next.delete(n);
        else next.add(n);
        return next;
      }),
    setPage: (numbers: number[], on: boolean) =>
      setSelected((old) => {
        const next = new Set(old);
        for (const n of numbers) {
          if (on) next.add(n);
          else next.delete(n);
        }
        return next;
      }),
  };

  const list = useQuery(TicketListDocument, {
    filter,
    sort: { field: sortField, direction },
    first: PAGE_SIZE,
    after: pages.after,
  });
  const options = useQuery(ListOptionsDocument, {});
  const views = useQuery(SavedViewsDocument, {});
  const allTags = useAllTags();
  const [announcement, setAnnouncement] = useState("");
  // One subscription for the list and the views' counts; a burst of events is one refetch.
  const refetchShown = async () => {
    await Promise.all([list.refetch(), views.refetch()]);
  };
  const sortedBy =
    sortField === "SLA_DUE"
      ? t("SLA due time")
      : (COLUMNS.find((c) => c.sort === sortField)?.label ?? t("relevance"));
  const flashing = useLiveTickets(refetchShown, (event) => {
    if (!event.ticket) {
      setAnnouncement(t("A ticket moved to a department you do not see."));
      return;
    }
    const verb = event.type === "CREATED" ? t("New ticket") : t("Ticket updated");
    setAnnouncement(`${verb}: #${event.ticket.number} ${event.ticket.subject}`);
  });

  const setQuery = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(listQuery);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    const search = next.toString();
    route(search ? `${path}?${search}` : path, true);
  };

  const sortBy = (column: Column) => {
    const dir =
      column.sort === sortField ? (direction === "ASC" ? "DESC" : "ASC") : (column.first ?? "ASC");
    const isDefault = !query.q?.trim() && column.sort === "LAST_ACTIVITY" && dir === "DESC";
    setQuery({ sort: isDefault ? null : (column.sort ?? null), dir: isDefault ? null : dir });
  };

  // The search waits for a pause in typing.
  const [search, setSearch] = useState(query.q ?? "");
  const pushSearch = useDebounced(() => setQuery({ q: searchText(search) || null }), 300);
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

  useListShortcuts();
  // On a narrow screen the filters fold behind one button (styles.css).
  const [showFilters, setShowFilters] = useState(false);

  const { me } = useSession();
  // Each filter is kept in the address as ?KEY=VALUE.
  const filters = [
    {
      key: "status",
      label: t("Status"),
      value: statusChoice(query),
      options: [
        { value: "", label: t("Active (not closed)") },
        { value: "all", label: t("Any status") },
        ...labelled(STATUSES, STATUS_LABEL),
        ...(statusChoice(query).includes(",")
          ? [{ value: statusChoice(query), label: t("Several (from a view)") }]
          : []),
      ],
    },
    {
      key: "department",
      label: t("Department"),
      options: [{ value: "", label: t("Any department") }, ...named(options.data?.departments)],
    },
    {
      key: "priority",
      label: t("Priority"),
      options: [
        { value: "", label: t("Any priority") },
        ...labelled(PRIORITIES, PRIORITY_LABEL),
        ...(query.priority?.includes(",")
          ? [{ value: query.priority, label: t("Several (from a view)") }]
          : []),
      ],
    },
    {
      key: "sla",
      label: "SLA",
      options: [
        { value: "", label: t("Any") },
        { value: "breached", label: t("Breached") },
      ],
    },
    {
      key: "assignee",
      label: t("Assigned to"),
      options: [
        { value: "", label: t("Anyone") },
        { value: "mine", label: t("Me (mine)") },
        { value: "none", label: t("Unassigned") },
        // The assignee filter offers the first 100 staff and admins by name; the signed-in
        // person is "Me" above, so not again by name (unless the address chose them by id).
        ...people(
          options.data?.staff.edges.map((e) => e.node),
          options.data?.admins.edges.map((e) => e.node),
        ).filter((o) => o.value !== me?.id || query.assignee === me.id),
      ],
    },
  ];

  const tickets = list.data?.tickets;
  const tagsOf = new Map<string, TagLike[]>(tickets?.edges.map((e) => [e.node.id, e.node.tags]));
  const slaOf = new Map(tickets?.edges.map((e) => [e.node.id, e.node]));
  const ratingOf = new Map(tickets?.edges.map((e) => [e.node.id, e.node.rating]));
  const chosenTags = filter.tags ?? [];
  const filtering =
    filters.filter(({ key, value }) => (value ?? query[key] ?? "") !== "").length +
    (chosenTags.length > 0 ? 1 : 0);
  const page = pages.page;
  // The server counts up to a cap (1,000) and says when it stopped there: show "1000+".
  const total = tickets ? `${tickets.totalCount}${tickets.totalCountCapped ? "+" : ""}` : "";
  const pageCount = tickets
    ? `${Math.max(1, Math.ceil(tickets.totalCount / PAGE_SIZE))}${tickets.totalCountCapped ? "+" : ""}`
    : "";
  const start = tickets && tickets.edges.length ? (page - 1) * PAGE_SIZE + 1 : 0;
  const end = tickets ? (page - 1) * PAGE_SIZE + tickets.edges.length : 0;

  return (
    <div class="with-views">
    <SavedViewsSidebar
      views={views}
      currentId={viewId}
      filter={filter}
      sort={{ field: sortField, direction }}
      departments={options.data?.departments ?? []}
    />
    <section aria-labelledby="tickets-title">
      <div class="page-head">
        <h1 id="tickets-title">{t("Tickets")}</h1>
        <p class="muted" aria-live="polite">
          {tickets ? tn("{n} ticket", "{n} tickets", tickets.totalCount, { n: total }) : ""}
        </p>
        <a class="button" href="/admin/tickets/new">
          {t("Open a ticket for a client")}
        </a>
      </div>
      <form class="filters" role="search" aria-label={t("Filter tickets")} onSubmit={(e) => e.preventDefault()}>
        <Field id="filter-search" label={t("Search")}>
          <input
            id="filter-search"
            ref={searchRef}
            type="search"
            placeholder={t("Number, words, client or email (press /)")}
            maxLength={200}
            value={search}
            onInput={(e) => {
              setSearch(e.currentTarget.value);
              pushSearch();
            }}
          />
        </Field>
        <button
          type="button"
          class="filters-button"
          aria-expanded={showFilters}
          aria-controls="list-filters"
          onClick={() => setShowFilters(!showFilters)}
        >
          {t("Filters")}
          {filtering > 0 ? ` (${filtering})` : ""}
        </button>
        <div id="list-filters" class={`filter-fields${showFilters ? " open" : ""}`}>
        {filters.map(({ key, label, options, value }) => (
          <Field key={key} id={`filter-${key}`} label={label}>
            <Select
              id={`filter-${key}`}
              value={value ?? query[key] ?? ""}
              onChange={(value) => setQuery({ [key]: value || null })}
              options={options}
            />
          </Field>
        ))}
        {statusChoice(query) === "" ? (
          <button type="button" class="link filter-toggle" onClick={() => setQuery({ status: "all" })}>
            {t("Show closed")}
          </button>
        ) : statusChoice(query) === "all" ? (
          <button type="button" class="link filter-toggle" onClick={() => setQuery({ status: null })}>
            {t("Hide closed")}
          </button>
        ) : null}
        {allTags.length > 0 && (
          <>
            <Field id="filter-tags" label={t("Tags")}>
              <select
                id="filter-tags"
                multiple
                size={Math.min(4, allTags.length)}
                onChange={(e) => {
                  const ids = Array.from(e.currentTarget.selectedOptions, (o) => o.value);
                  setQuery({ tags: ids.join(",") || null });
                }}
              >
                {allTags.map((t) => (
                  <option key={t.id} value={t.id} selected={chosenTags.includes(t.id)}>
                    {t.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field id="filter-match" label={t("Match tags")}>
              <Select
                id="filter-match"
                value={query.match === "all" ? "all" : "any"}
                onChange={(value) => setQuery({ match: value === "all" ? "all" : null })}
                options={[
                  { value: "any", label: t("Any of them") },
                  { value: "all", label: t("All of them") },
                ]}
              />
            </Field>
          </>
        )}
        </div>
      </form>
      {filter.clientId && (
        <p class="client-filter">
          {t("Only the tickets of")}{" "}
          <a href={`/admin/clients/${filter.clientId}`}>{t("one client")}</a>.{" "}
          <button type="button" class="link" onClick={() => setQuery({ client: null })}>
            {t("Show every client's")}
          </button>
        </p>
      )}
      <p class="sr-only" aria-live="polite">
        {announcement}
      </p>
      <ErrorNote error={list.error} />
      <BulkBar
        selected={selected}
        filter={filter}
        matching={tickets?.totalCount ?? 0}
        capped={tickets?.totalCountCapped ?? false}
        pageRows={tickets?.edges.length ?? 0}
        assignees={people(
          options.data?.staff.edges.map((e) => e.node),
          options.data?.admins.edges.map((e) => e.node),
        )}
        departments={named(options.data?.moveTargets ?? options.data?.departments)}
        tags={allTags.map((t) => ({ value: t.id, label: t.name }))}
        onSelectAll={(on) => {
          if (on && tickets) selection.setPage(tickets.edges.map((e) => e.node.number), true);
        }}
        onClear={() => setSelected(new Set())}
        onDone={list.refetch}
      />
      <TicketTable
        selection={selection}
        page={tickets ?? (list.error ? NO_TICKETS : undefined)}
        href={(number) => `/admin/tickets/${number}`}
        caption={
          direction === "ASC"
            ? t("Tickets, sorted by {field} ascending", { field: sortedBy })
            : t("Tickets, sorted by {field} descending", { field: sortedBy })
        }
        flashing={flashing}
        sort={{ field: sortField, direction, by: sortBy }}
        busy={list.loading}
        empty={onlyExcludes(query.q) ? t("No tickets match. Add a word to search for: -word only leaves tickets out.") : t("No tickets match.")}
        more={[
          {
            key: "sla",
            label: "SLA",
            sort: "SLA_DUE",
            first: "ASC",
            cell: (t) => {
              const s = slaOf.get(t.id);
              return <SlaCountdown state={s?.slaState} dueAt={s?.slaDueAt} atRiskAt={s?.slaAtRiskAt} />;
            },
          },
          {
            key: "tags",
            label: t("Tags"),
            cell: (t) => <TagChips tags={tagsOf.get(t.id) ?? []} />,
          },
          {
            key: "rating",
            label: t("Rating"),
            cell: (t) => <RatingBadge rating={ratingOf.get(t.id)} />,
          },
        ]}
      />
      <Pager pages={pages} pageInfo={tickets?.pageInfo}>
        {tickets && tickets.totalCount > 0
          ? t("{start}–{end} of {total} · page {page} of {pages}", { start, end, total, page, pages: pageCount })
          : ""}
      </Pager>
    </section>
    </div>
  );
}
