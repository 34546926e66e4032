/**
 * Admin: the inbound mail log (what arrived by email and what became of it), with re-run, and
 * Accept / Reject for held mail (mail that names a ticket but proves nothing about its sender).
 * Each row offers only the actions its state allows (the API's ``actions``); Read shows what the
 * mail says (as plain text, never rendered HTML) so an admin can decide, and Accept and Reject
 * ask for confirmation first, since they act at once.
 */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { fileSize } from "../../format";
import { graphql } from "../../gql";
import type { InboundMailStatus } from "../../gql/graphql";
import { ConfirmDialog } from "../../components/confirm";
import { Pager, usePages } from "../../components/pager";
import { ErrorNote, Field, Select, Time } from "../../components/ui";
import { useAction, useQuery, useTitle } from "../../hooks";
import { t, tk } from "../../i18n";

const PAGE_SIZE = 25;

const InboundMailDocument = graphql(`
  query InboundMailLog($status: InboundMailStatus, $first: Int!, $after: String) {
    inboundMail(status: $status, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          transport
          status
          reason
          sender
          subject
          size
          attempts
          receivedAt
          processedAt
          ticketNumber
          actions
        }
      }
    }
  }
`);

const InboundMailContentDocument = graphql(`
  query InboundMailContent($id: ID!) {
    inboundMailContent(id: $id) {
      id
      sender
      senderName
      subject
      date
      text
      truncated
      error
      attachments {
        name
        contentType
        size
      }
    }
  }
`);

const RerunDocument = graphql(`
  mutation RerunInboundMail($id: ID!) {
    rerunInboundMail(id: $id) {
      __typename
      ... on InboundMail {
        id
        status
        reason
      }
      ...ErrorFields
    }
  }
`);

const AcceptHeldDocument = graphql(`
  mutation AcceptHeldMail($id: ID!) {
    acceptHeldMail(id: $id) {
      __typename
      ... on InboundMail {
        id
        status
        reason
      }
      ...ErrorFields
    }
  }
`);

const RejectHeldDocument = graphql(`
  mutation RejectHeldMail($id: ID!) {
    rejectHeldMail(id: $id) {
      __typename
      ... on InboundMail {
        id
        status
        reason
      }
      ...ErrorFields
    }
  }
`);

const STATUSES: InboundMailStatus[] = ["HELD", "RECEIVED", "PROCESSED", "IGNORED", "REFUSED", "FAILED"];

const INBOUND_STATUS: Record<InboundMailStatus, string> = {
  RECEIVED: tk("received"),
  PROCESSED: tk("processed"),
  IGNORED: tk("ignored"),
  REFUSED: tk("refused"),
  FAILED: tk("failed"),
  HELD: tk("held"),
};

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What one mail says, read on demand: headers, the body as text, attachments' names and sizes. */
function MailContent({ id }: { id: string }) {
  const content = useQuery(InboundMailContentDocument, { id });
  const mail = content.data?.inboundMailContent;
  if (content.error) return <ErrorNote error={content.error} />;
  if (!mail) return <p class="muted">{content.loading ? t("Loading…") : t("Inbound mail was not found.")}</p>;
  return (
    <div class="mail-content" aria-label={t("Content of mail {id}", { id })} role="region">
      <dl class="headers">
        <dt>{t("From")}</dt>
        <dd>
          {mail.senderName ? `${mail.senderName} <${mail.sender ?? ""}>` : (mail.sender ?? t("unknown"))}
        </dd>
        <dt>{t("Subject")}</dt>
        <dd>{mail.subject ?? t("(no subject)")}</dd>
        <dt>{t("Date")}</dt>
        <dd>{mail.date ? <Time iso={mail.date} /> : "—"}</dd>
      </dl>
      {mail.error && <p class="muted">{t("Not readable as a message ({error}); its bytes as text:", { error: mail.error })}</p>}
      <pre class="body mail-text">{mail.text}</pre>
      {mail.truncated && <p class="muted">{t("The text is cut here.")}</p>}
      {mail.attachments.length > 0 && (
        <ul class="attachments">
          {mail.attachments.map((a, i) => (
            <li key={i}>
              {a.name} <small class="muted">({a.contentType}, {fileSize(a.size)})</small>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function InboundMail() {
  useTitle(t("Inbound mail"));
  const [status, setStatus] = useState<InboundMailStatus | "">("");
  const pages = usePages(status);
  const log = useQuery(InboundMailDocument, {
    status: status || null,
    first: PAGE_SIZE,
    after: pages.after,
  });
  const action = useAction();
  const [done, setDone] = useState("");
  type Outcome = { status: InboundMailStatus; reason: string | null };
  // `what` is a catalogue key with {id} and {status}; the reason follows as the API gave it.
  const act = (id: string, what: string, call: () => Promise<Outcome>) =>
    action.run(async () => {
      setDone("");
      const row = await call();
      const said = t(what, { id, status: t(INBOUND_STATUS[row.status]) });
      setDone(row.reason ? `${said} (${row.reason})` : said);
      await log.refetch();
    });
  const again = (id: string) =>
    act(id, tk("Mail {id} ran again: {status}."), async () => ok((await mutate(RerunDocument, { id })).rerunInboundMail, "InboundMail"));
  const accept = (id: string) =>
    act(id, tk("Mail {id} accepted: {status}."), async () => ok((await mutate(AcceptHeldDocument, { id })).acceptHeldMail, "InboundMail"));
  const reject = (id: string) =>
    act(id, tk("Mail {id} rejected: {status}."), async () => ok((await mutate(RejectHeldDocument, { id })).rejectHeldMail, "InboundMail"));
  const [reading, setReading] = useState<ReadonlySet<string>>(new Set());
  const toggleRead = (id: string) =>
    setReading((old) => {
      const next = new Set(old);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const [asking, setAsking] = useState<{ id: string; decision: "accept" | "reject" } | null>(null);
  const page = log.data?.inboundMail;
  // The dialog names the mail by sender and subject, not only by its number.
  const askedMail = asking ? page?.edges.find((e) => e.node.id === asking.id)?.node : undefined;
  return (
    <section aria-labelledby="inbound-title">
      <div class="page-head">
        <h1 id="inbound-title">{t("Inbound mail")}</h1>
        <button type="button" onClick={() => void log.refetch()}>
          {t("Refresh")}
        </button>
      </div>
      <div class="filters">
        <Field id="inbound-status" label={t("Outcome")}>
          <Select
            id="inbound-status"
            value={status}
            onChange={(value) => setStatus(value as InboundMailStatus | "")}
            options={[
              { value: "", label: t("All") },
              ...STATUSES.map((s) => ({ value: s, label: capitalised(t(INBOUND_STATUS[s])) })),
            ]}
          />
        </Field>
      </div>
      <ErrorNote error={log.error ?? action.error} />
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
      <div class="table-wrap">
        <table class="log">
          <caption class="sr-only">{t("Inbound mail, newest first")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("Received")}</th>
              <th scope="col">{t("From")}</th>
              <th scope="col">{t("Subject")}</th>
              <th scope="col">{t("Outcome")}</th>
              <th scope="col">{t("Ticket")}</th>
              <th scope="col">
                <span class="sr-only">{t("Actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page?.edges.map(({ node: m }) => (
              <Fragment key={m.id}>
                <tr data-status={m.status}>
                  <td>
                    <Time iso={m.receivedAt} />
                    <br />
                    <small class="muted">
                      {m.transport} · {fileSize(m.size)}
                      {m.attempts > 1 ? ` · ${t("{n} attempts", { n: m.attempts })}` : ""}
                    </small>
                  </td>
                  <td>{m.sender ?? <span class="muted">{t("unknown")}</span>}</td>
                  <td>{m.subject ?? <span class="muted">{t("(no subject)")}</span>}</td>
                  <td>
                    <strong>{t(INBOUND_STATUS[m.status])}</strong>
                    {m.reason && <div class="muted">{m.reason}</div>}
                  </td>
                  <td>{m.ticketNumber ? <a href={`/admin/tickets/${m.ticketNumber}`}>#{m.ticketNumber}</a> : "—"}</td>
                  <td>
                    <div class="actions">
                      <button type="button" aria-expanded={reading.has(m.id)} onClick={() => toggleRead(m.id)}>
                        {t("Read")} <span class="sr-only">{t("mail {id}", { id: m.id })}</span>
                      </button>
                      {m.actions.includes("RERUN") && (
                        <button type="button" disabled={action.busy} onClick={() => void again(m.id)}>
                          {t("Re-run")} <span class="sr-only">{t("mail {id}", { id: m.id })}</span>
                        </button>
                      )}
                      {m.actions.includes("ACCEPT") && (
                        <button
                          type="button"
                          disabled={action.busy}
                          onClick={() => setAsking({ id: m.id, decision: "accept" })}
                        >
                          {t("Accept")} <span class="sr-only">{t("mail {id}", { id: m.id })}</span>
                        </button>
                      )}
                      {m.actions.includes("REJECT") && (
                        <button
                          type="button"
                          disabled={action.busy}
                          onClick={() => setAsking({ id: m.id, decision: "reject" })}
                        >
                          {t("Reject")} <span class="sr-only">{t("mail {id}", { id: m.id })}</span>
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
                {reading.has(m.id) && (
                  <tr class="mail-content-row">
                    <td colSpan={6}>
                      <MailContent id={m.id} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
        {page && page.edges.length === 0 && <p class="empty">{t("No inbound mail.")}</p>}
      </div>
      <ConfirmDialog
        open={asking !== null}
        title={
          asking?.decision === "accept"
            ? t("Accept mail {id}?", { id: asking.id })
            : t("Reject mail {id}?", { id: asking?.id ?? "" })
        }
        confirm={asking?.decision === "accept" ? t("Accept") : t("Reject")}
        onConfirm={() => {
          const chosen = asking;
          setAsking(null);
          if (chosen?.decision === "accept") void accept(chosen.id);
          else if (chosen) void reject(chosen.id);
        }}
        onCancel={() => setAsking(null)}
      >
        {askedMail && (
          <p>
            {t("From {sender}: {subject}", {
              sender: askedMail.sender ?? t("unknown"),
              subject: askedMail.subject ?? t("(no subject)"),
            })}
          </p>
        )}
        <p>
          {asking?.decision === "accept"
            ? t("It is posted at once as its claimed sender: you vouch that it is from them.")
            : t("It stays refused for good; nobody is mailed.")}
        </p>
      </ConfirmDialog>
      <Pager pages={pages} pageInfo={page?.pageInfo} back={t("← Newer")} forward={t("Older →")}>
        {page ? t("{count} in all", { count: page.totalCount }) : ""}
      </Pager>
    </section>
  );
}
