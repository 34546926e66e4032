/** Small shared pieces: time, badges, errors, labelled fields and selects, the file picker. */
import { cloneElement, isValidElement } from "preact";
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Refused, query } from "../api";
import { graphql } from "../gql";
import { PRIORITY_LABEL, STATUS_LABEL, ago, fileSize, when } from "../format";
import type { TicketPriority, TicketStatus } from "../gql/graphql";
import { t } from "../i18n";

// One timer for every relative time on the page ("2 minutes ago" keeps up with the clock).
const tickers = new Set<() => void>();
setInterval(() => tickers.forEach((tick) => tick()), 30_000);

export function Time({ iso }: { iso: string }) {
  const [, setNow] = useState(0);
  useEffect(() => {
    const tick = () => setNow(Date.now());
    tickers.add(tick);
    return () => tickers.delete(tick);
  }, []);
  return (
    <time dateTime={iso} title={when(iso)}>
      {ago(iso)}
    </time>
  );
}

export function StatusBadge({ status }: { status: TicketStatus }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{STATUS_LABEL[status]}</span>;
}

export function PriorityBadge({ priority }: { priority: TicketPriority }) {
  return <span class={`badge priority-${priority.toLowerCase()}`}>{PRIORITY_LABEL[priority]}</span>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (error == null) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/** A label above its control, with the field's error (if any) announced and linked. */
export function Field({
  id,
  name,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  /** The API's name for the field (as in typed errors); defaults to ``id``. */
  name?: string;
  label: string;
  error?: unknown;
  hint?: string;
  children: ComponentChildren;
}) {
  const message = error instanceof Refused ? error.forField(name ?? id) : undefined;
  const described = [hint && `${id}-hint`, message && `${id}-error`].filter(Boolean).join(" ");
  const control = isValidElement(children)
    ? cloneElement(children, {
        "aria-describedby": described || undefined,
        "aria-invalid": message ? "true" : undefined,
      })
    : children;
  return (
    <div class={`field${message ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {control}
      {hint && <small id={`${id}-hint`}>{hint}</small>}
      {message && (
        <small class="error" id={`${id}-error`} role="alert">
          {message}
        </small>
      )}
    </div>
  );
}

/** The error to show above a form: a typed error that names no field of it, or any failure. */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (error == null) return null;
  if (error instanceof Refused) {
    const named = error.detail.fieldErrors?.every((e) => fields.includes(e.field)) ?? false;
    if (named || (error.detail.field != null && fields.includes(error.detail.field))) return null;
  }
  return <ErrorNote error={error} />;
}

export interface Option {
  value: string;
  label: string;
  disabled?: boolean;
}

/** Options from a list of values and their labels (statuses, priorities). */
export function labelled<T extends string>(values: T[], labels: Record<T, string>): Option[] {
  return values.map((value) => ({ value, label: labels[value] }));
}

/** Options from records with an id and a name (departments, people). */
export function named(records: { id: string; name: string }[] | undefined): Option[] {
  return (records ?? []).map((r) => ({ value: r.id, label: r.name }));
}

/** Options for people from several lists (staff, admins), each once, by name. */
export function people(...lists: ({ id: string; name: string }[] | undefined)[]): Option[] {
  const seen = new Map<string, string>();
  for (const list of lists) for (const u of list ?? []) seen.set(u.id, u.name);
  return [...seen]
    .sort((a, b) => a[1].localeCompare(b[1]))
    .map(([value, label]) => ({ value, label }));
}

/** A ``<select>`` over ``options``; ``onChange`` gets the chosen value. */
export function Select({
  options,
  onChange,
  ...props
}: Omit<JSX.SelectHTMLAttributes<HTMLSelectElement>, "onChange"> & {
  options: Option[];
  onChange: (value: string) => void;
}) {
  return (
    <select {...props} onChange={(e) => onChange(e.currentTarget.value)}>
      {options.map((o) => (
        <option key={o.value} value={o.value} disabled={o.disabled}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** A labelled multi-file input listing what was chosen. */
const UploadLimitsDocument = graphql(`
  query UploadLimits {
    uploadLimits {
      maxFileBytes
      maxMessageBytes
      maxFilesPerMessage
    }
  }
`);

type Limits = { maxFileBytes: number; maxMessageBytes: number; maxFilesPerMessage: number };
let limitsOnce: Promise<Limits | null> | null = null;

/** The server's attachment limits, asked once per page load (null if they cannot be had: the
 * server checks anyway). */
function uploadLimits(): Promise<Limits | null> {
  limitsOnce ??= query(UploadLimitsDocument, {})
    .then((data) => data.uploadLimits)
    .catch(() => null);
  return limitsOnce;
}

/** The files that fit the limits after ``files``, and a sentence for each one that does not. */
export function checkFiles(files: File[], added: File[], limits: Limits | null): [File[], string[]] {
  if (!limits) return [added, []];
  const kept: File[] = [];
  const refused: string[] = [];
  let total = files.reduce((sum, f) => sum + f.size, 0);
  for (const file of added) {
    if (file.size > limits.maxFileBytes) {
      refused.push(
        t("“{name}” was not added: it is larger than {size} (the limit for one file).", {
          name: file.name,
          size: fileSize(limits.maxFileBytes),
        }),
      );
    } else if (files.length + kept.length >= limits.maxFilesPerMessage) {
      refused.push(
        t("“{name}” was not added: a message may carry at most {count} files.", {
          name: file.name,
          count: limits.maxFilesPerMessage,
        }),
      );
    } else if (total + file.size > limits.maxMessageBytes) {
      refused.push(
        t("“{name}” was not added: it would take the files of this message past {size}.", {
          name: file.name,
          size: fileSize(limits.maxMessageBytes),
        }),
      );
    } else {
      kept.push(file);
      total += file.size;
    }
  }
  return [kept, refused];
}

export function FilePicker({
  id,
  files,
  onChange,
}: {
  id: string;
  files: File[];
  onChange: (files: File[]) => void;
}) {
  const [refused, setRefused] = useState<string[]>([]);
  useEffect(() => {
    void uploadLimits(); // asked early so the first choice rarely waits
  }, []);
  return (
    <div class="field">
      <label for={id}>{t("Attachments")}</label>
      <input
        id={id}
        type="file"
        multiple
        onChange={(e) => {
          const input = e.currentTarget;
          const added = Array.from(input.files ?? []);
          input.value = "";
          // Files chosen before the limits arrived wait for them instead of skipping the check.
          void uploadLimits().then((limits) => {
            const [kept, notAdded] = checkFiles(files, added, limits);
            setRefused(notAdded);
            onChange([...files, ...kept]);
          });
        }}
      />
      {refused.length > 0 && (
        <ul class="error" role="alert" aria-label={t("Files not added")}>
          {refused.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {files.length > 0 && (
        <ul class="chosen" aria-label={t("Files to attach")}>
          {files.map((f, i) => (
            <li key={`${f.name}-${i}`}>
              {f.name} <span class="muted">({fileSize(f.size)})</span>{" "}
              <button
                type="button"
                class="link"
                aria-label={t("Remove {name}", { name: f.name })}
                onClick={() => onChange(files.filter((_, j) => j !== i))}
              >
                {t("Remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
