/**
 * The dashboard's sidebar of saved views: one's own and those an admin shared with one's
 * departments, each with its live count (capped: "99+"); save the list as it is now, rename,
 * delete, and (admins) share with a department. Counts are refetched with the list on its live
 * events (the page's one subscription; bursts coalesced into one request).
 */
import { useState } from "preact/hooks";
import { mutate, ok } from "../api";
import { graphql } from "../gql";
import type {
  SavedViewsQuery,
  SortDirection,
  TicketFilter,
  TicketSortField,
} from "../gql/graphql";
import { useAction } from "../hooks";
import type { Loaded } from "../hooks";
import { listHref } from "../list-query";
import { useSession } from "../session";
import { ErrorNote, Field, FormError, Select, named } from "./ui";
import { t } from "../i18n";

export const SavedViewsDocument = graphql(`
  query SavedViews {
    savedViews {
      id
      name
      editable
      count
      countCapped
      department {
        id
        name
      }
      owner {
        name
      }
      filter {
        status
        priority
        departmentId
        assigneeId
        assignedToMe
        unassigned
        search
        tags
        tagsMatch
        clientId
        slaBreached
      }
      sort {
        field
        direction
      }
    }
  }
`);

const SaveViewDocument = graphql(`
  mutation SaveView($input: SaveViewInput!) {
    saveView(input: $input) {
      __typename
      ... on SavedView {
        id
        name
      }
      ...ErrorFields
    }
  }
`);

const DeleteViewDocument = graphql(`
  mutation DeleteView($id: ID!) {
    deleteView(id: $id) {
      __typename
      ... on SavedView {
        id
      }
      ...ErrorFields
    }
  }
`);

type Views = Loaded<SavedViewsQuery>;
type View = SavedViewsQuery["savedViews"][number];

function ViewRow({
  view,
  current,
  departments,
  onChanged,
}: {
  view: View;
  current: boolean;
  departments: { id: string; name: string }[];
  onChanged: () => Promise<void>;
}) {
  const { me } = useSession();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(view.name);
  const action = useAction();
  const save = (input: Record<string, unknown>) =>
    action.run(async () => {
      const data = await mutate(SaveViewDocument, { input: { id: view.id, ...input } });
      ok(data.saveView, "SavedView");
      setRenaming(false);
      await onChanged();
    });
  const remove = () =>
    action.run(async () => {
      if (!window.confirm(t("Delete the view “{name}”?", { name: view.name }))) return;
      ok((await mutate(DeleteViewDocument, { id: view.id })).deleteView, "SavedView");
      await onChanged();
    });
  const count = `${view.count}${view.countCapped ? "+" : ""}`;
  const fieldId = `view-name-${view.id}`;
  return (
    <li class={current ? "current" : undefined} data-view={view.name}>
      <a
        href={listHref(view.filter, view.sort, { view: view.id })}
        aria-current={current ? "page" : undefined}
      >
        <span class="view-name" title={view.name}>
          {view.name}
        </span>
        <span class="count" aria-label={t("{count} tickets", { count })}>
          {count}
        </span>
      </a>
      {!view.editable && (
        <small class="muted">
          {view.department && view.owner
            ? t("Shared with {name} by {owner}", { name: view.department.name, owner: view.owner.name })
            : view.department
              ? t("Shared with {name}", { name: view.department.name })
              : view.owner
                ? t("Shared by {owner}", { owner: view.owner.name })
                : t("Shared")}
        </small>
      )}
      {view.editable && view.department && (
        <small class="muted">{t("Shared with {name}", { name: view.department.name })}</small>
      )}
      {view.editable && (
        <div class="view-actions">
          {renaming ? (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void save({ name });
              }}
            >
              <Field id={fieldId} name="name" label={t("New name")} error={action.error}>
                <input
                  id={fieldId}
                  value={name}
                  maxLength={60}
                  onInput={(e) => setName(e.currentTarget.value)}
                />
              </Field>
              <button type="submit" disabled={action.busy}>
                {t("Save name")}
              </button>
              <button type="button" class="link" onClick={() => setRenaming(false)}>
                {t("Cancel")}
              </button>
            </form>
          ) : (
            <>
              <button type="button" class="link" onClick={() => setRenaming(true)}>
                {t("Rename")}
              </button>
              <button type="button" class="link" disabled={action.busy} onClick={() => void remove()}>
                {t("Delete")}
              </button>
            </>
          )}
          {me?.role === "ADMIN" && (
            <Field id={`view-share-${view.id}`} label={t("Share with")}>
              <Select
                id={`view-share-${view.id}`}
                value={view.department?.id ?? ""}
                disabled={action.busy}
                options={[{ value: "", label: t("Nobody (private)") }, ...named(departments)]}
                onChange={(value) => void save({ departmentId: value || null })}
              />
            </Field>
          )}
          <FormError error={action.error} fields={["name"]} />
        </div>
      )}
    </li>
  );
}

export function SavedViewsSidebar({
  views,
  currentId,
  filter,
  sort,
  departments,
}: {
  views: Views;
  currentId: string | undefined;
  filter: TicketFilter;
  sort: { field: TicketSortField; direction: SortDirection };
  departments: { id: string; name: string }[];
}) {
  const [name, setName] = useState("");
  const action = useAction();
  const list = views.data?.savedViews ?? [];
  const saveCurrent = () =>
    action.run(async () => {
      const data = await mutate(SaveViewDocument, { input: { name, filter, sort } });
      ok(data.saveView, "SavedView");
      setName("");
      await views.refetch();
    });
  return (
    <aside class="views panel" aria-labelledby="views-title">
      <h2 id="views-title">{t("Saved views")}</h2>
      <ErrorNote error={views.error} />
      {list.length === 0 ? (
        <p class="muted">{t("No saved views yet.")}</p>
      ) : (
        <ul class="view-list">
          {list.map((view) => (
            <ViewRow
              key={view.id}
              view={view}
              current={view.id === currentId}
              departments={departments}
              onChanged={views.refetch}
            />
          ))}
        </ul>
      )}
      <form
        class="save-view"
        onSubmit={(e) => {
          e.preventDefault();
          void saveCurrent();
        }}
      >
        <Field id="save-view-name" name="name" label={t("Save this list as")} error={action.error}>
          <input
            id="save-view-name"
            value={name}
            maxLength={60}
            placeholder={t("View name")}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" disabled={action.busy || !name.trim()}>
          {t("Save view")}
        </button>
        <FormError error={action.error} fields={["name"]} />
      </form>
    </aside>
  );
}
