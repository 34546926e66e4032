/** Admin → Client accounts: clients' name, address and password (the staff's Clients page,
 * pages/admin/clients, shows their tickets); a client added here is mailed an
 * invitation to choose a password. Every change is kept in the account's audit. */
import { mutate, ok } from "../../api";
import { CrudPage } from "../../components/crud";
import { Pager, usePages } from "../../components/pager";
import type { Editor } from "../../components/crud";
import { graphql } from "../../gql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { profileControls } from "../../components/profile-controls";
import type { ProfileValues } from "../../components/profile-controls";

const AdminClientsDocument = graphql(`
  query AdminClients($after: String) {
    users(role: CLIENT, first: 50, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          version
          name
          email
          active
          language
          timeZone
        }
      }
    }
  }
`);

const CreateClientDocument = graphql(`
  mutation CreateClient($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on User {
        id
      }
      ...ErrorFields
    }
  }
`);

const UpdateClientDocument = graphql(`
  mutation UpdateClient($input: UpdateUserInput!) {
    updateUser(input: $input) {
      __typename
      ... on User {
        id
      }
      ...ErrorFields
    }
  }
`);

type ClientValues = {
  name: string;
  email: string;
  password: string;
  active: boolean;
} & ProfileValues;
const NEW_CLIENT: ClientValues = {
  name: "",
  email: "",
  password: "",
  active: true,
  language: "",
  timeZone: "",
};

export function ClientAccounts() {
  const pages = usePages();
  const list = useQuery(AdminClientsDocument, { after: pages.after });
  return (
    <CrudPage
      id="client-accounts"
      title={t("Client accounts")}
      error={list.error}
      intro={<p class="muted">{t("A client added without a password is mailed a link to choose one.")}</p>}
      items={list.data?.users.edges.map((e) => e.node)}
      pager={
        (pages.page > 1 || list.data?.users.pageInfo.hasNextPage) && (
          <Pager pages={pages} pageInfo={list.data?.users.pageInfo}>
            {t("Clients, page {page}", { page: pages.page })}
          </Pager>
        )
      }
      cardClass={(c) => (c.active ? "" : "inactive")}
      card={(c) => (
        <h2>
          {c.name} <small class="muted">{c.email}</small>
          {c.active ? "" : <small class="muted"> {t("· cannot sign in")}</small>}
        </h2>
      )}
      edit={(c): Editor<ClientValues> => ({
        label: t("Client {name}", { name: c.name }),
        initial: {
          ...NEW_CLIENT,
          name: c.name,
          email: c.email,
          active: c.active,
          language: c.language ?? "",
          timeZone: c.timeZone ?? "",
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
          ...profileControls<ClientValues>(),
        ],
        onSubmit: async ({ name, email, password, language, timeZone }) => {
          const data = await mutate(UpdateClientDocument, {
            input: {
              id: c.id,
              name,
              email,
              password: password || null,
              language: language || null,
              timeZone,
              expectedVersion: c.version,
            },
          });
          ok(data.updateUser, "User");
          await list.refetch();
        },
      })}
      empty={t("No clients yet.")}
      create={{
        heading: t("New client"),
        submit: t("Add client"),
        initial: NEW_CLIENT,
        controls: [
          { name: "name", label: t("Name"), required: true },
          { name: "email", label: t("Email"), type: "email", required: true },
        ],
        onSubmit: async ({ name, email }) => {
          const data = await mutate(CreateClientDocument, {
            input: { name, email, role: "CLIENT" },
          });
          ok(data.createUser, "User");
          void list.refetch();
        },
      }}
    />
  );
}
