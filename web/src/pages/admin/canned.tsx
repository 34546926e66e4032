/** Canned responses: admins keep the shared ones (global or per department); every staff
 * member keeps personal ones, which only they see. Placeholders the server does not know are
 * refused on saving, naming the known ones. */
import { mutate, ok } from "../../api";
import { CrudPage } from "../../components/crud";
import { named } from "../../components/ui";
import { graphql } from "../../gql";
import { useAction, useQuery } from "../../hooks";
import type { Editor } from "../../components/crud";
import { useSession } from "../../session";
import { t } from "../../i18n";

const AdminCannedDocument = graphql(`
  query AdminCanned {
    cannedResponses {
      id
      title
      body
      personal
      version
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

const UpdateCannedDocument = graphql(`
  mutation UpdateCanned($input: UpdateCannedResponseInput!) {
    updateCannedResponse(input: $input) {
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

const hint = () => t("Placeholders: {list}", { list: PLACEHOLDERS.map((p) => `{{${p}}}`).join(" ") });

type CannedValues = { title: string; body: string };

export function CannedResponses() {
  const { me } = useSession();
  const admin = me?.role === "ADMIN";
  const list = useQuery(AdminCannedDocument, {});
  const remove = useAction();
  const drop = (id: string, name: string) => {
    if (!window.confirm(t("Delete the canned response “{name}”?", { name }))) return;
    void remove.run(async () => {
      ok((await mutate(DeleteCannedDocument, { id })).deleteCannedResponse, "CannedResponse");
      await list.refetch();
    });
  };
  return (
    <CrudPage
      id="canned"
      title={t("Canned responses")}
      error={list.error ?? remove.error}
      items={list.data?.cannedResponses}
      cardClass={() => "canned"}
      card={(c) => (
        <>
          <h2>{c.title}</h2>
          <p class="muted">
            {c.personal ? t("Personal: only you see it") : c.department ? c.department.name : t("All departments")}
          </p>
          <pre class="body">{c.body}</pre>
          {(admin || c.personal) && (
            <button type="button" class="danger" onClick={() => drop(c.id, c.title)}>
              {t("Delete")} <span class="sr-only">{c.title}</span>
            </button>
          )}
        </>
      )}
      edit={(c): Editor<CannedValues> | null =>
        admin || c.personal
          ? {
              label: t("Canned response {title}", { title: c.title }),
              initial: { title: c.title, body: c.body },
              controls: [
                { name: "title", label: t("Title"), required: true },
                { name: "body", label: t("Text"), hint: hint(), type: "textarea", required: true, rows: 6, markdown: true },
              ],
              onSubmit: async ({ title, body }) => {
                const data = await mutate(UpdateCannedDocument, {
                  input: { id: c.id, title, body, expectedVersion: c.version },
                });
                ok(data.updateCannedResponse, "CannedResponse");
                await list.refetch();
              },
            }
          : null
      }
      empty={t("No canned responses yet.")}
      create={{
        heading: t("New canned response"),
        submit: t("Add canned response"),
        initial: { title: "", body: "", departmentId: admin ? "" : "personal" },
        controls: [
          { name: "title", label: t("Title"), required: true },
          { name: "body", label: t("Text"), hint: hint(), type: "textarea", required: true, rows: 6, markdown: true },
          {
            name: "departmentId",
            label: t("Department"),
            type: "select",
            options: admin
              ? [
                  { value: "", label: t("All departments") },
                  ...named(list.data?.departments),
                  { value: "personal", label: t("Only me (personal)") },
                ]
              : [{ value: "personal", label: t("Only me (personal)") }],
          },
        ],
        onSubmit: async ({ title, body, departmentId }) => {
          const personal = !admin || departmentId === "personal";
          const data = await mutate(CreateCannedDocument, {
            input: { title, body, personal, departmentId: personal ? null : departmentId || null },
          });
          ok(data.createCannedResponse, "CannedResponse");
          await list.refetch();
        },
      }}
    />
  );
}
