/** A ticket for staff: the thread with notes, the composer, the controls, audit trail, presence.
 * Each change is sent with the version the page shows; if a colleague changed the ticket since,
 * the answer (Conflict) is shown with who changed what, and the change can be re-applied. */
import { useEffect, useState } from "preact/hooks";
import { mutate, ok, query } from "../../../api";
import { ClientPanel } from "../../../components/client-context";
import { Composer } from "../../../components/composer";
import { ConfirmDialog } from "../../../components/confirm";
import { focusById, useShortcuts } from "../../../components/shortcuts";
import { SlaPanel } from "../../../components/sla";
import { FollowTicket, TicketCcs } from "../../../components/cc";
import { TicketTags } from "../../../components/tags";
import { Thread } from "../../../components/thread";
import { TicketPage, useTicket } from "../../../components/ticket-page";
import {
  ErrorNote,
  Field,
  Select,
  Time,
  labelled,
  named,
  people,
} from "../../../components/ui";
import { PRIORITIES, PRIORITY_LABEL, SETTABLE_STATUSES, STATUS_LABEL } from "../../../format";
import { graphql } from "../../../gql";
import type {
  AuditPageFragment,
  TicketPriority,
  TicketStatus,
  UpdateTicketInput,
} from "../../../gql/graphql";
import { useAction, useQuery } from "../../../hooks";
import { useSession } from "../../../session";
import { RatingFact } from "../../../components/rating";
import { MergeInto } from "./merge";
import { Presence, usePresence } from "./presence";
import { ReplyTools } from "./reply-tools";
import { t, tk } from "../../../i18n";

const StaffTicketDocument = graphql(`
  query StaffTicket($number: Int!, $isAdmin: Boolean!) {
    ticket(number: $number) {
      ...TicketPageFields
      slaState
      slaDueAt
      slaAtRiskAt
      firstResponseDueAt
      firstResponseAt
      nextResponseDueAt
      resolutionDueAt
      ...ClientTicketsPanel
      tags {
        id
        name
        color
      }
      following
      followers {
        id
        name
      }
      assignee {
        id
        name
      }
      auditTrail(first: 20) {
        ...AuditPage
      }
    }
    departments {
      id
      name
    }
    moveTargets {
      id
      name
    }
    admins: users(role: ADMIN, first: 100) @include(if: $isAdmin) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

/** A page of the audit trail (oldest first); the ticket query asks for the first 20. */
export const AuditPageDoc = graphql(`
  fragment AuditPage on AuditEntryConnection {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        field
        oldValue
        newValue
        createdAt
        actor {
          id
          name
        }
      }
    }
  }
`);

const MoreAuditDocument = graphql(`
  query MoreAudit($number: Int!, $after: String) {
    ticket(number: $number) {
      id
      auditTrail(first: 50, after: $after) {
        ...AuditPage
      }
    }
  }
`);

const AssignableDocument = graphql(`
  query Assignable($departmentId: ID!) {
    users(departmentId: $departmentId, first: 100) {
      edges {
        node {
          id
          name
          role
        }
      }
    }
  }
`);

const UpdateTicketDocument = graphql(`
  mutation UpdateTicket($input: UpdateTicketInput!) {
    updateTicket(input: $input) {
      __typename
      ... on Ticket {
        id
        status
        version
      }
      ...ErrorFields
    }
  }
`);

/** The statuses a reply may go out with in one click ("Send & set On Hold"). */
const SEND_AND_SET: TicketStatus[] = ["ON_HOLD", "IN_PROGRESS", "CLOSED"];

const AUDIT_LABEL: Record<string, string> = {
  status: tk("Status"),
  priority: tk("Priority"),
  department: tk("Department"),
  assignee: tk("Assignee"),
  tags: tk("Tags"),
  cc: tk("CC"),
  followers: tk("Followers"),
};

function auditValue(field: string, value: string | null | undefined): string {
  if (value == null || value === "") return "—";
  const upper = value.toUpperCase();
  if (field === "status" && upper in STATUS_LABEL) return STATUS_LABEL[upper as TicketStatus];
  if (field === "priority" && upper in PRIORITY_LABEL)
    return PRIORITY_LABEL[upper as TicketPriority];
  return value;
}

export function StaffTicket() {
  const { me } = useSession();
  const view = useTicket(StaffTicketDocument, { isAdmin: me?.role === "ADMIN" });
  const { number, ticket } = view;
  const departmentId = ticket?.department.id;
  const assignable = useQuery(
    AssignableDocument,
    { departmentId: departmentId ?? "" },
    { skip: !departmentId },
  );
  const presence = usePresence(number, !!ticket);
  const [note, setNote] = useState(false);
  const [askClose, setAskClose] = useState(false);
  useShortcuts({
    r: () => {
      setNote(false);
      focusById("reply-body");
    },
    n: () => {
      setNote(true);
      focusById("reply-body");
    },
    a: () => focusById("ticket-assignee"),
  });
  const update = useAction();
  type Change = Omit<UpdateTicketInput, "number" | "expectedVersion">;
  const [conflict, setConflict] = useState<{ message: string; change: Change } | null>(null);
  const change = (input: Change) =>
    update.run(async () => {
      setConflict(null);
      const expectedVersion = ticket?.version;
      const data = await mutate(UpdateTicketDocument, {
        input: { number, expectedVersion, ...input },
      });
      const result = data.updateTicket;
      if (result.__typename === "Conflict") {
        // Show what changed (the refetch) and keep this change to re-apply on top of it.
        setConflict({ message: result.message, change: input });
        await view.refetch();
        return;
      }
      ok(result, "Ticket");
      await view.refetch();
    });

  // After "Send & set": the reply made one change (version + 1), so the status goes with the
  // version this page showed when the button was pressed, plus one. If anyone else changed the
  // ticket since (before the reply or between it and this), the answer is Conflict: the reply
  // stays sent, the status is not set, the composer says why and the page shows the ticket as it
  // is now.
  const shownVersion = ticket?.version;
  const setStatusAfterReply = async (status: string) => {
    const expectedVersion = shownVersion == null ? undefined : shownVersion + 1;
    const data = await mutate(UpdateTicketDocument, {
      input: { number, status: status as TicketStatus, expectedVersion },
    });
    await view.refetch();
    ok(data.updateTicket, "Ticket");
  };

  return (
    <TicketPage
      view={view}
      staff
      list={{ href: "/admin/tickets", label: t("Tickets") }}
      notFound={
        <>
          {t("There is no ticket #{number} that you may see.", { number })}{" "}
          <a href="/admin/tickets">{t("Back to tickets")}</a>
        </>
      }
      head={
        <>
          <Presence present={presence.present} me={me?.id ?? ""} />
          {view.ticket && <SlaPanel ticket={view.ticket} />}
          {view.ticket && <RatingFact rating={view.ticket.rating} />}
        </>
      }
    >
      {(ticket) => {
        const departments = view.data?.departments ?? [];
        // The first 100 of the department's staff (and of the admins) are the picker's choices.
        const assignees = people(
          assignable.data?.users.edges.map((e) => e.node),
          view.data?.admins?.edges.map((e) => e.node),
          ticket.assignee ? [ticket.assignee] : [],
        );
        // Triage: any department. Staff outside it lose the ticket, and the choice says so
        // (``departments`` are the ones this person works; admins work every one).
        const mine = new Set(departments.map((d) => d.id));
        const targets = view.data?.moveTargets ?? departments;
        const departmentChoices = named(
          targets.some((d) => d.id === ticket.department.id)
            ? targets
            : [ticket.department, ...targets],
        ).map((o) => (mine.has(o.value) ? o : { ...o, label: t("{name} (you will lose access)", { name: o.label }) }));
        const losing = departmentChoices.some((o) => !mine.has(o.value));
        // Each control changes its field at once.
        const details = [
          {
            id: "ticket-status",
            label: t("Status"),
            // While closing is asked the select shows Closed; Cancel puts it back.
            value: askClose ? "CLOSED" : ticket.status,
            options: [
              // Answered is never offered: only a staff reply sets it.
              ...(ticket.status === "ANSWERED"
                ? [{ value: "ANSWERED", label: t("Answered (by a reply)"), disabled: true }]
                : []),
              ...labelled(SETTABLE_STATUSES, STATUS_LABEL),
            ],
            // Closing asks first (the dialog below); the other statuses change at once.
            set: (value: string) =>
              value === "CLOSED" ? setAskClose(true) : change({ status: value as TicketStatus }),
          },
          {
            id: "ticket-priority",
            label: t("Priority"),
            value: ticket.priority,
            options: labelled(PRIORITIES, PRIORITY_LABEL),
            set: (value: string) => change({ priority: value as TicketPriority }),
          },
          {
            id: "ticket-department",
            label: t("Department"),
            value: ticket.department.id,
            options: departmentChoices,
            hint: losing
              ? t("Moving it to a department you are not in hands it over: you will no longer see it.")
              : undefined,
            set: (value: string) => change({ departmentId: value }),
          },
          {
            id: "ticket-assignee",
            label: t("Assigned to"),
            value: ticket.assignee?.id ?? "",
            options: [
              { value: "", label: t("Unassigned") },
              ...assignees.map((o) => (o.value === me?.id ? { ...o, label: t("{name} (me)", { name: o.label }) } : o)),
            ],
            set: (value: string) => change({ assigneeId: value || null }),
          },
        ];
        return (
          <div class="ticket-body">
            <section class="conversation" aria-label={t("Conversation")}>
              <Thread messages={view.messages} />
              <Composer
                number={number}
                label={note ? t("Internal note (staff only)") : t("Reply to the client")}
                rows={7}
                thread={view.messages}
                note={note}
                onSent={() => void view.refetch()}
                onWriting={presence.setReplying}
                onRestoreMode={setNote}
                tools={(insert) => (
                  <ReplyTools
                    number={number}
                    departmentId={ticket.department.id}
                    insert={insert}
                    note={note}
                    onNote={setNote}
                  />
                )}
                sendAndSet={{
                  options: labelled(SEND_AND_SET, STATUS_LABEL),
                  set: setStatusAfterReply,
                  // Closing asks first, as the status control does.
                  ask: (o) =>
                    o.value === "CLOSED"
                      ? {
                          title: t("Send the reply and close ticket #{number}?", { number: ticket.number }),
                          confirm: t("Send & close"),
                          text: t("A reply from the client opens it again."),
                        }
                      : null,
                }}
                actions={<small class="muted">{t("Ctrl+Enter sends")}</small>}
              />
            </section>
            <aside class="side" aria-label={t("Ticket details")}>
              <section class="panel" aria-labelledby="controls-title">
                <h2 id="controls-title">{t("Details")}</h2>
                <ErrorNote error={update.error} />
                {conflict && (
                  <div class="conflict" role="alert">
                    <p>{conflict.message}</p>
                    <div class="actions">
                      <button
                        type="button"
                        class="primary"
                        disabled={update.busy}
                        onClick={() => void change(conflict.change)}
                      >
                        {t("Re-apply my change")}
                      </button>
                      <button type="button" onClick={() => setConflict(null)}>
                        {t("Keep theirs")}
                      </button>
                    </div>
                  </div>
                )}
                <ConfirmDialog
                  open={askClose}
                  title={t("Close ticket #{number}?", { number: ticket.number })}
                  confirm={t("Close ticket")}
                  onConfirm={() => {
                    setAskClose(false);
                    void change({ status: "CLOSED" });
                  }}
                  onCancel={() => setAskClose(false)}
                >
                  <p>{t("A reply from the client opens it again.")}</p>
                </ConfirmDialog>
                {details.map(({ id, label, value, options, set, hint }) => (
                  <Field key={id} id={id} label={label} hint={hint}>
                    <Select
                      id={id}
                      value={value}
                      options={options}
                      disabled={update.busy}
                      onChange={(v) => void set(v)}
                    />
                  </Field>
                ))}
              </section>
              <TicketTags number={number} tags={ticket.tags} onChanged={view.refetch} />
              <FollowTicket
                number={number}
                following={ticket.following}
                followers={ticket.followers}
                onChanged={view.refetch}
              />
              <TicketCcs number={number} ccs={ticket.ccContacts} onChanged={view.refetch} />
              {!ticket.mergedInto && <MergeInto number={number} client={ticket.client} />}
              <ClientPanel ticket={ticket} />
              <AuditTrail number={number} first={ticket.auditTrail} />
            </aside>
          </div>
        );
      }}
    </TicketPage>
  );
}

type AuditEntry = AuditPageFragment["edges"][number]["node"];

/** One entry as a sentence; a merge names the other ticket instead of a change "from — to". */
function AuditChange({ entry }: { entry: AuditEntry }) {
  const who = entry.actor?.name ?? t("System");
  // The server leaves out the other ticket of a merge when the viewer may not see it.
  const other = entry.newValue;
  if (entry.field === "merged")
    return other ? (
      <>{t("{who} merged ticket {source} into this one", { who, source: other })}</>
    ) : (
      <>{t("{who} merged another ticket into this one", { who })}</>
    );
  if (entry.field === "merged into")
    return other ? (
      <>{t("{who} merged this ticket into {target}", { who, target: other })}</>
    ) : (
      <>{t("{who} merged this ticket into another ticket", { who })}</>
    );
  return (
    <>
      {t("{who} changed {field} from", {
        who,
        field: AUDIT_LABEL[entry.field] ? t(AUDIT_LABEL[entry.field]) : entry.field,
      })}{" "}
      <strong>{auditValue(entry.field, entry.oldValue)}</strong> {t("to")}{" "}
      <strong>{auditValue(entry.field, entry.newValue)}</strong>
    </>
  );
}

/** The first page of the trail, and later pages (oldest first) as the user asks for them. */
function AuditTrail({ number, first }: { number: number; first: AuditPageFragment }) {
  const [more, setMore] = useState<{ entries: AuditEntry[]; info: AuditPageFragment["pageInfo"] }>();
  const action = useAction();
  useEffect(() => setMore(undefined), [number]);
  const entries = [...first.edges.map((e) => e.node), ...(more?.entries ?? [])];
  const info = more?.info ?? first.pageInfo;
  const loadMore = () =>
    action.run(async () => {
      const data = await query(MoreAuditDocument, { number, after: info.endCursor ?? null });
      const page = data.ticket?.auditTrail;
      if (!page) return;
      setMore({
        entries: [...(more?.entries ?? []), ...page.edges.map((e) => e.node)],
        info: page.pageInfo,
      });
    });
  return (
    <section class="panel" aria-labelledby="audit-title">
      <h2 id="audit-title">{t("Audit trail")}</h2>
      {entries.length === 0 ? (
        <p class="muted">{t("No changes yet.")}</p>
      ) : (
        <ol class="audit">
          {entries.map((entry, i) => (
            <li key={i}>
              <Time iso={entry.createdAt} />: <AuditChange entry={entry} />
            </li>
          ))}
        </ol>
      )}
      <ErrorNote error={action.error} />
      {info.hasNextPage && info.endCursor && (
        <button type="button" class="link" disabled={action.busy} onClick={() => void loadMore()}>
          {t("Show more changes")}
        </button>
      )}
    </section>
  );
}
