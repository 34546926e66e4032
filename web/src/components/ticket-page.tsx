/**
 * What the staff and the client ticket pages share: loading the ticket of the URL with its whole
 * thread, following it live, and the frame (not found, breadcrumb, heading, the line of facts).
 * A field of Ticket shown on the ticket page is added here: to `TicketPageFields` and to
 * `TicketFacts`.
 */
import type { ComponentChildren } from "preact";
import { useLocation, useRoute } from "preact-iso";
import { graphql } from "../gql";
import type { TicketPageFieldsFragment, TypedDocumentString } from "../gql/graphql";
import { useDebounced, useLive, useQuery, useTitle } from "../hooks";
import type { Loaded } from "../hooks";
import { useWholeThread } from "./thread";
import type { ThreadMessage } from "./thread";
import { ErrorNote, PriorityBadge, StatusBadge, Time } from "./ui";
import { t } from "../i18n";

export const TicketPageFieldsDoc = graphql(`
  fragment TicketPageFields on Ticket {
    id
    number
    subject
    status
    priority
    version
    createdAt
    lastActivityAt
    department {
      id
      name
    }
    client {
      id
      name
      email
    }
    mergedInto {
      number
    }
    rating {
      score
      comment
      ratedAt
    }
    ccContacts {
      name
      email
    }
    messages(first: 100) {
      ...ThreadPage
    }
  }
`);

const TicketEventsDocument = graphql(`
  subscription TicketEvents($number: Int!) {
    ticketEvents(number: $number) {
      type
      ticket {
        number
        mergedInto {
          number
        }
      }
    }
  }
`);

export interface TicketView<R, T> extends Loaded<R> {
  number: number;
  /** The ticket, once loaded and if it may be seen. */
  ticket: T | undefined;
  messages: ThreadMessage[];
}

/**
 * The ticket whose number is in the URL, by ``doc`` (which asks for `...TicketPageFields` and
 * whatever else the page shows), refetched on each of its events and after a resync.
 */
export function useTicket<
  R extends { ticket: TicketPageFieldsFragment | null },
  V extends { number: number },
>(
  doc: TypedDocumentString<R, V>,
  variables: Omit<V, "number">,
): TicketView<R, NonNullable<R["ticket"]>> {
  const { params } = useRoute();
  const number = Number(params.number);
  const loaded = useQuery(doc, { ...variables, number } as V);
  const ticket = loaded.data?.ticket ?? undefined;
  useTitle(ticket ? `#${ticket.number} ${ticket.subject}` : `Ticket #${number}`);
  const messages = useWholeThread(number, ticket?.messages);
  const refetchSoon = useDebounced(() => void loaded.refetch());
  const { path, route } = useLocation();
  useLive(
    TicketEventsDocument,
    { number },
    ({ ticketEvents: event }) => {
      // Merged into another ticket: the page follows it there (if the viewer may see it).
      const target = event.type === "MERGED" ? event.ticket?.mergedInto?.number : undefined;
      if (target !== undefined && event.ticket?.number === number) {
        route(path.replace(/\/\d+$/, `/${target}`));
        return;
      }
      refetchSoon();
    },
    { skip: !ticket, onResync: refetchSoon },
  );
  return { ...loaded, number, ticket: ticket as NonNullable<R["ticket"]> | undefined, messages };
}

/** The line under the heading: status, priority, department, dates; for staff also the client. */
function TicketFacts({ ticket, staff }: { ticket: TicketPageFieldsFragment; staff: boolean }) {
  return (
    <p class="meta">
      {staff ? (
        <>
          <StatusBadge status={ticket.status} /> <PriorityBadge priority={ticket.priority} />{" "}
          <span>
            {ticket.client.name} &lt;{ticket.client.email}&gt;
          </span>
        </>
      ) : (
        <>
          <span class="ticket-status" aria-live="polite">
            {t("Status:")} <StatusBadge status={ticket.status} />
          </span>{" "}
          · <span class="ticket-priority">
            {t("Priority:")} <PriorityBadge priority={ticket.priority} />
          </span>
        </>
      )}{" "}
      · {ticket.department.name} · {t("opened")} <Time iso={ticket.createdAt} /> ·{" "}
      {t("last update")}{" "}
      <Time iso={ticket.lastActivityAt} />
    </p>
  );
}

export function TicketPage<R, T extends TicketPageFieldsFragment>({
  view,
  staff,
  list,
  notFound,
  head,
  children,
}: {
  view: TicketView<R, T>;
  /** The staff page (notes, controls) rather than the client's. */
  staff: boolean;
  /** The ticket list the breadcrumb leads back to. */
  list: { href: string; label: string };
  /** Why there is no ticket to show, with a way back. */
  notFound: ComponentChildren;
  /** Shown under the line of facts. */
  head?: ComponentChildren;
  children: (ticket: T) => ComponentChildren;
}) {
  const { ticket } = view;
  if (view.error && !ticket) return <ErrorNote error={view.error} />;
  if (!view.data) return <p class="loading">{t("Loading…")}</p>;
  if (!ticket) {
    return (
      <section class="panel">
        <h1>{t("Ticket not found")}</h1>
        <p>{notFound}</p>
      </section>
    );
  }
  return (
    <div class={`ticket-page${staff ? "" : " client"}`}>
      <nav class="crumbs" aria-label={t("Breadcrumb")}>
        <a href={list.href}>{list.label}</a> › #{ticket.number}
      </nav>
      <header class="ticket-head">
        <h1>
          <span class="number">#{ticket.number}</span> {ticket.subject}
        </h1>
        <TicketFacts ticket={ticket} staff={staff} />
        {ticket.mergedInto && (
          <p class="merged-note" role="status">
            {t("This ticket was merged into")}{" "}
            <a href={`${list.href}/${ticket.mergedInto.number}`}>#{ticket.mergedInto.number}</a>;{" "}
            {t("the conversation continues there.")}
          </p>
        )}
        {head}
      </header>
      {children(ticket)}
    </div>
  );
}
