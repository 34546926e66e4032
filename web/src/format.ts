import type { TicketPriority, TicketStatus } from "./gql/graphql";
import { currentLanguage, currentTimeZone, onLocaleChange, t, tk } from "./i18n";

/** A table of labels, each looked up in the current language when read. */
function labels<K extends string>(keys: Record<K, string>): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const key of Object.keys(keys) as K[]) {
    Object.defineProperty(out, key, { get: () => t(keys[key]), enumerable: true });
  }
  return out;
}

/** In workflow order, as the list sorts them. */
export const STATUS_LABEL: Record<TicketStatus, string> = labels({
  OPEN: tk("Open"),
  CUSTOMER_REPLY: tk("Customer Reply"),
  IN_PROGRESS: tk("In Progress"),
  ON_HOLD: tk("On Hold"),
  ANSWERED: tk("Answered"),
  CLOSED: tk("Closed"),
});

export const STATUSES = Object.keys(STATUS_LABEL) as TicketStatus[];

/** Staff may set every status but Answered, which only a staff reply sets. */
export const SETTABLE_STATUSES = STATUSES.filter((s) => s !== "ANSWERED");

export const PRIORITY_LABEL: Record<TicketPriority, string> = labels({
  LOW: tk("Low"),
  MEDIUM: tk("Medium"),
  HIGH: tk("High"),
  URGENT: tk("Urgent"),
});

export const PRIORITIES = Object.keys(PRIORITY_LABEL) as TicketPriority[];

let relative: Intl.RelativeTimeFormat;
let absolute: Intl.DateTimeFormat;
let dateOnly: Intl.DateTimeFormat;
let numbers: Intl.NumberFormat;
let sizes: Intl.NumberFormat;

/** The formatters of the viewer's language and time zone, made again when either changes. */
function makeFormatters(): void {
  const locale = currentLanguage();
  const timeZone = currentTimeZone();
  relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  absolute = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone });
  dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone });
  numbers = new Intl.NumberFormat(locale);
  sizes = new Intl.NumberFormat(locale, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    useGrouping: false,
  });
}
makeFormatters();
onLocaleChange(makeFormatters);

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

/** A date and time in the viewer's language and time zone. */
export function when(iso: string | Date): string {
  return absolute.format(typeof iso === "string" ? parseTime(iso) : iso);
}

/** A date (no time) in the viewer's language and time zone. */
export function day(iso: string | Date): string {
  return dateOnly.format(typeof iso === "string" ? parseTime(iso) : iso);
}

export function number(value: number): string {
  return numbers.format(value);
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${sizes.format(bytes / 1024)} KB`;
  return `${sizes.format(bytes / 1024 / 1024)} MB`;
}
