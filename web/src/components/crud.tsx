/**
 * An admin page over one kind of record (departments, staff, canned responses): a card for each
 * record, holding its editor or actions, and a form to create one. Both forms are `Form`s, so
 * typed errors show at their fields. Each page configures it with its query, cards and fields.
 */
import type { ComponentChildren } from "preact";
import { useTitle } from "../hooks";
import { Form } from "./form";
import type { FormProps } from "./form";
import { ErrorNote } from "./ui";
import { t } from "../i18n";

type Values = Record<string, unknown>;
type FormSetup<V extends Values> = Pick<FormProps<V>, "initial" | "controls" | "onSubmit">;

/** A record's editor: its fields and how it saves. */
export type Editor<V extends Values> = FormSetup<V> & { label: string };

export function CrudPage<T extends { id: string }, E extends Values, C extends Values>({
  id,
  title,
  error,
  intro,
  items,
  card,
  cardClass,
  edit,
  empty,
  pager,
  create,
}: {
  id: string;
  title: string;
  /** Loading the list or acting on a record failed. */
  error?: unknown;
  /** A line under the heading. */
  intro?: ComponentChildren;
  items: T[] | undefined;
  /** What a record's card shows above its editor. */
  card: (item: T) => ComponentChildren;
  /** Classes beside "panel" for a record's card. */
  cardClass?: (item: T) => string;
  /** A record's editor (null: none yet), saved with "Save". */
  edit?: (item: T) => Editor<E> | null;
  /** Said when there are no records. */
  empty?: string;
  /** Under the cards, for a list that comes a page at a time. */
  pager?: ComponentChildren;
  /** The create form, with its heading and button. */
  create: FormSetup<C> & { heading: string; submit: string };
}) {
  useTitle(title);
  return (
    <section aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{title}</h1>
      <ErrorNote error={error} />
      {intro}
      <ul class="cards">
        {items?.map((item) => {
          const editor = edit?.(item);
          return (
            <li key={item.id} class={["panel", cardClass?.(item)].filter(Boolean).join(" ")}>
              {card(item)}
              {editor && (
                <Form
                  id={`${id}-${item.id}`}
                  class="row-form"
                  {...editor}
                  submit={t("Save")}
                  primary={false}
                  saved={t("Saved")}
                />
              )}
            </li>
          );
        })}
      </ul>
      {empty && items?.length === 0 && <p class="empty">{empty}</p>}
      {pager}
      <Form id={`new-${id}`} class="panel" {...create} reset />
    </section>
  );
}
