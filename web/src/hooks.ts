import type { AnyVariables } from "@urql/core";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { onResync, query, subscribe } from "./api";
import type { TypedDocumentString } from "./gql/graphql";
import { t } from "./i18n";

type Doc<R, V> = TypedDocumentString<R, V>;

export interface Loaded<R> {
  data: R | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Fetches again, keeping what is shown until the answer arrives (no flicker on live updates). */
  refetch: () => Promise<void>;
}

export function useQuery<R, V extends AnyVariables>(
  doc: Doc<R, V>,
  variables: V,
  { skip = false }: { skip?: boolean } = {},
): Loaded<R> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data?: R; error?: Error; loading: boolean }>({
    loading: !skip,
  });
  const latest = useRef(0);
  const vars = useRef(variables);
  vars.current = variables;
  const refetch = useCallback(async () => {
    const mine = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await query(doc, vars.current);
      if (mine === latest.current) setState({ data, loading: false });
    } catch (error) {
      if (mine === latest.current) setState((s) => ({ ...s, error: error as Error, loading: false }));
    }
  }, [doc, key]);
  useEffect(() => {
    if (!skip) void refetch();
  }, [refetch, skip]);
  return { data: state.data, error: state.error, loading: state.loading, refetch };
}

/**
 * Runs ``onEvent`` for each subscription event and ``onResync`` whenever the socket came back
 * after a drop (events may have been missed, so what is shown must be fetched again) or the
 * subscription ended with an error.
 */
export function useLive<R, V extends AnyVariables>(
  doc: Doc<R, V>,
  variables: V,
  onEvent: (data: R) => void,
  { skip = false, onResync: resync }: { skip?: boolean; onResync?: () => void } = {},
): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const resyncHandler = useRef(resync);
  resyncHandler.current = resync;
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (skip) return undefined;
    // A subscription the server ends with an error (say, the ticket moved out of reach) is
    // followed by a refetch, which shows the change.
    const stop = subscribe(
      doc,
      variables,
      (data) => handler.current(data),
      () => resyncHandler.current?.(),
    );
    const stopResync = onResync(() => resyncHandler.current?.());
    return () => {
      stop();
      stopResync();
    };
  }, [doc, key, skip]);
}

/** Coalesces bursts of events into one refetch. */
export function useDebounced(fn: () => void, ms = 120): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => fnRef.current(), ms);
  }, [ms]);
}

/** Keys highlighted for a few seconds after a live change (new tickets, updated rows). */
export function useFlash(ms = 4000): [ReadonlySet<string>, (key: string) => void] {
  const [keys, setKeys] = useState<ReadonlySet<string>>(new Set());
  const timers = useRef(new Map<string, number>());
  useEffect(() => () => timers.current.forEach((t) => window.clearTimeout(t)), []);
  const flash = useCallback(
    (key: string) => {
      window.clearTimeout(timers.current.get(key));
      setKeys((old) => new Set(old).add(key));
      timers.current.set(
        key,
        window.setTimeout(() => {
          timers.current.delete(key);
          setKeys((old) => {
            const next = new Set(old);
            next.delete(key);
            return next;
          });
        }, ms),
      );
    },
    [ms],
  );
  return [keys, flash];
}

/** Sets the document title for a page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · ${t("Helpdesk")}`;
  }, [title]);
}

/** A form action: ``run(fn)`` sets busy, clears and captures the error; returns fn's result. */
export function useAction(): {
  busy: boolean;
  error: unknown;
  setError: (error: unknown) => void;
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(fn: () => Promise<T>) => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
