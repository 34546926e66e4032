/** Admin: the global auto-close setting. */
import { mutate, ok } from "../../api";
import { Form } from "../../components/form";
import { ErrorNote } from "../../components/ui";
import { graphql } from "../../gql";
import { useQuery, useTitle } from "../../hooks";
import { t } from "../../i18n";

const SettingsDocument = graphql(`
  query AdminSettings {
    settings {
      autoCloseDays
      version
    }
  }
`);

const SetAutoCloseDocument = graphql(`
  mutation SetAutoCloseDays($days: Int!, $expectedVersion: Int) {
    setAutoCloseDays(days: $days, expectedVersion: $expectedVersion) {
      __typename
      ... on HelpdeskSettings {
        autoCloseDays
      }
      ...ErrorFields
    }
  }
`);

export function Settings() {
  useTitle(t("Settings"));
  const current = useQuery(SettingsDocument, {});
  const days = current.data?.settings?.autoCloseDays;
  return (
    <section class="panel form-page" aria-labelledby="settings-title">
      <h1 id="settings-title">{t("Settings")}</h1>
      <ErrorNote error={current.error} />
      <Form
        id="settings"
        initial={{ days: days == null ? "" : String(days) }}
        controls={[
          {
            name: "days",
            label: t("Close tickets waiting on the client after (days)"),
            hint: t("An Answered ticket (staff replied, the client has not) with no activity for this many days is closed automatically, and the client is told that a reply opens it again. Open, In progress and On hold tickets never close by themselves. 0 turns auto-close off. A department's own setting takes precedence."),
            type: "number",
            min: 0,
            required: true,
          },
        ]}
        onSubmit={async (values) => {
          const data = await mutate(SetAutoCloseDocument, {
            days: Number(values.days),
            expectedVersion: current.data?.settings?.version ?? null,
          });
          ok(data.setAutoCloseDays, "HelpdeskSettings");
          await current.refetch();
        }}
        submit={t("Save")}
        saved={t("Saved")}
      />
    </section>
  );
}
