/** A ticket for staff: the thread with notes, the composer, the controls, audit trail, presence. */
import { useRoute } from "preact-iso";
import { useMemo } from "preact/hooks";
import { mutate, ok } from "../../api";
import { PRIORITIES, PRIORITY_LABEL, SETTABLE_STATUSES, STATUS_LABEL } from "../../format";
import { graphql } from "../../gql";
import type { TicketPriority, TicketStatus, UpdateTicketInput } from "../../gql/graphql";
import { useAction, useDebounced, useLive, useQuery, useTitle } from "../../hooks";
import { useSession } from "../../session";
import { useWholeThread } from "../../thread";
import { ErrorNote, PriorityBadge, StatusBadge, Thread, Time } from "../../ui";
import { Composer } from "./composer";
import { Presence, usePresence } from "./presence";

const StaffTicketDocument = graphql(`
  query StaffTicket($number: Int!, $isAdmin: Boolean!) {
    ticket(number: $number) {
      id
      number
      subject
      status
      priority
      createdAt
      lastActivityAt
      closedAt
      department {
        id
        name
      }
      client {
        id
        name
        email
      }
      assignee {
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
      auditTrail {
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
    departments {
      id
      name
    }
    admins: users(role: ADMIN) @include(if: $isAdmin) {
      id
      name
    }
  }
`);

const AssignableDocument = graphql(`
  query Assignable($departmentId: ID!) {
    users(departmentId: $departmentId) {
      id
      name
      role
    }
  }
`);

const TicketEventsDocument = graphql(`
  subscription StaffTicketEvents($number: Int!) {
    ticketEvents(number: $number) {
      type
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
      }
      ...ErrorFields
    }
  }
`);

const AUDIT_LABEL: Record<string, string> = {
  status: "Status",
  priority: "Priority",
  department: "Department",
  assignee: "Assignee",
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
  const { params } = useRoute();
  const number = Number(params.number);
  const { me } = useSession();
  const isAdmin = me?.role === "ADMIN";
  const ticketQuery = useQuery(StaffTicketDocument, { number, isAdmin });
  const ticket = ticketQuery.data?.ticket;
  useTitle(ticket ? `#${ticket.number} ${ticket.subject}` : `Ticket #${number}`);
  const messages = useWholeThread(number, ticket?.messages);
  const departmentId = ticket?.department.id;
  const assignable = useQuery(
    AssignableDocument,
    { departmentId: departmentId ?? "" },
    { skip: !departmentId },
  );
  const refetchSoon = useDebounced(() => {
    void ticketQuery.refetch();
  });
  useLive(TicketEventsDocument, { number }, refetchSoon, {
    skip: !ticket,
    onResync: refetchSoon,
  });
  const presence = usePresence(number, !!ticket);
  const update = useAction();
  const change = (input: Omit<UpdateTicketInput, "number">) =>
    update.run(async () => {
      const data = await mutate(UpdateTicketDocument, { input: { number, ...input } });
      ok(data.updateTicket, "Ticket");
      await ticketQuery.refetch();
    });

  const assignees = useMemo(() => {
    const seen = new Map<string, string>();
    for (const u of [...(assignable.data?.users ?? []), ...(ticketQuery.data?.admins ?? [])]) {
      seen.set(u.id, u.name);
    }
    if (ticket?.assignee) seen.set(ticket.assignee.id, ticket.assignee.name);
    return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
  }, [assignable.data, ticketQuery.data]);

  if (ticketQuery.error && !ticket) return <ErrorNote error={ticketQuery.error} />;
  if (!ticketQuery.data) return <p class="loading">Loading…</p>;
  if (!ticket) {
    return (
      <section class="panel">
        <h1>Ticket not found</h1>
        <p>
          There is no ticket #{number} that you may see. <a href="/admin/tickets">Back to tickets</a>
        </p>
      </section>
    );
  }
  return (
    <div class="ticket-page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/admin/tickets">Tickets</a> › #{ticket.number}
      </nav>
      <header class="ticket-head">
        <h1>
          <span class="number">#{ticket.number}</span> {ticket.subject}
        </h1>
        <p class="meta">
          <StatusBadge status={ticket.status} /> <PriorityBadge priority={ticket.priority} />{" "}
          <span>
            {ticket.client.name} &lt;{ticket.client.email}&gt;
          </span>{" "}
          · {ticket.department.name} · opened <Time iso={ticket.createdAt} /> · last update{" "}
          <Time iso={ticket.lastActivityAt} />
        </p>
        <Presence present={presence.present} me={me?.id ?? ""} />
      </header>
      <div class="ticket-body">
        <section class="conversation" aria-label="Conversation">
          <Thread messages={messages} />
          <Composer
            number={number}
            departmentId={ticket.department.id}
            onSent={() => void ticketQuery.refetch()}
            onActivity={presence.setReplying}
          />
        </section>
        <aside class="side" aria-label="Ticket details">
          <section class="panel" aria-labelledby="controls-title">
            <h2 id="controls-title">Details</h2>
            <ErrorNote error={update.error} />
            <div class="field">
              <label for="ticket-status">Status</label>
              <select
                id="ticket-status"
                value={ticket.status}
                disabled={update.busy}
                onChange={(e) => change({ status: e.currentTarget.value as TicketStatus })}
              >
                {ticket.status === "ANSWERED" && (
                  <option value="ANSWERED" disabled>
                    Answered (by a reply)
                  </option>
                )}
                {SETTABLE_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {STATUS_LABEL[s]}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="ticket-priority">Priority</label>
              <select
                id="ticket-priority"
                value={ticket.priority}
                disabled={update.busy}
                onChange={(e) => change({ priority: e.currentTarget.value as TicketPriority })}
              >
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {PRIORITY_LABEL[p]}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="ticket-department">Department</label>
              <select
                id="ticket-department"
                value={ticket.department.id}
                disabled={update.busy}
                onChange={(e) => change({ departmentId: e.currentTarget.value })}
              >
                {!ticketQuery.data.departments.some((d) => d.id === ticket.department.id) && (
                  <option value={ticket.department.id}>{ticket.department.name}</option>
                )}
                {ticketQuery.data.departments.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="ticket-assignee">Assigned to</label>
              <select
                id="ticket-assignee"
                value={ticket.assignee?.id ?? ""}
                disabled={update.busy}
                onChange={(e) => change({ assigneeId: e.currentTarget.value || null })}
              >
                <option value="">Unassigned</option>
                {assignees.map(([id, name]) => (
                  <option key={id} value={id}>
                    {name}
                    {id === me?.id ? " (me)" : ""}
                  </option>
                ))}
              </select>
            </div>
          </section>
          <section class="panel" aria-labelledby="audit-title">
            <h2 id="audit-title">Audit trail</h2>
            {ticket.auditTrail.length === 0 ? (
              <p class="muted">No changes yet.</p>
            ) : (
              <ol class="audit">
                {ticket.auditTrail.map((entry, i) => (
                  <li key={i}>
                    <Time iso={entry.createdAt} />: {entry.actor?.name ?? "System"} changed{" "}
                    {AUDIT_LABEL[entry.field] ?? entry.field} from{" "}
                    <strong>{auditValue(entry.field, entry.oldValue)}</strong> to{" "}
                    <strong>{auditValue(entry.field, entry.newValue)}</strong>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </aside>
      </div>
    </div>
  );
}
