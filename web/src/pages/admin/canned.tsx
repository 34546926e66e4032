/** Admin: canned responses, global or per department, with placeholders. */
import { mutate, ok } from "../../api";
import { CrudPage } from "../../components/crud";
import { named } from "../../components/ui";
import { graphql } from "../../gql";
import { useAction, useQuery } from "../../hooks";

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
  const list = useQuery(AdminCannedDocument, {});
  const remove = useAction();
  const drop = (id: string, name: string) => {
    if (!window.confirm(`Delete the canned response “${name}”?`)) return;
    void remove.run(async () => {
      ok((await mutate(DeleteCannedDocument, { id })).deleteCannedResponse, "CannedResponse");
      await list.refetch();
    });
  };
  return (
    <CrudPage
      id="canned"
      title="Canned responses"
      error={list.error ?? remove.error}
      items={list.data?.cannedResponses}
      cardClass={() => "canned"}
      card={(c) => (
        <>
          <h2>{c.title}</h2>
          <p class="muted">{c.department ? c.department.name : "All departments"}</p>
          <pre class="body">{c.body}</pre>
          <button type="button" class="danger" onClick={() => drop(c.id, c.title)}>
            Delete <span class="sr-only">{c.title}</span>
          </button>
        </>
      )}
      empty="No canned responses yet."
      create={{
        heading: "New canned response",
        submit: "Add canned response",
        initial: { title: "", body: "", departmentId: "" },
        controls: [
          { name: "title", label: "Title", required: true },
          {
            name: "body",
            label: "Text",
            hint: `Placeholders: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(" ")}`,
            type: "textarea",
            required: true,
            rows: 6,
          },
          {
            name: "departmentId",
            label: "Department",
            type: "select",
            options: [{ value: "", label: "All departments" }, ...named(list.data?.departments)],
          },
        ],
        onSubmit: async ({ title, body, departmentId }) => {
          const data = await mutate(CreateCannedDocument, {
            input: { title, body, departmentId: departmentId || null },
          });
          ok(data.createCannedResponse, "CannedResponse");
          await list.refetch();
        },
      }}
    />
  );
}
