/**
 * Admin: the inbound mail log (what arrived by email and what became of it), with re-run, and
 * Accept / Reject for held mail (mail that names a ticket but proves nothing about its sender).
 */
import { useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { fileSize } from "../../format";
import { graphql } from "../../gql";
import type { InboundMailStatus } from "../../gql/graphql";
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
        }
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
const RERUNNABLE = new Set<InboundMailStatus>(["FAILED", "REFUSED"]);

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
  const page = log.data?.inboundMail;
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
              <tr key={m.id} data-status={m.status}>
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
                  {RERUNNABLE.has(m.status) && (
                    <button type="button" disabled={action.busy} onClick={() => void again(m.id)}>
                      {t("Re-run")} <span class="sr-only">{t("mail {id}", { id: m.id })}</span>
                    </button>
                  )}
                  {m.status === "HELD" && (
                    <div class="actions">
                      <button type="button" disabled={action.busy} onClick={() => void accept(m.id)}>
                        {t("Accept")} <span class="sr-only">{t("mail {id}", { id: m.id })}</span>
                      </button>
                      <button type="button" disabled={action.busy} onClick={() => void reject(m.id)}>
                        {t("Reject")} <span class="sr-only">{t("mail {id}", { id: m.id })}</span>
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page && page.edges.length === 0 && <p class="empty">{t("No inbound mail.")}</p>}
      </div>
      <Pager pages={pages} pageInfo={page?.pageInfo} back={t("← Newer")} forward={t("Older →")}>
        {page ? t("{count} in all", { count: page.totalCount }) : ""}
      </Pager>
    </section>
  );
}
