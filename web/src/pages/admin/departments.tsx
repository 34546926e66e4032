/** Admin: departments, their mail addresses and auto-close overrides. */
import { useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { graphql } from "../../gql";
import { useAction, useQuery, useTitle } from "../../hooks";
import { ErrorNote, Field, FormError } from "../../ui";

const AdminDepartmentsDocument = graphql(`
  query AdminDepartments {
    departments {
      id
      name
      email
      autoCloseDays
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

const FIELDS = ["name", "email", "autoCloseDays"];

function days(text: string): number | null {
  return text.trim() === "" ? null : Number(text);
}

interface DepartmentRow {
  id: string;
  name: string;
  email?: string | null;
  autoCloseDays?: number | null;
}

function DepartmentEditor({ dept, onSaved }: { dept: DepartmentRow; onSaved: () => void }) {
  const [name, setName] = useState(dept.name);
  const [email, setEmail] = useState(dept.email ?? "");
  const [close, setClose] = useState(dept.autoCloseDays == null ? "" : String(dept.autoCloseDays));
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const id = `dept-${dept.id}`;
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void run(async () => {
      const data = await mutate(UpdateDepartmentDocument, {
        input: { id: dept.id, name, email, autoCloseDays: days(close) },
      });
      ok(data.updateDepartment, "Department");
      setSaved(true);
      onSaved();
    });
  };
  return (
    <form class="row-form" onSubmit={save} aria-label={`Department ${dept.name}`}>
      <FormError error={error} fields={FIELDS} />
      <Field id={`${id}-name`} name="name" label="Name" error={error}>
        <input id={`${id}-name`} required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field id={`${id}-email`} name="email" label="Mail address" error={error}>
        <input
          id={`${id}-email`}
          type="email"
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </Field>
      <Field
        id={`${id}-close`}
        name="autoCloseDays"
        label="Auto-close after (days)"
        hint="Empty: the global setting. 0: never."
        error={error}
      >
        <input
          id={`${id}-close`}
          type="number"
          min={0}
          value={close}
          onInput={(e) => setClose(e.currentTarget.value)}
        />
      </Field>
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

export function Departments() {
  useTitle("Departments");
  const list = useQuery(AdminDepartmentsDocument, {});
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [close, setClose] = useState("");
  const { busy, error, run } = useAction();
  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const data = await mutate(CreateDepartmentDocument, {
        input: { name, email: email || null, autoCloseDays: days(close) },
      });
      ok(data.createDepartment, "Department");
      setName("");
      setEmail("");
      setClose("");
      await list.refetch();
    });
  };
  return (
    <section aria-labelledby="departments-title">
      <h1 id="departments-title">Departments</h1>
      <ErrorNote error={list.error} />
      {list.data?.settings && (
        <p class="muted">
          Tickets close automatically after {list.data.settings.autoCloseDays} days without activity
          unless a department says otherwise (<a href="/admin/settings">change</a>).
        </p>
      )}
      <ul class="cards">
        {list.data?.departments.map((d) => (
          <li key={`${d.id}-${d.name}-${d.email}-${d.autoCloseDays}`} class="panel">
            <h2>{d.name}</h2>
            <DepartmentEditor dept={d} onSaved={() => void list.refetch()} />
          </li>
        ))}
      </ul>
      <form class="panel" onSubmit={create} aria-labelledby="new-dept-title">
        <h2 id="new-dept-title">New department</h2>
        <FormError error={error} fields={FIELDS} />
        <Field id="new-dept-name" name="name" label="Name" error={error}>
          <input id="new-dept-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="new-dept-email" name="email" label="Mail address (optional)" error={error}>
          <input
            id="new-dept-email"
            type="email"
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field
          id="new-dept-close"
          name="autoCloseDays"
          label="Auto-close after (days, optional)"
          error={error}
        >
          <input
            id="new-dept-close"
            type="number"
            min={0}
            value={close}
            onInput={(e) => setClose(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          Create department
        </button>
      </form>
    </section>
  );
}
