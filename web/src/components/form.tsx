/**
 * A form drawn from a list of controls (sign-in, the admin records, settings, opening a ticket,
 * answering a caught mail): each control a labelled field that shows the typed error
 * (`ValidationError.fieldErrors`, or `field`) naming it, any other error above the form, a
 * submit button that says when it is busy, and a status line after success.
 */
import { Fragment } from "preact";
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useAction } from "../hooks";
import { WritePreview } from "./markdown";
import { Field, FormError, Select } from "./ui";
import type { Option } from "./ui";

type Values = Record<string, unknown>;

interface ControlOf<V extends Values, K extends keyof V & string> {
  /** The key in the form's values, and the API's name for the field in typed errors. */
  name: K;
  label: string;
  hint?: string;
  /** A text input unless told otherwise. */
  type?: "text" | "email" | "password" | "number" | "textarea" | "select";
  options?: Option[];
  required?: boolean;
  min?: number;
  maxLength?: number;
  rows?: number;
  /** A Markdown text area: Write / Preview tabs above it (the server renders the preview). */
  markdown?: boolean;
  autoComplete?: string;
  /** A control of its own (checkboxes, a switch, files) instead of a labelled field; it shows
   * its label itself, and errors that name it are shown above the form. */
  render?: (control: {
    id: string;
    label: string;
    value: V[K];
    set: (value: V[K]) => void;
    values: V;
  }) => ComponentChildren;
}

export type Control<V extends Values> = { [K in keyof V & string]: ControlOf<V, K> }[keyof V &
  string];

/** The element of a control that is not drawn by its own ``render``. */
function input<V extends Values>(
  c: Control<V>,
  id: string,
  value: string,
  set: (value: string) => void,
) {
  const common = { id, required: c.required, value };
  if (c.type === "textarea") {
    return <textarea {...common} rows={c.rows} onInput={(e) => set(e.currentTarget.value)} />;
  }
  if (c.type === "select") return <Select {...common} options={c.options ?? []} onChange={set} />;
  return (
    <input
      {...common}
      type={c.type === "text" ? undefined : c.type}
      min={c.min}
      maxLength={c.maxLength}
      autoComplete={c.autoComplete}
      onInput={(e) => set(e.currentTarget.value)}
    />
  );
}

export interface FormProps<V extends Values> {
  /** Prefix of the controls' ids. */
  id: string;
  /** The values to start from; when they change (the record was saved or refetched), the form
   * takes them. */
  initial: V;
  controls: Control<V>[];
  /** Saves; may return a status line to show (``saved`` otherwise). */
  onSubmit: (values: V) => Promise<string | void>;
  /** The submit button's text, and what it says while busy. */
  submit: string;
  busyText?: string;
  primary?: boolean;
  /** A heading inside the form that names it (or ``label`` without one). */
  heading?: string;
  label?: string;
  class?: string;
  /** Start again from ``initial`` after success (create forms). */
  reset?: boolean;
  /** The status line after success, e.g. "Saved". */
  saved?: string;
  /** Whether the values may be sent yet. */
  ready?: (values: V) => boolean;
}

export function Form<V extends Values>({
  id,
  initial,
  controls,
  onSubmit,
  submit,
  busyText,
  primary = true,
  heading,
  label,
  class: className,
  reset = false,
  saved,
  ready,
}: FormProps<V>) {
  const [values, setValues] = useState(initial);
  const [status, setStatus] = useState("");
  const { busy, error, run } = useAction();
  // A changed record (saved, refetched, loaded late) replaces what the form holds, unless the
  // person has changed the form since (what they typed is never wiped by a late load).
  const given = JSON.stringify(initial);
  const taken = useRef(given);
  const current = useRef(values);
  current.current = values;
  useEffect(() => {
    if (given === taken.current) return;
    const untouched = JSON.stringify(current.current) === taken.current;
    taken.current = given;
    if (untouched) setValues(initial);
  }, [given]);

  const send = (e: Event) => {
    e.preventDefault();
    setStatus("");
    void run(async () => {
      const said = await onSubmit(values);
      if (reset) setValues(initial);
      setStatus(said || saved || "");
    });
  };

  const headingId = heading && `${id}-heading`;
  return (
    <form class={className} onSubmit={send} aria-labelledby={headingId} aria-label={label}>
      {heading && <h2 id={headingId}>{heading}</h2>}
      <FormError error={error} fields={controls.filter((c) => !c.render).map((c) => c.name)} />
      {controls.map((c) => {
        const controlId = `${id}-${c.name}`;
        const value = values[c.name];
        const set = (next: unknown) => setValues((old) => ({ ...old, [c.name]: next }));
        if (c.render) {
          // Controls are a union, one member per key: each render gets its own key's value.
          const render = c.render as NonNullable<ControlOf<V, string>["render"]>;
          const drawn = render({ id: controlId, label: c.label, value, set, values });
          return <Fragment key={c.name}>{drawn}</Fragment>;
        }
        const field = (
          <Field key={c.name} id={controlId} name={c.name} label={c.label} hint={c.hint} error={error}>
            {input(c, controlId, value as string, set)}
          </Field>
        );
        if (!c.markdown) return field;
        return (
          <WritePreview key={c.name} text={value as string}>
            {field}
          </WritePreview>
        );
      })}
      <div class="actions">
        <button
          type="submit"
          class={primary ? "primary" : undefined}
          disabled={busy || ready?.(values) === false}
        >
          {busy && busyText ? busyText : submit}
        </button>
        {status && (
          <span class="ok" role="status">
            {status}
          </span>
        )}
      </div>
    </form>
  );
}
