/**
 * A confirmation step inside the page (not ``window.confirm``): a modal ``<dialog>`` with the
 * question, the action's own button and Cancel. The browser keeps focus inside it, Escape
 * cancels, and focus goes back to what opened it when it closes.
 */
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { t } from "../i18n";
import { useModal } from "./modal";

export function ConfirmDialog({
  open,
  title,
  children,
  confirm,
  onConfirm,
  onCancel,
}: {
  /** Shown while true. */
  open: boolean;
  title: string;
  /** What happens if confirmed. */
  children?: ComponentChildren;
  /** The confirming button's label (the action, e.g. "Close ticket"). */
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useModal(open);
  // Several may be on one page: each is labelled by its own heading.
  const titleId = useId();
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby={titleId}
      // Escape (and anything else that closes it) counts as Cancel.
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      <div class="actions">
        <button type="button" class="primary" onClick={onConfirm}>
          {confirm}
        </button>
        <button type="button" autoFocus onClick={onCancel}>
          {t("Cancel")}
        </button>
      </div>
    </dialog>
  );
}
