/** Admin: the global auto-close setting. */
import { useEffect, useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { graphql } from "../../gql";
import { useAction, useQuery, useTitle } from "../../hooks";
import { ErrorNote, Field, FormError } from "../../ui";

const SettingsDocument = graphql(`
  query AdminSettings {
    settings {
      autoCloseDays
    }
  }
`);

const SetAutoCloseDocument = graphql(`
  mutation SetAutoCloseDays($days: Int!) {
    setAutoCloseDays(days: $days) {
      __typename
      ... on HelpdeskSettings {
        autoCloseDays
      }
      ...ErrorFields
    }
  }
`);

export function Settings() {
  useTitle("Settings");
  const current = useQuery(SettingsDocument, {});
  const [value, setValue] = useState("");
  useEffect(() => {
    if (current.data?.settings) setValue(String(current.data.settings.autoCloseDays));
  }, [current.data]);
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void run(async () => {
      const data = await mutate(SetAutoCloseDocument, { days: Number(value) });
      const result = ok(data.setAutoCloseDays, "HelpdeskSettings");
      setValue(String(result.autoCloseDays));
      setSaved(true);
    });
  };
  return (
    <section class="panel form-page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ErrorNote error={current.error} />
      <form onSubmit={save}>
        <FormError error={error} fields={["days"]} />
        <Field
          id="auto-close"
          name="days"
          label="Close unanswered tickets after (days)"
          hint="Tickets waiting on the client (Answered) close after this many days without activity; 0 turns auto-close off. Departments may override it."
          error={error}
        >
          <input
            id="auto-close"
            type="number"
            min={0}
            required
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </Field>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Save
          </button>
          {saved && (
            <span class="ok" role="status">
              Saved
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
