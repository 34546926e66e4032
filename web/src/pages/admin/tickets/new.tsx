/** Staff: open a ticket for a client who phoned or wrote elsewhere. The client is named by
 * address: an existing client, or a new one (with a name) who is mailed an invitation to choose
 * a password. The client gets the same acknowledgement as if they had opened it. Staff choose
 * among their own departments, admins among all. */
import { useLocation } from "preact-iso";
import { mutate, ok } from "../../../api";
import { Form } from "../../../components/form";
import { ErrorNote, labelled, named } from "../../../components/ui";
import { PRIORITIES, PRIORITY_LABEL } from "../../../format";
import type { TicketPriority } from "../../../gql/graphql";
import { useQuery, useTitle } from "../../../hooks";
// The client's own form's documents: the same department choices and the same mutation.
import { DepartmentsDocument, OpenTicketDocument } from "../../client/tickets/new";
import { t } from "../../../i18n";


type Values = {
  clientEmail: string;
  clientName: string;
  departmentId: string;
  subject: string;
  body: string;
  priority: TicketPriority;
};

const EMPTY: Values = {
  clientEmail: "",
  clientName: "",
  departmentId: "",
  subject: "",
  body: "",
  priority: "MEDIUM",
};

export function OpenForClient() {
  useTitle(t("Open a ticket for a client"));
  const { route } = useLocation();
  const departments = useQuery(DepartmentsDocument, {});
  return (
    <section class="panel form-page" aria-labelledby="open-for-title">
      <nav class="crumbs" aria-label={t("Breadcrumb")}>
        <a href="/admin/tickets">{t("Tickets")}</a> › {t("New")}
      </nav>
      <h1 id="open-for-title">{t("Open a ticket for a client")}</h1>
      <ErrorNote error={departments.error} />
      <Form
        id="open-for"
        initial={EMPTY}
        controls={[
          { name: "clientEmail", label: t("Client's email"), type: "email", required: true },
          {
            name: "clientName",
            label: t("Client's name"),
            hint: t("Needed for a new client, who is mailed an invitation to choose a password."),
          },
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
          { name: "body", label: t("What the client asks"), type: "textarea", required: true, rows: 8, markdown: true },
          {
            name: "priority",
            label: t("Priority"),
            type: "select",
            options: labelled(PRIORITIES, PRIORITY_LABEL),
          },
        ]}
        onSubmit={async ({ clientName, ...input }) => {
          const data = await mutate(OpenTicketDocument, {
            input: { ...input, clientName: clientName || null },
          });
          route(`/admin/tickets/${ok(data.openTicket, "Ticket").number}`);
        }}
        submit={t("Open ticket")}
        busyText={t("Sending…")}
      />
    </section>
  );
}
