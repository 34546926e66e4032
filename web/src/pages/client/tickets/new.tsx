/** Opening a ticket: department, subject, message, priority and attachments. */
import { useLocation } from "preact-iso";
import { mutate, ok } from "../../../api";
import { splitAddresses } from "../../../components/cc";
import { Form } from "../../../components/form";
import { ErrorNote, FilePicker, labelled, named } from "../../../components/ui";
import { PRIORITIES, PRIORITY_LABEL } from "../../../format";
import { graphql } from "../../../gql";
import type { TicketPriority } from "../../../gql/graphql";
import { useQuery, useTitle } from "../../../hooks";
import { t } from "../../../i18n";

export const DepartmentsDocument = graphql(`
  query DepartmentChoices {
    departments {
      id
      name
    }
  }
`);

export const OpenTicketDocument = graphql(`
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

type NewTicketValues = {
  departmentId: string;
  subject: string;
  body: string;
  priority: TicketPriority;
  ccs: string;
  attachments: File[];
};

const EMPTY: NewTicketValues = {
  departmentId: "",
  subject: "",
  body: "",
  priority: "MEDIUM",
  ccs: "",
  attachments: [],
};

export function NewTicket() {
  useTitle(t("Open a ticket"));
  const { route } = useLocation();
  const departments = useQuery(DepartmentsDocument, {});
  return (
    <section class="panel form-page" aria-labelledby="new-title">
      <nav class="crumbs" aria-label={t("Breadcrumb")}>
        <a href="/client/tickets">{t("My Tickets")}</a> › {t("New")}
      </nav>
      <h1 id="new-title">{t("Open a ticket")}</h1>
      <ErrorNote error={departments.error} />
      <Form
        id="new"
        initial={EMPTY}
        controls={[
          {
            name: "departmentId",
            label: t("Department"),
            type: "select",
            required: true,
            options: [
              { value: "", label: t("Choose a department…"), disabled: true },
              ...named(departments.data?.departments),
            ],
          },
          { name: "subject", label: t("Subject"), required: true, maxLength: 200 },
          { name: "body", label: t("Message"), type: "textarea", required: true, rows: 8, markdown: true },
          {
            name: "priority",
            label: t("Priority"),
            type: "select",
            options: labelled(PRIORITIES, PRIORITY_LABEL),
          },
          {
            name: "ccs",
            label: t("CC (optional)"),
            hint: t("Colleagues to copy, comma-separated: they get our replies by email."),
          },
          {
            name: "attachments",
            label: t("Attachments"),
            render: ({ id, value, set }) => <FilePicker id={id} files={value} onChange={set} />,
          },
        ]}
        onSubmit={async ({ attachments, ccs, ...input }) => {
          const data = await mutate(OpenTicketDocument, {
            input: {
              ...input,
              ccs: splitAddresses(ccs),
              attachments: attachments.length ? attachments : null,
            },
          });
          route(`/client/tickets/${ok(data.openTicket, "Ticket").number}`);
        }}
        submit={t("Open ticket")}
        busyText={t("Sending…")}
      />
    </section>
  );
}
