/** Admin: departments, their mail addresses and auto-close overrides. */
import { mutate, ok } from "../../api";
import { CrudPage } from "../../components/crud";
import type { Editor } from "../../components/crud";
import type { Control } from "../../components/form";
import { graphql } from "../../gql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";

const AdminDepartmentsDocument = graphql(`
  query AdminDepartments {
    departments {
      id
      name
      email
      autoCloseDays
      version
    }
    settings {
      autoCloseDays
    }
  }
`);

const CreateDepartmentDocument = graphql(`
  mutation CreateDepartment($input: CreateDepartmentInput!) {
    createDepartment(input: $input) {
      __typename
      ... on Department {
        id
      }
      ...ErrorFields
    }
  }
`);

const UpdateDepartmentDocument = graphql(`
  mutation UpdateDepartment($input: UpdateDepartmentInput!) {
    updateDepartment(input: $input) {
      __typename
      ... on Department {
        id
      }
      ...ErrorFields
    }
  }
`);

type DepartmentValues = { name: string; email: string; autoCloseDays: string };

/** The fields of a department, to create one or to edit it. */
function controls(editing: boolean): Control<DepartmentValues>[] {
  return [
    { name: "name", label: t("Name"), required: true },
    { name: "email", label: editing ? t("Mail address") : t("Mail address (optional)"), type: "email" },
    {
      name: "autoCloseDays",
      type: "number",
      min: 0,
      ...(editing
        ? {
            label: t("Close tickets waiting on the client after (days)"),
            hint: t("Answered tickets of this department with no activity for this many days close automatically. Empty: the global setting. 0: never in this department."),
          }
        : { label: t("Close tickets waiting on the client after (days, optional)") }),
    },
  ];
}

function days(text: string): number | null {
  return text.trim() === "" ? null : Number(text);
}

export function Departments() {
  const list = useQuery(AdminDepartmentsDocument, {});
  return (
    <CrudPage
      id="departments"
      title={t("Departments")}
      error={list.error}
      intro={
        list.data?.settings && (
          <p class="muted auto-close-rule">
            {list.data.settings.autoCloseDays > 0
              ? list.data.settings.autoCloseDays === 1
                ? t("Answered tickets (waiting on the client) with no activity for 1 day close automatically")
                : t("Answered tickets (waiting on the client) with no activity for {days} days close automatically", {
                    days: list.data.settings.autoCloseDays,
                  })
              : t("Auto-close is off")}
            {t(", unless a department sets its own number of days")} (
            <a href="/admin/settings">{t("change")}</a>).{" "}
            {t("Open, In progress and On hold tickets never close by themselves.")}
          </p>
        )
      }
      items={list.data?.departments}
      card={(d) => <h2>{d.name}</h2>}
      edit={(d): Editor<DepartmentValues> => ({
        label: t("Department {name}", { name: d.name }),
        initial: {
          name: d.name,
          email: d.email ?? "",
          autoCloseDays: d.autoCloseDays == null ? "" : String(d.autoCloseDays),
        },
        controls: controls(true),
        onSubmit: async ({ name, email, autoCloseDays }) => {
          const data = await mutate(UpdateDepartmentDocument, {
            input: { id: d.id, name, email, autoCloseDays: days(autoCloseDays), expectedVersion: d.version },
          });
          ok(data.updateDepartment, "Department");
          await list.refetch();
        },
      })}
      create={{
        heading: t("New department"),
        submit: t("Create department"),
        initial: { name: "", email: "", autoCloseDays: "" },
        controls: controls(false),
        onSubmit: async ({ name, email, autoCloseDays }) => {
          const data = await mutate(CreateDepartmentDocument, {
            input: { name, email: email || null, autoCloseDays: days(autoCloseDays) },
          });
          ok(data.createDepartment, "Department");
          await list.refetch();
        },
      }}
    />
  );
}
