/**
 * The staff list's filter and sort as they are kept in the address (?status=…&q=…), both ways:
 * a page's address gives the list's filter, and a saved view's filter gives an address.
 */
import { PRIORITY_LABEL, STATUSES, STATUS_LABEL } from "./format";
import type {
  SortDirection,
  TicketFilter,
  TicketPriority,
  TicketSortField,
  TicketStatus,
} from "./gql/graphql";

/** "Active" is every status but Closed: the list's default (?status=all shows every one). */
export const ACTIVE = STATUSES.filter((s) => s !== "CLOSED");

const listOf = <T extends string>(value: string | undefined, known: Record<T, string>): T[] =>
  (value ?? "").split(",").filter((v): v is T => v in known);

/** The status filter's value in the address: "" (active, the default), "all" or statuses. */
export function statusChoice(q: Record<string, string>): string {
  if (q.status === "all") return "all";
  const chosen = listOf(q.status, STATUS_LABEL);
  return chosen.join(",");
}

export function filterFrom(q: Record<string, string>): TicketFilter {
  const filter: TicketFilter = {};
  const status = statusChoice(q);
  if (status === "") filter.status = ACTIVE;
  else if (status !== "all") filter.status = status.split(",") as TicketStatus[];
  const priorities = listOf(q.priority, PRIORITY_LABEL);
  if (priorities.length) filter.priority = priorities as TicketPriority[];
  if (q.department) filter.departmentId = q.department;
  if (q.assignee === "mine") filter.assignedToMe = true;
  else if (q.assignee === "none") filter.unassigned = true;
  else if (q.assignee) filter.assigneeId = q.assignee;
  const search = searchText(q.q);
  if (search) filter.search = search;
  if (q.client && /^\d+$/.test(q.client)) filter.clientId = q.client;
  if (q.sla === "breached") filter.slaBreached = true;
  const tags = (q.tags ?? "").split(",").filter((id) => /^\d+$/.test(id));
  if (tags.length) {
    filter.tags = tags;
    filter.tagsMatch = q.match === "all" ? "ALL" : "ANY";
  }
  return filter;
}

/** A saved filter as it comes back from the API (every field present, nulls for none). */
export interface SavedFilter {
  status: TicketStatus[];
  priority: TicketPriority[];
  departmentId?: string | null;
  assigneeId?: string | null;
  assignedToMe: boolean;
  unassigned: boolean;
  search?: string | null;
  tags: string[];
  tagsMatch: "ANY" | "ALL";
  clientId?: string | null;
  slaBreached?: boolean | null;
}

/** The list's address for a filter and sort (the inverse of ``filterFrom``). */
export function listHref(
  filter: SavedFilter,
  sort: { field: TicketSortField; direction: SortDirection },
  extra: Record<string, string> = {},
): string {
  const q = new URLSearchParams();
  const active = ACTIVE.every((s) => filter.status.includes(s)) && filter.status.length === ACTIVE.length;
  if (filter.status.length === 0) q.set("status", "all");
  else if (!active) q.set("status", filter.status.join(","));
  if (filter.priority.length) q.set("priority", filter.priority.join(","));
  if (filter.departmentId) q.set("department", filter.departmentId);
  if (filter.assignedToMe) q.set("assignee", "mine");
  else if (filter.unassigned) q.set("assignee", "none");
  else if (filter.assigneeId) q.set("assignee", filter.assigneeId);
  if (filter.search) q.set("q", filter.search);
  if (filter.clientId) q.set("client", filter.clientId);
  if (filter.slaBreached) q.set("sla", "breached");
  if (filter.tags.length) {
    q.set("tags", filter.tags.join(","));
    if (filter.tagsMatch === "ALL") q.set("match", "all");
  }
  const isDefault =
    sort.field === "RELEVANCE" || (sort.field === "LAST_ACTIVITY" && sort.direction === "DESC");
  if (!isDefault) {
    q.set("sort", sort.field);
    if (sort.direction === "ASC") q.set("dir", "ASC");
  }
  for (const [key, value] of Object.entries(extra)) q.set(key, value);
  const search = q.toString();
  return search ? `/admin/tickets?${search}` : "/admin/tickets";
}

/** The search box's text as sent: any run of whitespace (a pasted tab, a line break) is one
 * space, as the server reads it; a tab would otherwise be refused as a control character. */
export function searchText(text: string | null | undefined): string {
  return (text ?? "").replace(/\s+/g, " ").trim();
}

/** True when the search box only leaves words out (`-pineapple`, `-"paper jam"`): every group
 * (split by `or`) has an excluded word and none to look for, so the search finds nothing. The
 * list's empty state says so instead of a bare "no tickets". Reads terms as the server does. */
export function onlyExcludes(text: string | null | undefined): boolean {
  const terms = searchText(text).match(/-?"[^"]*"?|\S+/g) ?? [];
  let excluded = false;
  for (const term of terms) {
    if (term.toLowerCase() === "or") continue;
    const negated = term.startsWith("-") && term.length > 1;
    const body = negated ? term.slice(1) : term;
    if (!/\w/u.test(body.replace(/"/g, " "))) continue;
    if (!negated) return false;
    excluded = true;
  }
  return excluded;
}
