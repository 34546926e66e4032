/** A client's ticket at /client/tickets/NUMBER: replies (never notes), a reply box, live. */
import { useState } from "preact/hooks";
import { mutate, ok } from "../../../api";
import { Composer } from "../../../components/composer";
import { TicketCcs } from "../../../components/cc";
import { ConfirmDialog } from "../../../components/confirm";
import { RateTicket } from "../../../components/rating";
import { focusById, useShortcuts } from "../../../components/shortcuts";
import { Thread } from "../../../components/thread";
import { TicketPage, useTicket } from "../../../components/ticket-page";
import { ErrorNote } from "../../../components/ui";
import { graphql } from "../../../gql";
import { useAction } from "../../../hooks";
import { t } from "../../../i18n";

const ClientTicketDocument = graphql(`
  query ClientTicket($number: Int!) {
    ticket(number: $number) {
      ...TicketPageFields
      merged
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
  const view = useTicket(ClientTicketDocument, {});
  const { number } = view;
  const closing = useAction();
  const [asking, setAsking] = useState(false);
  useShortcuts({ r: () => focusById("reply-body") });
  const close = () =>
    closing.run(async () => {
      setAsking(false);
      ok((await mutate(CloseTicketDocument, { number })).closeTicket, "Ticket");
      await view.refetch();
    });
  return (
    <TicketPage
      view={view}
      staff={false}
      list={{ href: "/client/tickets", label: t("My Tickets") }}
      notFound={
        <>
          {t("You have no ticket #{number}.", { number })}{" "}
          <a href="/client/tickets">{t("Back to My Tickets")}</a>
        </>
      }
    >
      {(ticket) => (
        <section class="conversation" aria-label={t("Conversation")}>
          <Thread messages={view.messages} />
          {ticket.status === "CLOSED" && !ticket.merged && (
            <RateTicket number={number} rating={ticket.rating} onRated={view.refetch} />
          )}
          {ticket.merged ? (
            // Merged: nobody writes here any more. When the ticket it went into is one of
            // the client's, the page's note links there; else it belongs to someone else.
            !ticket.mergedInto && (
              <p class="merged-note" role="status">
                {t("This ticket was merged into another conversation, so it takes no more replies.")}{" "}
                {t("To write to us again,")} <a href="/client/tickets/new">{t("open a new ticket")}</a>.
              </p>
            )
          ) : (
            <Composer
              number={number}
              label={t("Your reply")}
              rows={6}
              thread={view.messages}
              onSent={view.refetch}
              notice={
                ticket.status === "CLOSED" && (
                  <p class="muted">{t("This ticket is closed; replying opens it again.")}</p>
                )
              }
              actions={
                ticket.status !== "CLOSED" && (
                  <>
                    <button type="button" disabled={closing.busy} onClick={() => setAsking(true)}>
                      {t("Close ticket")}
                    </button>
                    <ConfirmDialog
                      open={asking}
                      title={t("Close ticket #{number}?", { number })}
                      confirm={t("Close ticket")}
                      onConfirm={() => void close()}
                      onCancel={() => setAsking(false)}
                    >
                      <p>
                        {t(
                          "We will take it that your question is answered. You can still reply later; that opens it again.",
                        )}
                      </p>
                    </ConfirmDialog>
                  </>
                )
              }
              footer={<ErrorNote error={closing.error} />}
            />
          )}
          {!ticket.merged && (
            <TicketCcs number={number} ccs={ticket.ccContacts} onChanged={view.refetch} />
          )}
        </section>
      )}
    </TicketPage>
  );
}
