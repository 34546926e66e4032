/** Asks before leaving a page that holds something unsent: closing or reloading the tab
 * (``beforeunload``, the browser's own question) and moving inside the app (links the router
 * follows, and Back/Forward), with ``confirm``. */
import { useEffect, useRef } from "preact/hooks";

export function useLeaveGuard(active: boolean, message: string): void {
  const state = useRef({ active, message });
  state.current = { active, message };
  useEffect(() => {
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (!state.current.active) return;
      e.preventDefault();
      e.returnValue = ""; // older browsers want it set
    };
    // Before the router's own listener (capture on window): a link it would follow.
    const click = (e: MouseEvent) => {
      if (!state.current.active || e.defaultPrevented || e.button !== 0) return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return; // a new tab or window
      const link = e.composedPath().find((el): el is HTMLAnchorElement => el instanceof HTMLAnchorElement);
      if (!link || !link.href || link.download || link.origin !== location.origin) return;
      if ((link.getAttribute("href") ?? "").startsWith("#") || !/^(_?self)?$/i.test(link.target)) return;
      if (link.pathname === location.pathname && link.search === location.search) return;
      if (!window.confirm(state.current.message)) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
    };
    // Back and Forward: the address has already changed; staying puts it back.
    let here = location.pathname + location.search;
    const popstate = (e: PopStateEvent) => {
      if (state.current.active && !window.confirm(state.current.message)) {
        e.stopImmediatePropagation();
        history.pushState(null, "", here);
        return;
      }
      here = location.pathname + location.search;
    };
    addEventListener("beforeunload", beforeUnload);
    addEventListener("click", click, true);
    addEventListener("popstate", popstate, true);
    return () => {
      removeEventListener("beforeunload", beforeUnload);
      removeEventListener("click", click, true);
      removeEventListener("popstate", popstate, true);
    };
  }, []);
}
