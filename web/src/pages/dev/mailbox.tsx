/** The dev mailbox (embedded default only): mail the local SMTP sink caught, and answering one
 * through the real inbound SMTP path, so the whole email loop works without a mail server. */
import { useEffect, useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { fileSize } from "../../format";
import { graphql } from "../../gql";
import { Form } from "../../components/form";
import { ErrorNote, Time } from "../../components/ui";
import { useQuery, useTitle } from "../../hooks";
import { t } from "../../i18n";

const MailboxDocument = graphql(`
  query DevMailbox {
    devMailbox {
      __typename
      ... on DevMailbox {
        inboundPort
        messages(first: 100) {
          edges {
            node {
              id
              from
              to
              subject
              date
              size
            }
          }
        }
      }
      ...ErrorFields
    }
  }
`);

const CaughtMailDocument = graphql(`
  query CaughtMail($id: ID!) {
    devMailbox {
      __typename
      ... on DevMailbox {
        mail(id: $id) {
          id
          from
          to
          subject
          date
          replyTo
          messageId
          text
        }
      }
      ...ErrorFields
    }
  }
`);

const AnswerDocument = graphql(`
  mutation AnswerCaughtMail($input: AnswerCaughtMailInput!) {
    answerCaughtMail(input: $input) {
      __typename
      ... on AnsweredMail {
        to
        from
        subject
      }
      ...ErrorFields
    }
  }
`);

const POLL_MS = 4000;

function Message({ id, port, onSent }: { id: string; port: number; onSent: () => void }) {
  const detail = useQuery(CaughtMailDocument, { id });
  const box = detail.data?.devMailbox;
  const mail = box?.__typename === "DevMailbox" ? box.mail : null;
  if (detail.error) return <ErrorNote error={detail.error} />;
  if (!detail.data) return <p class="loading">{t("Loading…")}</p>;
  if (!mail) return <p class="muted">{t("That message is no longer in the mailbox.")}</p>;
  return (
    <article class="panel" aria-labelledby="mail-subject">
      <h2 id="mail-subject">{mail.subject || t("(no subject)")}</h2>
      <dl class="headers">
        <dt>{t("From")}</dt>
        <dd>{mail.from}</dd>
        <dt>{t("To")}</dt>
        <dd>{mail.to}</dd>
        <dt>{t("Reply-To")}</dt>
        <dd>{mail.replyTo}</dd>
        {mail.date && (
          <>
            <dt>{t("Date")}</dt>
            <dd>
              <Time iso={mail.date} />
            </dd>
          </>
        )}
      </dl>
      <pre class="body mail-text">{mail.text}</pre>
      <Form
        key={id}
        id="answer"
        label={t("Answer this mail")}
        initial={{ body: "" }}
        controls={[
          {
            name: "body",
            label: t("Answer as {address}", { address: mail.to }),
            hint: t(
              "Sent to {address} over SMTP (port {port}) with the original quoted below, like a mail client's reply.",
              { address: mail.replyTo, port },
            ),
            type: "textarea",
            rows: 5,
          },
        ]}
        onSubmit={async ({ body }) => {
          const data = await mutate(AnswerDocument, { input: { id, body } });
          const result = ok(data.answerCaughtMail, "AnsweredMail");
          onSent();
          return t("Answered as {from} to {to}, through the inbound SMTP listener.", {
            from: result.from,
            to: result.to,
          });
        }}
        submit={t("Send answer")}
        busyText={t("Sending…")}
        reset
        ready={({ body }) => body.trim() !== ""}
      />
    </article>
  );
}

export function Mailbox() {
  useTitle(t("Dev mailbox"));
  const list = useQuery(MailboxDocument, {});
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void list.refetch();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [list.refetch]);
  const box = list.data?.devMailbox;
  return (
    <section aria-labelledby="mailbox-title">
      <div class="page-head">
        <h1 id="mailbox-title">{t("Dev mailbox")}</h1>
        <button type="button" onClick={() => void list.refetch()}>
          {t("Refresh")}
        </button>
      </div>
      <ErrorNote error={list.error} />
      {box && box.__typename !== "DevMailbox" && (
        <p class="panel" role="alert">
          {box.message}
        </p>
      )}
      {box?.__typename === "DevMailbox" && (
        <>
          <p class="muted">
            {t(
              "Every mail the helpdesk sent, caught by the local SMTP sink (SMTP_URL is unset). Open one and answer it: the answer goes to the inbound SMTP listener, as a reply from a mail client would.",
            )}
          </p>
          <div class="mailbox">
            <div class="panel">
              {box.messages.edges.length === 0 ? (
                <p class="empty">{t("No mail caught yet.")}</p>
              ) : (
                <ul class="mail-list" aria-label={t("Caught mail")}>
                  {box.messages.edges.map(({ node: m }) => (
                    <li key={m.id}>
                      <button
                        type="button"
                        data-id={m.id}
                        aria-current={m.id === selected ? "true" : undefined}
                        onClick={() => setSelected(m.id)}
                      >
                        <strong>{m.subject || t("(no subject)")}</strong>
                        <br />
                        <small>{t("To {address}", { address: m.to })}</small>
                        <br />
                        <small class="muted">
                          {m.date ? <Time iso={m.date} /> : "undated"} · {fileSize(m.size)}
                        </small>
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </div>
            <div>
              {selected ? (
                <Message id={selected} port={box.inboundPort} onSent={() => void list.refetch()} />
              ) : (
                <p class="muted">{t("Choose a message to read and answer it.")}</p>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
