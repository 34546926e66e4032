/** A client's ticket at /client/tickets/NUMBER: replies (never notes), a reply box, live. */
import { useRoute } from "preact-iso";
import { useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { graphql } from "../../gql";
import { useAction, useDebounced, useLive, useQuery, useTitle } from "../../hooks";
import { post } from "../../messages";
import { useWholeThread } from "../../thread";
import { ErrorNote, Field, FilePicker, FormError, StatusBadge, Thread, Time } from "../../ui";

const ClientTicketDocument = graphql(`
  query ClientTicket($number: Int!) {
    ticket(number: $number) {
      id
      number
      subject
      status
      createdAt
      lastActivityAt
      department {
        id
        name
      }
      messages(first: 100) {
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

const ClientTicketEventsDocument = graphql(`
  subscription ClientTicketEvents($number: Int!) {
    ticketEvents(number: $number) {
      type
    }
  }
`);

const CloseTicketDocument = graphql(`
  mutation CloseTicket($number: Int!) {
    closeTicket(number: $number) {
      __typename
      ... on Ticket {
        id
        status
      }
      ...ErrorFields
    }
  }
`);

export function ClientTicket() {
  const { params } = useRoute();
  const number = Number(params.number);
  const ticketQuery = useQuery(ClientTicketDocument, { number });
  const ticket = ticketQuery.data?.ticket;
  useTitle(ticket ? `#${ticket.number} ${ticket.subject}` : `Ticket #${number}`);
  const messages = useWholeThread(number, ticket?.messages);
  const refetchSoon = useDebounced(() => void ticketQuery.refetch());
  useLive(ClientTicketEventsDocument, { number }, refetchSoon, {
    skip: !ticket,
    onResync: refetchSoon,
  });
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const reply = useAction();
  const closing = useAction();
  const submit = (e?: Event) => {
    e?.preventDefault();
    void reply.run(async () => {
      await post({ number, body, files });
      setBody("");
      setFiles([]);
      await ticketQuery.refetch();
    });
  };
  const close = () =>
    closing.run(async () => {
      ok((await mutate(CloseTicketDocument, { number })).closeTicket, "Ticket");
      await ticketQuery.refetch();
    });

  if (ticketQuery.error && !ticket) return <ErrorNote error={ticketQuery.error} />;
  if (!ticketQuery.data) return <p class="loading">Loading…</p>;
  if (!ticket) {
    return (
      <section class="panel">
        <h1>Ticket not found</h1>
        <p>
          You have no ticket #{number}. <a href="/client/tickets">Back to My Tickets</a>
        </p>
      </section>
    );
  }
  return (
    <div class="ticket-page client">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/client/tickets">My Tickets</a> › #{ticket.number}
      </nav>
      <header class="ticket-head">
        <h1>
          <span class="number">#{ticket.number}</span> {ticket.subject}
        </h1>
        <p class="meta">
          <span class="ticket-status" aria-live="polite">
            Status: <StatusBadge status={ticket.status} />
          </span>{" "}
          · {ticket.department.name} · opened <Time iso={ticket.createdAt} /> · last update{" "}
          <Time iso={ticket.lastActivityAt} />
        </p>
      </header>
      <section class="conversation" aria-label="Conversation">
        <Thread messages={messages} />
        <form class="composer panel" onSubmit={submit} aria-label="Reply">
          <FormError error={reply.error} fields={["body"]} />
          <Field id="client-reply" name="body" label="Your reply" error={reply.error}>
            <textarea
              id="client-reply"
              rows={6}
              value={body}
              aria-keyshortcuts="Control+Enter"
              onInput={(e) => setBody(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit();
              }}
            />
          </Field>
          {ticket.status === "CLOSED" && (
            <p class="muted">This ticket is closed; replying opens it again.</p>
          )}
          <FilePicker id="client-files" files={files} onChange={setFiles} />
          <div class="actions">
            <button type="submit" class="primary" disabled={reply.busy || !body.trim()}>
              {reply.busy ? "Sending…" : "Send reply"}
            </button>
            {ticket.status !== "CLOSED" && (
              <button type="button" disabled={closing.busy} onClick={() => void close()}>
                Close ticket
              </button>
            )}
          </div>
          <ErrorNote error={closing.error} />
        </form>
      </section>
    </div>
  );
}
