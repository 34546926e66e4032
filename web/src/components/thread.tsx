/** A ticket's message thread: what each message shows, and the whole thread page by page (the
 * API gives at most 100 messages a page). Staff and client ticket pages both show it. */
import { useEffect, useState } from "preact/hooks";
import { query } from "../api";
import { fileSize } from "../format";
import { graphql } from "../gql";
import type { MessageFieldsFragment, Role, ThreadPageFragment } from "../gql/graphql";
import { ServerHtml } from "./markdown";
import { Time } from "./ui";
import { t } from "../i18n";

export const MessageFieldsDoc = graphql(`
  fragment MessageFields on Message {
    id
    body
    bodyHtml
    internal
    source
    createdAt
    signature
    signatureHtml
    author {
      id
      name
      role
    }
    authorContact {
      label
    }
    attachments {
      id
      filename
      size
      url
      isImage
    }
  }
`);

/** One page of a thread; a ticket query asks for the first as `messages(first: 100)`. */
export const ThreadPageDoc = graphql(`
  fragment ThreadPage on MessageConnection {
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
`);

const MoreMessagesDocument = graphql(`
  query MoreMessages($number: Int!, $after: String) {
    ticket(number: $number) {
      id
      messages(first: 100, after: $after) {
        ...ThreadPage
      }
    }
  }
`);

export type ThreadMessage = MessageFieldsFragment;

/** The first page's messages plus every later page. */
async function wholeThread(number: number, first: ThreadPageFragment): Promise<ThreadMessage[]> {
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
export function useWholeThread(
  number: number,
  page: ThreadPageFragment | undefined,
): ThreadMessage[] {
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

function roleLabel(role: Role | undefined): string {
  if (role === "CLIENT") return "client";
  if (role === "STAFF" || role === "ADMIN") return "staff";
  return "system";
}

/** Image attachments as thumbnails, from the same download URL as the link (the server checks
 * who may see it); only the kinds the server calls images (never SVG). A click opens it. */
function Thumbnails({ attachments }: { attachments: ThreadMessage["attachments"] }) {
  const images = attachments.filter((a) => a.isImage);
  if (images.length === 0) return null;
  return (
    <ul class="thumbnails" aria-label={t("Images")}>
      {images.map((a) => (
        <li key={a.id}>
          <a href={a.url} target="_blank" rel="noopener noreferrer" title={a.filename}>
            <img src={a.url} alt={a.filename} loading="lazy" decoding="async" />
          </a>
        </li>
      ))}
    </ul>
  );
}

export function Thread({ messages }: { messages: ThreadMessage[] }) {
  if (messages.length === 0) return <p class="muted">{t("No messages yet.")}</p>;
  return (
    <ol class="thread" aria-label={t("Conversation")}>
      {messages.map((m) => (
        <li
          key={m.id}
          class={`message ${m.internal ? "note" : `from-${m.authorContact ? "client" : roleLabel(m.author?.role)}`}`}
          data-internal={m.internal ? "true" : "false"}
        >
          <header>
            <strong>{m.author?.name ?? m.authorContact?.label ?? "System"}</strong>
            {m.internal && <span class="note-tag">{t("Internal note · staff only")}</span>}
            {m.source === "EMAIL" && <span class="muted"> {t("via email")}</span>}
            <span class="muted">
              {" · "}
              <Time iso={m.createdAt} />
            </span>
          </header>
          <ServerHtml html={m.bodyHtml} class="body" />
          <Thumbnails attachments={m.attachments} />
          {m.signatureHtml && (
            <div class="signature" aria-label={t("Signature")}>
              <span class="signature-rule" aria-hidden="true">
                --{" "}
              </span>
              <ServerHtml html={m.signatureHtml} />
            </div>
          )}
          {m.attachments.length > 0 && (
            <ul class="attachments" aria-label={t("Attachments")}>
              {m.attachments.map((a) => (
                <li key={a.id}>
                  <a href={a.url} download={a.filename}>
                    {a.filename}
                  </a>{" "}
                  <span class="muted">({fileSize(a.size)})</span>
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}
