/** The staff ticket page's panel of the client's other tickets (as far as the viewer sees). */
import { STATUS_LABEL } from "../format";
import { graphql } from "../gql";
import type { ClientTicketsPanelFragment } from "../gql/graphql";
import { StatusBadge, Time } from "./ui";
import { t } from "../i18n";

export const ClientTicketsPanelDoc = graphql(`
  fragment ClientTicketsPanel on Ticket {
    client {
      id
      name
    }
    clientTickets {
      total
      counts {
        status
        count
      }
      recent {
        id
        number
        subject
        status
        lastActivityAt
      }
    }
  }
`);

export function ClientPanel({ ticket }: { ticket: ClientTicketsPanelFragment }) {
  const found = ticket.clientTickets;
  if (!found) return null;
  const client = ticket.client;
  const counts = found.counts.filter((c) => c.count > 0);
  return (
    <section class="panel client-context" aria-labelledby="client-context-title">
      <h2 id="client-context-title">{t("{name}'s other tickets", { name: client.name })}</h2>
      {found.total === 0 ? (
        <p class="muted">{t("No other tickets that you may see.")}</p>
      ) : (
        <>
          <ul class="status-counts" aria-label={t("Other tickets by status")}>
            {counts.map((c) => (
              <li key={c.status} data-status={c.status}>
                {STATUS_LABEL[c.status]}: <strong>{c.count}</strong>
              </li>
            ))}
          </ul>
          <ol class="client-recent">
            {found.recent.map((t) => (
              <li key={t.id} data-number={t.number}>
                <a href={`/admin/tickets/${t.number}`} title={t.subject}>
                  #{t.number} {t.subject}
                </a>{" "}
                <StatusBadge status={t.status} /> <Time iso={t.lastActivityAt} />
              </li>
            ))}
          </ol>
        </>
      )}
      <p>
        <a href={`/admin/clients/${client.id}`}>{t("All of {name}'s tickets", { name: client.name })}</a>
      </p>
    </section>
  );
}
