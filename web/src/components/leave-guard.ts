/** Asks before leaving a page that holds something unsent: closing or reloading the tab
 * (``beforeunload``, the browser's own question) and moving inside the app (links the router
 * follows, and Back/Forward), with ``confirm``. */
import { useEffect, useRef } from "preact/hooks";

/** The question of each page part that holds something unsent now (null: nothing). */
const guards = new Set<() => string | null>();
/** Where the guarded page is, to return to when Back is refused. */
let here = location.pathname + location.search;

function question(): string | null {
  for (const ask of guards) {
    const message = ask();
    if (message) return message;
  }
  return null;
}

// Registered when this module loads, so before the router's own listeners: on ``window`` as
// the target (popstate), listeners run in the order they were added.
addEventListener("popstate", (e: PopStateEvent) => {
  const message = question();
  if (message && !window.confirm(message)) {
    e.stopImmediatePropagation(); // the router stays where it is
    history.pushState(null, "", here); // and so does the address
    return;
  }
  here = location.pathname + location.search;
}, true);

// Capture on window runs before the router's click listener (it listens in the bubble phase).
addEventListener("click", (e: MouseEvent) => {
  if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
  const link = e.composedPath().find((el): el is HTMLAnchorElement => el instanceof HTMLAnchorElement);
  if (!link || !link.href || link.download || link.origin !== location.origin) return;
  if ((link.getAttribute("href") ?? "").startsWith("#") || !/^(_?self)?$/i.test(link.target)) return;
  if (link.pathname === location.pathname && link.search === location.search) return;
  const message = question();
  if (message && !window.confirm(message)) {
    e.preventDefault();
    e.stopImmediatePropagation();
  }
}, true);

addEventListener("beforeunload", (e: BeforeUnloadEvent) => {
  if (!question()) return;
  e.preventDefault();
  e.returnValue = ""; // older browsers want it set
});

export function useLeaveGuard(active: boolean, message: string): void {
  const state = useRef({ active, message });
  state.current = { active, message };
  useEffect(() => {
    here = location.pathname + location.search;
    const ask = () => (state.current.active ? state.current.message : null);
    guards.add(ask);
    return () => {
      guards.delete(ask);
    };
  }, []);
}
