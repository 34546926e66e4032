/** The whole thread of a ticket, page by page (the API gives at most 100 messages a page). */
import { useEffect, useState } from "preact/hooks";
import { query } from "./api";
import { graphql } from "./gql";
import type { ThreadMessage } from "./ui";

const MoreMessagesDocument = graphql(`
  query MoreMessages($number: Int!, $after: String) {
    ticket(number: $number) {
      id
      messages(first: 100, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...MessageFields
          }
        }
      }
    }
  }
`);

interface Page {
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  edges: { node: ThreadMessage }[];
}

/** The first page's messages plus every later page. */
export async function wholeThread(number: number, first: Page): Promise<ThreadMessage[]> {
  const messages = first.edges.map((e) => e.node);
  let info = first.pageInfo;
  while (info.hasNextPage && info.endCursor) {
    const data = await query(MoreMessagesDocument, { number, after: info.endCursor });
    const page = data.ticket?.messages;
    if (!page) break;
    messages.push(...page.edges.map((e) => e.node));
    info = page.pageInfo;
  }
  return messages;
}

/** The messages of ``page`` and, when the thread is longer than one page, the rest too. */
export function useWholeThread(number: number, page: Page | undefined): ThreadMessage[] {
  const [messages, setMessages] = useState<ThreadMessage[]>([]);
  useEffect(() => {
    if (!page) return undefined;
    if (!page.pageInfo.hasNextPage) {
      setMessages(page.edges.map((e) => e.node));
      return undefined;
    }
    let live = true;
    void wholeThread(number, page).then((all) => live && setMessages(all));
    return () => {
      live = false;
    };
  }, [page]);
  return messages;
}
