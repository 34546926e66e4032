import type { TicketPriority, TicketStatus } from "./gql/graphql";

/** In workflow order, as the list sorts them. */
export const STATUS_LABEL: Record<TicketStatus, string> = {
  OPEN: "Open",
  CUSTOMER_REPLY: "Customer Reply",
  IN_PROGRESS: "In Progress",
  ON_HOLD: "On Hold",
  ANSWERED: "Answered",
  CLOSED: "Closed",
};

export const STATUSES = Object.keys(STATUS_LABEL) as TicketStatus[];

/** Staff may set every status but Answered, which only a staff reply sets. */
export const SETTABLE_STATUSES = STATUSES.filter((s) => s !== "ANSWERED");

export const PRIORITY_LABEL: Record<TicketPriority, string> = {
  LOW: "Low",
  MEDIUM: "Medium",
  HIGH: "High",
  URGENT: "Urgent",
};

export const PRIORITIES = Object.keys(PRIORITY_LABEL) as TicketPriority[];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
  ["week", 4.35],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

export function parseTime(iso: string): Date {
  // The API sends ISO 8601; a value without an offset is UTC.
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
}

export function ago(iso: string, now = Date.now()): string {
  let value = (parseTime(iso).getTime() - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return absolute.format(parseTime(iso));
}

export function when(iso: string): string {
  return absolute.format(parseTime(iso));
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
