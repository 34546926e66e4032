/**
 * The one modal behaviour the page's dialogs share (the confirm step, the shortcuts list): a
 * ``<dialog>`` shown with ``showModal()`` while ``open`` is true, so the browser keeps focus
 * inside it and makes the rest of the page inert; closing it gives focus back to what opened it.
 */
import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** A ref for the ``<dialog>``, which is shown modally while ``open`` and closed otherwise. */
export function useModal(open: boolean): RefObject<HTMLDialogElement> {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return ref;
}
