/** Admin: the global auto-close setting. */
import { mutate, ok } from "../../api";
import { Form } from "../../components/form";
import { ErrorNote } from "../../components/ui";
import { graphql } from "../../gql";
import { useQuery, useTitle } from "../../hooks";

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
  const days = current.data?.settings?.autoCloseDays;
  return (
    <section class="panel form-page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ErrorNote error={current.error} />
      <Form
        id="settings"
        initial={{ days: days == null ? "" : String(days) }}
        controls={[
          {
            name: "days",
            label: "Close unanswered tickets after (days)",
            hint: "Tickets waiting on the client (Answered) close after this many days without activity; 0 turns auto-close off. Departments may override it.",
            type: "number",
            min: 0,
            required: true,
          },
        ]}
        onSubmit={async (values) => {
          const data = await mutate(SetAutoCloseDocument, { days: Number(values.days) });
          ok(data.setAutoCloseDays, "HelpdeskSettings");
          await current.refetch();
        }}
        submit="Save"
        saved="Saved"
      />
    </section>
  );
}
