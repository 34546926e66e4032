/**
 * Tags (staff only, never on client pages): a coloured chip, and a ticket's tags with remove
 * buttons and a picker to add one. Tag changes are audited and live: the page refetches on the
 * UPDATED event they send.
 */
import { mutate, ok } from "../api";
import { graphql } from "../gql";
import { useAction, useQuery } from "../hooks";
import { ErrorNote, Field, Select } from "./ui";
import { t } from "../i18n";

export interface TagLike {
  id: string;
  name: string;
  color: string;
}

const AllTagsDocument = graphql(`
  query AllTags {
    tags {
      id
      name
      color
    }
  }
`);

const AddTicketTagsDocument = graphql(`
  mutation AddTicketTags($number: Int!, $tagIds: [ID!]!) {
    addTicketTags(number: $number, tagIds: $tagIds) {
      __typename
      ... on Ticket {
        id
        version
      }
      ...ErrorFields
    }
  }
`);

const RemoveTicketTagsDocument = graphql(`
  mutation RemoveTicketTags($number: Int!, $tagIds: [ID!]!) {
    removeTicketTags(number: $number, tagIds: $tagIds) {
      __typename
      ... on Ticket {
        id
        version
      }
      ...ErrorFields
    }
  }
`);

/** WCAG relative luminance of ``color`` (#rrggbb). */
function luminance(color: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(color.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Black or white text on ``color`` (#rrggbb), whichever has the higher WCAG contrast ratio
 * against it; one of the two always reaches 4.5:1.
 */
export function textOn(color: string): string {
  const l = luminance(color);
  const onBlack = (l + 0.05) / 0.05;
  const onWhite = 1.05 / (l + 0.05);
  return onBlack >= onWhite ? "#000" : "#fff";
}

export function TagChip({ tag, children }: { tag: TagLike; children?: preact.ComponentChildren }) {
  return (
    <span class="tag" data-tag={tag.name} style={{ background: tag.color, color: textOn(tag.color) }}>
      {/* A long name ends in an ellipsis (CSS); the whole of it is on hover. */}
      <span class="tag-name" title={tag.name}>
        {tag.name}
      </span>
      {children}
    </span>
  );
}

export function TagChips({ tags }: { tags: TagLike[] }) {
  if (tags.length === 0) return null;
  return (
    <span class="tags">
      {tags.map((t) => (
        <TagChip key={t.id} tag={t} />
      ))}
    </span>
  );
}

/** Every tag, for pickers and the list filter. */
export function useAllTags(): TagLike[] {
  return useQuery(AllTagsDocument, {}).data?.tags ?? [];
}

/** The ticket's tags with remove buttons, and a picker adding one. */
export function TicketTags({
  number,
  tags,
  onChanged,
}: {
  number: number;
  tags: TagLike[];
  onChanged: () => Promise<void>;
}) {
  const all = useAllTags();
  const action = useAction();
  const on = new Set(tags.map((t) => t.id));
  const add = (tagId: string) =>
    action.run(async () => {
      ok((await mutate(AddTicketTagsDocument, { number, tagIds: [tagId] })).addTicketTags, "Ticket");
      await onChanged();
    });
  const remove = (tag: TagLike) =>
    action.run(async () => {
      const data = await mutate(RemoveTicketTagsDocument, { number, tagIds: [tag.id] });
      ok(data.removeTicketTags, "Ticket");
      await onChanged();
    });
  const choices = all.filter((t) => !on.has(t.id));
  return (
    <section class="panel" aria-labelledby="tags-title">
      <h2 id="tags-title">{t("Tags")}</h2>
      <ErrorNote error={action.error} />
      {tags.length === 0 ? (
        <p class="muted">{t("No tags.")}</p>
      ) : (
        <ul class="tags" aria-label={t("Tags of this ticket")}>
          {tags.map((tag) => (
            <li key={tag.id}>
              <TagChip tag={tag}>
                <button
                  type="button"
                  class="tag-remove"
                  disabled={action.busy}
                  aria-label={t("Remove tag {name}", { name: tag.name })}
                  onClick={() => void remove(tag)}
                >
                  ×
                </button>
              </TagChip>
            </li>
          ))}
        </ul>
      )}
      {choices.length > 0 && (
        <Field id="ticket-add-tag" label={t("Add a tag")}>
          <Select
            id="ticket-add-tag"
            value=""
            disabled={action.busy}
            options={[
              { value: "", label: t("Choose a tag…") },
              ...choices.map((t) => ({ value: t.id, label: t.name })),
            ]}
            onChange={(value) => {
              if (value) void add(value);
            }}
          />
        </Field>
      )}
    </section>
  );
}
