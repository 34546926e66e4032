/** Admin: canned responses, global or per department, with placeholders. */
import { useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { graphql } from "../../gql";
import { useAction, useQuery, useTitle } from "../../hooks";
import { ErrorNote, Field, FormError } from "../../ui";

const AdminCannedDocument = graphql(`
  query AdminCanned {
    cannedResponses {
      id
      title
      body
      department {
        id
        name
      }
    }
    departments {
      id
      name
    }
  }
`);

const CreateCannedDocument = graphql(`
  mutation CreateCanned($input: CannedResponseInput!) {
    createCannedResponse(input: $input) {
      __typename
      ... on CannedResponse {
        id
      }
      ...ErrorFields
    }
  }
`);

const DeleteCannedDocument = graphql(`
  mutation DeleteCanned($id: ID!) {
    deleteCannedResponse(id: $id) {
      __typename
      ... on CannedResponse {
        id
      }
      ...ErrorFields
    }
  }
`);

const PLACEHOLDERS = [
  "client_name",
  "client_email",
  "ticket_number",
  "subject",
  "department",
  "staff_name",
];

export function CannedResponses() {
  useTitle("Canned responses");
  const list = useQuery(AdminCannedDocument, {});
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [departmentId, setDepartmentId] = useState("");
  const create = useAction();
  const remove = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void create.run(async () => {
      const data = await mutate(CreateCannedDocument, {
        input: { title, body, departmentId: departmentId || null },
      });
      ok(data.createCannedResponse, "CannedResponse");
      setTitle("");
      setBody("");
      setDepartmentId("");
      await list.refetch();
    });
  };
  const drop = (id: string, name: string) => {
    if (!window.confirm(`Delete the canned response “${name}”?`)) return;
    void remove.run(async () => {
      ok((await mutate(DeleteCannedDocument, { id })).deleteCannedResponse, "CannedResponse");
      await list.refetch();
    });
  };
  return (
    <section aria-labelledby="canned-title">
      <h1 id="canned-title">Canned responses</h1>
      <ErrorNote error={list.error ?? remove.error} />
      <ul class="cards">
        {list.data?.cannedResponses.map((c) => (
          <li key={c.id} class="panel canned">
            <h2>{c.title}</h2>
            <p class="muted">{c.department ? c.department.name : "All departments"}</p>
            <pre class="body">{c.body}</pre>
            <button type="button" class="danger" onClick={() => drop(c.id, c.title)}>
              Delete <span class="sr-only">{c.title}</span>
            </button>
          </li>
        ))}
      </ul>
      {list.data && list.data.cannedResponses.length === 0 && (
        <p class="empty">No canned responses yet.</p>
      )}
      <form class="panel" onSubmit={submit} aria-labelledby="new-canned-title">
        <h2 id="new-canned-title">New canned response</h2>
        <FormError error={create.error} fields={["title", "body", "departmentId"]} />
        <Field id="canned-title-input" name="title" label="Title" error={create.error}>
          <input
            id="canned-title-input"
            required
            value={title}
            onInput={(e) => setTitle(e.currentTarget.value)}
          />
        </Field>
        <Field
          id="canned-body"
          name="body"
          label="Text"
          hint={`Placeholders: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(" ")}`}
          error={create.error}
        >
          <textarea
            id="canned-body"
            required
            rows={6}
            value={body}
            onInput={(e) => setBody(e.currentTarget.value)}
          />
        </Field>
        <Field id="canned-department" name="departmentId" label="Department" error={create.error}>
          <select
            id="canned-department"
            value={departmentId}
            onChange={(e) => setDepartmentId(e.currentTarget.value)}
          >
            <option value="">All departments</option>
            {list.data?.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary" disabled={create.busy}>
          Add canned response
        </button>
      </form>
    </section>
  );
}
