/**
 * Keyboard shortcuts: single keys that act on the page. In a ticket list j / k move to the next
 * or previous ticket (focus goes to its subject, so screen readers read it) and Enter or o opens
 * it; on a ticket r goes to the reply box, n to a new internal note, a to the assignee; ? shows
 * the list of them anywhere. None fires while typing in a field, with Ctrl, Alt or Meta held,
 * or while a dialog is open.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { t, tk } from "../i18n";
import { isStaff, useSession } from "../session";
import { useModal } from "./modal";

/** Key (``KeyboardEvent.key``) → what it does; returning ``false`` leaves the key alone. */
export type Keys = Record<string, () => boolean | void>;

/** Fields that take typing (a checkbox or a button does not). */
const TYPING = "textarea, select, [contenteditable=''], [contenteditable='true'], input";
const NOT_TYPING = new Set(["checkbox", "radio", "button", "submit", "reset", "file", "range", "color"]);

/** Whether a key press belongs to someone typing, or to the browser (modifiers held). */
export function notForShortcuts(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing || e.defaultPrevented) return true;
  if (document.querySelector("dialog[open]")) return true;
  const target = e.target instanceof Element ? e.target : null;
  const field = target?.closest(TYPING);
  if (!field) return false;
  return !(field instanceof HTMLInputElement && NOT_TYPING.has(field.type));
}

/** Calls ``keys[e.key]`` for each key press meant as a shortcut while the page is shown. */
export function useShortcuts(keys: Keys): void {
  const latest = useRef(keys);
  latest.current = keys;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (notForShortcuts(e)) return;
      const act = latest.current[e.key];
      if (act && act() !== false) e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}

/** Puts the cursor in the element with this id (after the render a state change asked for). */
export function focusById(id: string): void {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

/** j / k / Enter / o over the rows of ``table`` (rows with ``data-number``). The chosen row is
 * marked ``data-current`` and its subject link has the focus. */
export function useListShortcuts(table = "table.tickets"): void {
  const current = useRef<string | null>(null);
  const rows = () =>
    Array.from(document.querySelectorAll<HTMLTableRowElement>(`${table} tbody tr[data-number]`));
  const linkOf = (row: Element) =>
    row.querySelector<HTMLAnchorElement>("a.subject") ?? row.querySelector<HTMLAnchorElement>("a[href]");
  const currentRow = () => rows().find((r) => r.dataset.number === current.current);
  const move = (by: number) => {
    const all = rows();
    if (all.length === 0) return;
    const focused = document.activeElement?.closest<HTMLTableRowElement>("tr[data-number]");
    let at = all.indexOf((focused ?? currentRow()) as HTMLTableRowElement);
    at = at < 0 ? (by > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + by));
    for (const row of all) row.removeAttribute("data-current");
    const row = all[at];
    row.setAttribute("data-current", "");
    current.current = row.dataset.number ?? null;
    linkOf(row)?.focus();
  };
  const open = () => {
    const row = currentRow();
    const link = row && linkOf(row);
    if (!link) return false;
    link.click();
  };
  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    o: open,
    // On the row's link Enter opens it by itself; elsewhere (a button, a checkbox) it is theirs.
    Enter: () => {
      const focused = document.activeElement;
      if (focused && focused !== document.body) return false;
      return open();
    },
  });
}

/** Keys, what they do, and whether only staff have them (clients are not shown those). */
const LIST: [string[], string, boolean?][] = [
  [["?"], tk("Show this list")],
  [["/"], tk("Search the ticket list"), true],
  [["j"], tk("Ticket list: next ticket")],
  [["k"], tk("Ticket list: previous ticket")],
  [["Enter", "o"], tk("Ticket list: open the chosen ticket")],
  [["r"], tk("Ticket: write a reply")],
  [["n"], tk("Ticket (staff): write an internal note"), true],
  [["a"], tk("Ticket (staff): assign (the Assigned to control)"), true],
  [["Ctrl", "Enter"], tk("In the reply box: send")],
  [["Esc"], tk("Close a dialog")],
];

/** The list of shortcuts, opened by ?: a modal dialog; Escape or Close shuts it and focus goes
 * back to where it was. */
export function ShortcutsHelp() {
  const [open, setOpen] = useState(false);
  const ref = useModal(open);
  const { me } = useSession();
  const staff = isStaff(me);
  useShortcuts({ "?": () => setOpen(true) });
  return (
    <dialog
      ref={ref}
      class="confirm shortcuts"
      aria-labelledby="shortcuts-title"
      onClose={() => setOpen(false)}
    >
      <h2 id="shortcuts-title">{t("Keyboard shortcuts")}</h2>
      <table>
        <caption class="sr-only">{t("Keys and what they do")}</caption>
        <tbody>
          {LIST.filter(([, , staffOnly]) => staff || !staffOnly).map(([keys, what]) => (
            <tr key={what}>
              <th scope="row">
                {keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && (k === "Enter" && keys[0] === "Ctrl" ? " + " : ` ${t("or")} `)}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </th>
              <td>{t(what)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">{t("Not while typing in a field.")}</p>
      <div class="actions">
        <button type="button" autoFocus onClick={() => setOpen(false)}>
          {t("Close")}
        </button>
      </div>
    </dialog>
  );
}
