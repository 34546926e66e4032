/** Admin: staff members, their roles, departments and whether they may sign in. */
import { useEffect, useState } from "preact/hooks";
import { mutate, ok, query } from "../../api";
import { graphql } from "../../gql";
import type { Role } from "../../gql/graphql";
import { useAction, useQuery, useTitle } from "../../hooks";
import { ErrorNote, Field, FormError } from "../../ui";

const AdminStaffDocument = graphql(`
  query AdminStaff {
    staff: users(role: STAFF) {
      id
      name
      email
      role
      active
    }
    admins: users(role: ADMIN) {
      id
      name
      email
      role
      active
    }
    departments {
      id
      name
    }
  }
`);

const DepartmentMembersDocument = graphql(`
  query DepartmentMembers($departmentId: ID!) {
    users(departmentId: $departmentId) {
      id
    }
  }
`);

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
        const data = await query(DepartmentMembersDocument, { departmentId: d.id });
        return [d.id, data.users.map((u) => u.id)] as const;
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

function DepartmentChecks({
  idPrefix,
  departments,
  chosen,
  onChange,
  disabled,
}: {
  idPrefix: string;
  departments: Dept[];
  chosen: Set<string>;
  onChange: (next: Set<string>) => void;
  disabled?: boolean;
}) {
  return (
    <fieldset class="checks" disabled={disabled}>
      <legend>Departments</legend>
      {departments.map((d) => (
        <label key={d.id} for={`${idPrefix}-${d.id}`}>
          <input
            id={`${idPrefix}-${d.id}`}
            type="checkbox"
            checked={chosen.has(d.id)}
            onChange={(e) => {
              const next = new Set(chosen);
              if (e.currentTarget.checked) next.add(d.id);
              else next.delete(d.id);
              onChange(next);
            }}
          />{" "}
          {d.name}
        </label>
      ))}
    </fieldset>
  );
}

interface Member {
  id: string;
  name: string;
  email: string;
  role: Role;
  active: boolean;
}

function MemberEditor({
  member,
  departments,
  memberOf,
  onSaved,
}: {
  member: Member;
  departments: Dept[];
  memberOf: Set<string>;
  onSaved: () => void;
}) {
  const [chosen, setChosen] = useState(memberOf);
  const [role, setRole] = useState<Role>(member.role);
  const [active, setActive] = useState(member.active);
  useEffect(() => setChosen(memberOf), [memberOf]);
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const id = `user-${member.id}`;
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void run(async () => {
      const data = await mutate(UpdateUserDocument, {
        input: {
          id: member.id,
          role,
          active,
          departmentIds: role === "STAFF" ? [...chosen] : [],
        },
      });
      ok(data.updateUser, "User");
      setSaved(true);
      onSaved();
    });
  };
  return (
    <form class="row-form" onSubmit={save} aria-label={`Staff member ${member.name}`}>
      <FormError error={error} fields={["role", "departmentIds"]} />
      <Field id={`${id}-role`} name="role" label="Role" error={error}>
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          <option value="STAFF">Staff</option>
          <option value="ADMIN">Administrator (all departments)</option>
        </select>
      </Field>
      <DepartmentChecks
        idPrefix={id}
        departments={departments}
        chosen={chosen}
        onChange={setChosen}
        disabled={role !== "STAFF"}
      />
      <label class="switch" for={`${id}-active`}>
        <input
          id={`${id}-active`}
          type="checkbox"
          role="switch"
          checked={active}
          onChange={(e) => setActive(e.currentTarget.checked)}
        />{" "}
        May sign in
      </label>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Save
        </button>
        {saved && (
          <span class="ok" role="status">
            Saved
          </span>
        )}
      </div>
    </form>
  );
}

export function StaffMembers() {
  useTitle("Staff");
  const list = useQuery(AdminStaffDocument, {});
  const [version, setVersion] = useState(0);
  const departments = list.data?.departments;
  const memberships = useMemberships(departments, version);
  const refresh = () => {
    void list.refetch();
    setVersion((v) => v + 1);
  };
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("STAFF");
  const [chosen, setChosen] = useState(new Set<string>());
  const { busy, error, run } = useAction();
  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const data = await mutate(CreateUserDocument, {
        input: {
          name,
          email,
          role,
          password: password || null,
          departmentIds: role === "STAFF" ? [...chosen] : null,
        },
      });
      ok(data.createUser, "User");
      setName("");
      setEmail("");
      setPassword("");
      setChosen(new Set());
      refresh();
    });
  };
  const members = [...(list.data?.admins ?? []), ...(list.data?.staff ?? [])];
  const none = new Set<string>();
  return (
    <section aria-labelledby="staff-title">
      <h1 id="staff-title">Staff</h1>
      <ErrorNote error={list.error} />
      <ul class="cards">
        {members.map((m) => (
          <li key={m.id} class={`panel${m.active ? "" : " inactive"}`}>
            <h2>
              {m.name} <small class="muted">{m.email}</small>
            </h2>
            <p class="muted">
              {m.role === "ADMIN"
                ? "Administrator: every department"
                : `Departments: ${
                    (departments ?? [])
                      .filter((d) => memberships.get(m.id)?.has(d.id))
                      .map((d) => d.name)
                      .join(", ") || "none"
                  }`}
              {m.active ? "" : " · cannot sign in"}
            </p>
            {departments && (
              <MemberEditor
                member={m}
                departments={departments}
                memberOf={memberships.get(m.id) ?? none}
                onSaved={refresh}
              />
            )}
          </li>
        ))}
      </ul>
      <form class="panel" onSubmit={create} aria-labelledby="new-staff-title">
        <h2 id="new-staff-title">New staff member</h2>
        <FormError error={error} fields={["name", "email", "password", "role", "departmentIds"]} />
        <Field id="new-staff-name" name="name" label="Name" error={error}>
          <input id="new-staff-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="new-staff-email" name="email" label="Email" error={error}>
          <input
            id="new-staff-email"
            type="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field id="new-staff-password" name="password" label="Password (at least 8 characters)" error={error}>
          <input
            id="new-staff-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <Field id="new-staff-role" name="role" label="Role" error={error}>
          <select id="new-staff-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option value="STAFF">Staff</option>
            <option value="ADMIN">Administrator (all departments)</option>
          </select>
        </Field>
        {departments && (
          <DepartmentChecks
            idPrefix="new-staff-dept"
            departments={departments}
            chosen={chosen}
            onChange={setChosen}
            disabled={role !== "STAFF"}
          />
        )}
        <button type="submit" class="primary" disabled={busy}>
          Add staff member
        </button>
      </form>
    </section>
  );
}
