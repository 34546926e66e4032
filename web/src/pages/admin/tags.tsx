/** Admin: tags, global labels with a colour that staff put on tickets (clients never see them). */
import { mutate, ok } from "../../api";
import { CrudPage } from "../../components/crud";
import type { Editor } from "../../components/crud";
import type { Control } from "../../components/form";
import { TagChip } from "../../components/tags";
import { graphql } from "../../gql";
import { useAction, useQuery } from "../../hooks";
import { t } from "../../i18n";

const AdminTagsDocument = graphql(`
  query AdminTags {
    tags {
      id
      name
      color
      version
    }
  }
`);

const CreateTagDocument = graphql(`
  mutation CreateTag($input: TagInput!) {
    createTag(input: $input) {
      __typename
      ... on Tag {
        id
      }
      ...ErrorFields
    }
  }
`);

const UpdateTagDocument = graphql(`
  mutation UpdateTag($input: UpdateTagInput!) {
    updateTag(input: $input) {
      __typename
      ... on Tag {
        id
      }
      ...ErrorFields
    }
  }
`);

const DeleteTagDocument = graphql(`
  mutation DeleteTag($id: ID!) {
    deleteTag(id: $id) {
      __typename
      ... on Tag {
        id
      }
      ...ErrorFields
    }
  }
`);

type TagValues = { name: string; color: string };

const CONTROLS: Control<TagValues>[] = [
  { name: "name", get label() {
 return t("Name");
}, required: true, maxLength: 40 },
  { name: "color", get label() {
 return t("Colour");
}, get hint() {
 return t("#rrggbb, e.g. #3366cc");
}, required: true, maxLength: 7 },
];

export function Tags() {
  const list = useQuery(AdminTagsDocument, {});
  const remove = useAction();
  const drop = (id: string, name: string) => {
    if (!window.confirm(t("Delete the tag “{name}”? It comes off every ticket.", { name }))) return;
    void remove.run(async () => {
      ok((await mutate(DeleteTagDocument, { id })).deleteTag, "Tag");
      await list.refetch();
    });
  };
  return (
    <CrudPage
      id="tags"
      title={t("Tags")}
      error={list.error ?? remove.error}
      intro={<p class="muted">{t("Internal labels for tickets; clients never see them.")}</p>}
      items={list.data?.tags}
      cardClass={() => "tag-card"}
      card={(tag) => (
        <>
          <h2>
            <TagChip tag={tag} />
          </h2>
          <button type="button" class="danger" onClick={() => drop(tag.id, tag.name)}>
            {t("Delete")} <span class="sr-only">{tag.name}</span>
          </button>
        </>
      )}
      edit={(tag): Editor<TagValues> => ({
        label: t("Tag {name}", { name: tag.name }),
        initial: { name: tag.name, color: tag.color },
        controls: CONTROLS,
        onSubmit: async ({ name, color }) => {
          const data = await mutate(UpdateTagDocument, {
            input: { id: tag.id, name, color, expectedVersion: tag.version },
          });
          ok(data.updateTag, "Tag");
          await list.refetch();
        },
      })}
      empty={t("No tags yet.")}
      create={{
        heading: t("New tag"),
        submit: t("Create tag"),
        initial: { name: "", color: "#3366cc" },
        controls: CONTROLS,
        onSubmit: async ({ name, color }) => {
          ok((await mutate(CreateTagDocument, { input: { name, color } })).createTag, "Tag");
          await list.refetch();
        },
      }}
    />
  );
}
