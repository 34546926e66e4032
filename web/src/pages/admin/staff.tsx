/** Admin: staff members, their roles, departments and whether they may sign in. */
import { useEffect, useState } from "preact/hooks";
import { mutate, ok, query } from "../../api";
import { CrudPage } from "../../components/crud";
import { Pager, usePages } from "../../components/pager";
import type { Editor } from "../../components/crud";
import type { Control } from "../../components/form";
import { graphql } from "../../gql";
import type { DepartmentMembersQuery, Role } from "../../gql/graphql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { profileControls } from "../../components/profile-controls";
import type { ProfileValues } from "../../components/profile-controls";

const AdminStaffDocument = graphql(`
  query AdminStaff($after: String) {
    staff: users(role: STAFF, first: 50, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...StaffMemberFields
        }
      }
    }
    admins: users(role: ADMIN, first: 100) {
      edges {
        node {
          ...StaffMemberFields
        }
      }
    }
    departments {
      id
      name
    }
  }
`);

export const StaffMemberFieldsDoc = graphql(`
  fragment StaffMemberFields on User {
    id
    version
    name
    email
    role
    active
    language
    timeZone
    signature
  }
`);

const DepartmentMembersDocument = graphql(`
  query DepartmentMembers($departmentId: ID!, $after: String) {
    users(departmentId: $departmentId, first: 100, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
        }
      }
    }
  }
`);

/** The ids of a department's members, page after page. */
async function departmentMembers(departmentId: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const data: DepartmentMembersQuery = await query(DepartmentMembersDocument, {
      departmentId,
      after,
    });
    ids.push(...data.users.edges.map((e) => e.node.id));
    if (!data.users.pageInfo.hasNextPage) return ids;
    after = data.users.pageInfo.endCursor ?? null;
    if (!after) return ids;
  }
}

const CreateUserDocument = graphql(`
  mutation CreateStaff($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on User {
        id
      }
      ...ErrorFields
    }
  }
`);

const UpdateUserDocument = graphql(`
  mutation UpdateStaff($input: UpdateUserInput!) {
    updateUser(input: $input) {
      __typename
      ... on User {
        id
      }
      ...ErrorFields
    }
  }
`);

interface Dept {
  id: string;
  name: string;
}

/** Which departments each user belongs to, from one `users(departmentId)` query per department. */
function useMemberships(departments: Dept[] | undefined, version: number): Map<string, Set<string>> {
  const [members, setMembers] = useState(new Map<string, Set<string>>());
  useEffect(() => {
    if (!departments) return;
    let live = true;
    void Promise.all(
      departments.map(async (d) => {
        return [d.id, await departmentMembers(d.id)] as const;
      }),
    ).then((rows) => {
      if (!live) return;
      const map = new Map<string, Set<string>>();
      for (const [deptId, userIds] of rows) {
        for (const userId of userIds) {
          if (!map.has(userId)) map.set(userId, new Set());
          map.get(userId)?.add(deptId);
        }
      }
      setMembers(map);
    });
    return () => {
      live = false;
    };
  }, [departments, version]);
  return members;
}

const ROLES = [
  { value: "STAFF", get label() {
 return t("Staff");
} },
  { value: "ADMIN", get label() {
 return t("Administrator (all departments)");
} },
];

type MemberValues = {
  name: string;
  email: string;
  password: string;
  role: Role;
  departmentIds: string[];
  active: boolean;
  signature: string;
} & ProfileValues;

/** The role, and the departments (for staff; administrators have them all). */
function access(departments: Dept[] | undefined): Control<MemberValues>[] {
  return [
    { name: "role", label: t("Role"), type: "select", options: ROLES },
    {
      name: "departmentIds",
      label: t("Departments"),
      render: ({ id, label, value, set, values }) =>
        departments && (
          <fieldset class="checks" disabled={values.role !== "STAFF"}>
            <legend>{label}</legend>
            {departments.map((d) => (
              <label key={d.id} for={`${id}-${d.id}`}>
                <input
                  id={`${id}-${d.id}`}
                  type="checkbox"
                  checked={value.includes(d.id)}
                  onChange={(e) =>
                    set(e.currentTarget.checked ? [...value, d.id] : value.filter((v) => v !== d.id))
                  }
                />{" "}
                {d.name}
              </label>
            ))}
          </fieldset>
        ),
    },
  ];
}

const NEW_MEMBER: MemberValues = {
  name: "",
  email: "",
  password: "",
  role: "STAFF",
  departmentIds: [],
  active: true,
  language: "",
  timeZone: "",
  signature: "",
};

export function StaffMembers() {
  const pages = usePages();
  const list = useQuery(AdminStaffDocument, { after: pages.after });
  const [version, setVersion] = useState(0);
  const departments = list.data?.departments;
  const memberships = useMemberships(departments, version);
  const refresh = () => {
    void list.refetch();
    setVersion((v) => v + 1);
  };
  const memberOf = (userId: string) =>
    (departments ?? []).filter((d) => memberships.get(userId)?.has(d.id));
  return (
    <CrudPage
      id="staff"
      title={t("Staff")}
      error={list.error}
      items={
        list.data && [
          ...(pages.page === 1 ? list.data.admins.edges.map((e) => e.node) : []),
          ...list.data.staff.edges.map((e) => e.node),
        ]
      }
      pager={
        (pages.page > 1 || list.data?.staff.pageInfo.hasNextPage) && (
          <Pager pages={pages} pageInfo={list.data?.staff.pageInfo}>
            {t("Staff, page {page}", { page: pages.page })}
          </Pager>
        )
      }
      cardClass={(m) => (m.active ? "" : "inactive")}
      card={(m) => (
        <>
          <h2>
            {m.name} <small class="muted">{m.email}</small>
          </h2>
          <p class="muted">
            {m.role === "ADMIN"
              ? t("Administrator: every department")
              : t("Departments: {names}", {
                  names:
                    memberOf(m.id)
                      .map((d) => d.name)
                      .join(", ") || t("none"),
                })}
            {m.active ? "" : ` ${t("· cannot sign in")}`}
          </p>
        </>
      )}
      edit={(m): Editor<MemberValues> | null =>
        departments
          ? {
              label: t("Staff member {name}", { name: m.name }),
              initial: {
                ...NEW_MEMBER,
                name: m.name,
                email: m.email,
                role: m.role,
                active: m.active,
                departmentIds: memberOf(m.id).map((d) => d.id),
                language: m.language ?? "",
                timeZone: m.timeZone ?? "",
                signature: m.signature ?? "",
              },
              controls: [
                { name: "name", label: t("Name"), required: true },
                { name: "email", label: t("Email"), type: "email", required: true },
                {
                  name: "password",
                  label: t("New password (empty: unchanged; setting one signs them out)"),
                  type: "password",
                  autoComplete: "new-password",
                },
                ...access(departments),
                {
                  name: "signature",
                  label: t("Signature (Markdown, under their replies to clients)"),
                  type: "textarea",
                  rows: 3,
                },
                {
                  name: "active",
                  label: t("May sign in"),
                  render: ({ id, label, value, set }) => (
                    <label class="switch" for={id}>
                      <input
                        id={id}
                        type="checkbox"
                        role="switch"
                        checked={value}
                        onChange={(e) => set(e.currentTarget.checked)}
                      />{" "}
                      {label}
                    </label>
                  ),
                },
                ...profileControls<MemberValues>(),
              ],
              onSubmit: async ({
                name,
                email,
                password,
                role,
                active,
                departmentIds,
                signature,
                language,
                timeZone,
              }) => {
                const data = await mutate(UpdateUserDocument, {
                  input: {
                    id: m.id,
                    name,
                    email,
                    password: password || null,
                    role,
                    active,
                    departmentIds: role === "STAFF" ? departmentIds : [],
                    language: language || null,
                    timeZone,
                    signature,
                    expectedVersion: m.version,
                  },
                });
                ok(data.updateUser, "User");
                refresh();
              },
            }
          : null
      }
      create={{
        heading: t("New staff member"),
        submit: t("Add staff member"),
        initial: NEW_MEMBER,
        controls: [
          { name: "name", label: t("Name"), required: true },
          { name: "email", label: t("Email"), type: "email", required: true },
          {
            name: "password",
            label: t("Password (at least 8 characters)"),
            type: "password",
            autoComplete: "new-password",
          },
          ...access(departments),
        ],
        onSubmit: async ({ name, email, role, password, departmentIds }) => {
          const data = await mutate(CreateUserDocument, {
            input: {
              name,
              email,
              role,
              password: password || null,
              departmentIds: role === "STAFF" ? departmentIds : null,
            },
          });
          ok(data.createUser, "User");
          refresh();
        },
      }}
    />
  );
}
