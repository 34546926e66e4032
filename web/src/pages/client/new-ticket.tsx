/** Opening a ticket: department, subject, message, priority and attachments. */
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { PRIORITIES, PRIORITY_LABEL } from "../../format";
import { graphql } from "../../gql";
import type { TicketPriority } from "../../gql/graphql";
import { useAction, useQuery, useTitle } from "../../hooks";
import { ErrorNote, Field, FilePicker, FormError } from "../../ui";

const DepartmentsDocument = graphql(`
  query DepartmentChoices {
    departments {
      id
      name
    }
  }
`);

const OpenTicketDocument = graphql(`
  mutation OpenTicket($input: OpenTicketInput!) {
    openTicket(input: $input) {
      __typename
      ... on Ticket {
        id
        number
      }
      ...ErrorFields
    }
  }
`);

const FIELDS = ["departmentId", "subject", "body", "priority", "attachments"];

export function NewTicket() {
  useTitle("Open a ticket");
  const { route } = useLocation();
  const departments = useQuery(DepartmentsDocument, {});
  const [departmentId, setDepartmentId] = useState("");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [priority, setPriority] = useState<TicketPriority>("MEDIUM");
  const [files, setFiles] = useState<File[]>([]);
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const data = await mutate(OpenTicketDocument, {
        input: { departmentId, subject, body, priority, attachments: files.length ? files : null },
      });
      const ticket = ok(data.openTicket, "Ticket");
      route(`/client/tickets/${ticket.number}`);
    });
  };
  return (
    <section class="panel form-page" aria-labelledby="new-title">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/client/tickets">My Tickets</a> › New
      </nav>
      <h1 id="new-title">Open a ticket</h1>
      <ErrorNote error={departments.error} />
      <form onSubmit={submit}>
        <FormError error={error} fields={FIELDS} />
        <Field id="new-department" name="departmentId" label="Department" error={error}>
          <select
            id="new-department"
            required
            value={departmentId}
            onChange={(e) => setDepartmentId(e.currentTarget.value)}
          >
            <option value="" disabled>
              Choose a department…
            </option>
            {departments.data?.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="new-subject" name="subject" label="Subject" error={error}>
          <input
            id="new-subject"
            required
            maxLength={200}
            value={subject}
            onInput={(e) => setSubject(e.currentTarget.value)}
          />
        </Field>
        <Field id="new-body" name="body" label="Message" error={error}>
          <textarea
            id="new-body"
            required
            rows={8}
            value={body}
            onInput={(e) => setBody(e.currentTarget.value)}
          />
        </Field>
        <Field id="new-priority" name="priority" label="Priority" error={error}>
          <select
            id="new-priority"
            value={priority}
            onChange={(e) => setPriority(e.currentTarget.value as TicketPriority)}
          >
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {PRIORITY_LABEL[p]}
              </option>
            ))}
          </select>
        </Field>
        <FilePicker id="new-files" files={files} onChange={setFiles} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Sending…" : "Open ticket"}
        </button>
      </form>
    </section>
  );
}
