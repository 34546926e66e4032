/**
 * The staff list's bulk action bar: what the chosen rows (or every ticket matching the filter,
 * up to 1,000) get, applied by `bulkUpdateTickets`, and each ticket's outcome.
 */
import { useState } from "preact/hooks";
import { mutate } from "../api";
import { PRIORITIES, PRIORITY_LABEL, SETTABLE_STATUSES, STATUS_LABEL } from "../format";
import { graphql } from "../gql";
import type { BulkChangeInput, TicketFilter, TicketPriority, TicketStatus } from "../gql/graphql";
import { useAction } from "../hooks";
import { ConfirmDialog } from "./confirm";
import { ErrorNote, Field, Select, labelled } from "./ui";
import type { Option } from "./ui";
import { t, tn } from "../i18n";

const BulkUpdateDocument = graphql(`
  mutation BulkUpdate($numbers: [Int!], $filter: TicketFilter, $change: BulkChangeInput!) {
    bulkUpdateTickets(numbers: $numbers, filter: $filter, change: $change) {
      number
      ok
      error {
        message
        code
      }
    }
  }
`);

/** The most tickets one bulk action may change (the server's limit). */
export const BULK_LIMIT = 1000;

type Kind = "status" | "priority" | "assignee" | "department" | "addTag" | "removeTag" | "close";

const KINDS: Option[] = [
  { value: "status", get label() {
 return t("Set status");
} },
  { value: "priority", get label() {
 return t("Set priority");
} },
  { value: "assignee", get label() {
 return t("Assign to");
} },
  { value: "department", get label() {
 return t("Move to department");
} },
  { value: "addTag", get label() {
 return t("Add tag");
} },
  { value: "removeTag", get label() {
 return t("Remove tag");
} },
  { value: "close", get label() {
 return t("Close");
} },
];

interface Outcome {
  number: number | null | undefined;
  ok: boolean;
  message?: string;
}

function changeFor(kind: Kind, value: string): BulkChangeInput {
  switch (kind) {
    case "status":
      return { status: value as TicketStatus };
    case "priority":
      return { priority: value as TicketPriority };
    case "assignee":
      return { assigneeId: value || null };
    case "department":
      return { departmentId: value };
    case "addTag":
      return { addTagIds: [value] };
    case "removeTag":
      return { removeTagIds: [value] };
    case "close":
      return { close: true };
  }
}

export function BulkBar({
  selected,
  filter,
  matching,
  capped,
  pageRows,
  assignees,
  departments,
  tags,
  onSelectAll,
  onClear,
  onDone,
}: {
  selected: ReadonlySet<number>;
  /** The list's filter, for "all matching". */
  filter: TicketFilter;
  /** How many tickets match (the list's capped count). */
  matching: number;
  capped: boolean;
  /** Rows on the page: "select all matching" is offered once they are all chosen. */
  pageRows: number;
  assignees: Option[];
  departments: Option[];
  tags: Option[];
  onSelectAll: (all: boolean) => void;
  onClear: () => void;
  onDone: () => Promise<void> | void;
}) {
  const [all, setAll] = useState(false);
  const [kind, setKind] = useState<Kind>("status");
  const [value, setValue] = useState("");
  const [outcomes, setOutcomes] = useState<Outcome[] | null>(null);
  // Closing asks first, as closing one ticket does.
  const [askClose, setAskClose] = useState(false);
  const action = useAction();
  const count = all ? matching : selected.size;
  if (count === 0 && !outcomes) return null;

  const values: Option[] | null = {
    status: labelled(SETTABLE_STATUSES, STATUS_LABEL),
    priority: labelled(PRIORITIES, PRIORITY_LABEL),
    assignee: [{ value: "", label: t("Unassigned") }, ...assignees],
    department: departments,
    addTag: tags,
    removeTag: tags,
    close: null,
  }[kind];
  const chosen = value || (values && kind !== "assignee" ? (values[0]?.value ?? "") : "");
  const tooMany = all && (capped || matching > BULK_LIMIT);

  const apply = () =>
    action.run(async () => {
      const data = await mutate(BulkUpdateDocument, {
        numbers: all ? null : [...selected],
        filter: all ? filter : null,
        change: changeFor(kind, chosen),
      });
      const results = data.bulkUpdateTickets.map((r) => ({
        number: r.number,
        ok: r.ok,
        message: r.error?.message,
      }));
      setOutcomes(results);
      if (results.some((r) => r.ok)) {
        setAll(false);
        onClear();
      }
      await onDone();
    });

  const done = outcomes?.filter((o) => o.ok).length ?? 0;
  const failed = outcomes?.filter((o) => !o.ok) ?? [];
  return (
    <section class="bulk-bar panel" aria-label={t("Bulk actions")}>
      {count > 0 && (
        <form
          class="bulk-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (kind === "close") setAskClose(true);
            else void apply();
          }}
        >
          <p class="bulk-count" aria-live="polite">
            {all
              ? t("All {count} matching tickets chosen", { count: `${matching}${capped ? "+" : ""}` })
              : selected.size === 1
                ? t("1 ticket chosen")
                : t("{count} tickets chosen", { count: selected.size })}{" "}
            {!all && selected.size >= pageRows && matching > selected.size && (
              <button
                type="button"
                class="link"
                onClick={() => {
                  setAll(true);
                  onSelectAll(true);
                }}
              >
                {capped
                  ? t("Select all {count}+ matching this filter", { count: matching })
                  : t("Select all {count} matching this filter", { count: matching })}
              </button>
            )}
            {all && (
              <button
                type="button"
                class="link"
                onClick={() => {
                  setAll(false);
                  onSelectAll(false);
                }}
              >
                {t("Only the chosen rows")}
              </button>
            )}
          </p>
          <Field id="bulk-kind" label={t("Action")}>
            <Select
              id="bulk-kind"
              value={kind}
              options={KINDS}
              onChange={(v) => {
                setKind(v as Kind);
                setValue("");
              }}
            />
          </Field>
          {values && (
            <Field id="bulk-value" label={t("Value")}>
              <Select id="bulk-value" value={chosen} options={values} onChange={setValue} />
            </Field>
          )}
          <div class="actions">
            <button
              type="submit"
              class="primary"
              disabled={action.busy || tooMany || (values !== null && kind !== "assignee" && !chosen)}
            >
              {all && capped
                ? t("Apply to {n}+ tickets", { n: count })
                : tn("Apply to {n} ticket", "Apply to {n} tickets", count)}
            </button>
            <button
              type="button"
              onClick={() => {
                setAll(false);
                onClear();
              }}
            >
              {t("Clear selection")}
            </button>
          </div>
          <ConfirmDialog
            open={askClose}
            title={
              count === 1 && !(all && capped)
                ? t("Close 1 ticket?")
                : t("Close {count} tickets?", { count: `${count}${all && capped ? "+" : ""}` })
            }
            confirm={count === 1 ? t("Close ticket") : t("Close tickets")}
            onConfirm={() => {
              setAskClose(false);
              void apply();
            }}
            onCancel={() => setAskClose(false)}
          >
            <p>{t("A reply from a client opens their ticket again.")}</p>
          </ConfirmDialog>
          {tooMany && (
            <p class="error" role="alert">
              {t("More than {limit} tickets match; narrow the filter.", { limit: BULK_LIMIT })}
            </p>
          )}
        </form>
      )}
      <ErrorNote error={action.error} />
      {outcomes && (
        <div class="bulk-outcomes" role="status">
          <p>
            {done === 1 ? t("1 ticket changed") : t("{count} tickets changed", { count: done })}
            {failed.length > 0 ? t(", {count} not changed:", { count: failed.length }) : "."}{" "}
            <button type="button" class="link" onClick={() => setOutcomes(null)}>
              {t("Dismiss")}
            </button>
          </p>
          {failed.length > 0 && (
            <ul>
              {failed.map((o, i) => (
                <li key={i} data-number={o.number ?? ""}>
                  {o.number != null ? `#${o.number}: ` : ""}
                  {o.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
