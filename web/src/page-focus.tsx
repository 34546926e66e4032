/**
 * After moving to another page (not on the first load, where the browser announces the page
 * itself), focus goes to the new page's heading and its title is read out, so keyboard and
 * screen-reader users land at the top of what they asked for instead of on the body.
 *
 * Pages load their data first, so the heading may come later than the route change: a
 * MutationObserver waits (a while) for the first ``h1`` in ``main``. If focus has moved
 * elsewhere in the meantime (the page focused a field of its own, the user clicked), it is
 * left there and only the title is announced.
 */
import { useEffect, useRef, useState } from "preact/hooks";

/** How long a page may take to show its heading before we stop waiting. */
const WAIT_MS = 15_000;

export function usePageFocus(path: string, main: () => HTMLElement | null): string {
  const [announced, setAnnounced] = useState("");
  // Where focus was when the path changed, taken while rendering: the new page's own effects
  // (which run before this one) may move it, and then it stays where they put it.
  const shown = useRef<{ path: string; before: Element | null } | null>(null);
  if (shown.current?.path !== path) {
    shown.current = { path, before: shown.current ? document.activeElement : null };
  }
  useEffect(() => {
    const before = shown.current?.before;
    const root = main();
    if (!root || before === null || before === undefined) return;
    const land = (): boolean => {
      const heading = root.querySelector("h1");
      if (!heading) return false;
      heading.setAttribute("tabindex", "-1");
      const now = document.activeElement;
      if (now === before || now === root || now === document.body || !now?.isConnected) {
        heading.focus();
      }
      setAnnounced(heading.textContent?.trim() ?? "");
      return true;
    };
    if (land()) return;
    const observer = new MutationObserver(() => {
      if (land()) stop();
    });
    const timer = window.setTimeout(() => stop(), WAIT_MS);
    const stop = () => {
      observer.disconnect();
      window.clearTimeout(timer);
    };
    observer.observe(root, { childList: true, subtree: true });
    return stop;
  }, [path]);
  return announced;
}
