/** Keyset pages (every list of the API is a connection with `first`/`after` and `pageInfo`). */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { t } from "../i18n";

export interface Pages {
  /** The cursor of the page shown (null for the first). */
  after: string | null;
  /** 1 for the first page. */
  page: number;
  back: () => void;
  forward: (cursor: string) => void;
}

/** The cursors that led to each page so far; a new ``view`` (sort, filter) starts again. */
export function usePages(view = ""): Pages {
  const [state, setState] = useState<{ view: string; cursors: (string | null)[] }>({
    view,
    cursors: [null],
  });
  const cursors = state.view === view ? state.cursors : [null];
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    back: () => setState({ view, cursors: cursors.slice(0, -1) }),
    forward: (cursor) => setState({ view, cursors: [...cursors, cursor] }),
  };
}

/** Back and forward buttons around a line saying where we are. */
export function Pager({
  pages,
  pageInfo,
  back = t("← Previous"),
  forward = t("Next →"),
  children,
}: {
  pages: Pages;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null } | undefined;
  back?: string;
  forward?: string;
  children: ComponentChildren;
}) {
  return (
    <nav class="pager" aria-label={t("Pages")}>
      <button type="button" disabled={pages.page === 1} onClick={pages.back}>
        {back}
      </button>
      <span>{children}</span>
      <button
        type="button"
        disabled={!pageInfo?.hasNextPage}
        onClick={() => {
          if (pageInfo?.endCursor) pages.forward(pageInfo.endCursor);
        }}
      >
        {forward}
      </button>
    </nav>
  );
}
