/**
 * CC and followers. A ticket's CC addresses (the client's colleagues: they get the public
 * notifications by mail and may answer by mail, never see internal notes) with remove buttons
 * and a field adding one — on the client's and the staff ticket page — and, for staff, a
 * Follow button (a follower gets the ticket's mail, notes included, without being assigned).
 * Changes are live: the page refetches on the UPDATED event they send.
 */
import { useState } from "preact/hooks";
import { mutate, ok } from "../api";
import { graphql } from "../gql";
import { useAction } from "../hooks";
import { ErrorNote, Field, FormError } from "./ui";
import { t } from "../i18n";

const SetTicketCcsDocument = graphql(`
  mutation SetTicketCcs($number: Int!, $addresses: [String!]!) {
    setTicketCcs(number: $number, addresses: $addresses) {
      __typename
      ... on Ticket {
        id
        ccs
      }
      ...ErrorFields
    }
  }
`);

const FollowTicketDocument = graphql(`
  mutation FollowTicket($number: Int!) {
    followTicket(number: $number) {
      __typename
      ... on Ticket {
        id
        following
      }
      ...ErrorFields
    }
  }
`);

const UnfollowTicketDocument = graphql(`
  mutation UnfollowTicket($number: Int!) {
    unfollowTicket(number: $number) {
      __typename
      ... on Ticket {
        id
        following
      }
      ...ErrorFields
    }
  }
`);

export interface CcLike {
  name: string;
  email: string;
}

/** Addresses typed into one field: split on commas, semicolons and line breaks. */
export function splitAddresses(text: string): string[] {
  return text
    .split(/[,;\n]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The ticket's CC addresses, each with a remove button, and a field adding more. */
export function TicketCcs({
  number,
  ccs,
  onChanged,
}: {
  number: number;
  ccs: CcLike[];
  onChanged: () => Promise<void>;
}) {
  const action = useAction();
  const [adding, setAdding] = useState("");
  const save = (addresses: string[]) =>
    action.run(async () => {
      ok((await mutate(SetTicketCcsDocument, { number, addresses })).setTicketCcs, "Ticket");
      await onChanged();
      return true;
    });
  const current = ccs.map((c) => (c.name ? `${c.name} <${c.email}>` : c.email));
  const add = async (event: Event) => {
    event.preventDefault();
    const more = splitAddresses(adding);
    if (more.length === 0) return;
    if (await save([...current, ...more])) setAdding("");
  };
  return (
    <section class="panel cc-panel" aria-labelledby="cc-title">
      <h2 id="cc-title">{t("CC")}</h2>
      <p class="muted">{t("Colleagues copied here get our replies by email and may answer by email.")}</p>
      {ccs.length === 0 ? (
        <p class="muted">{t("Nobody is copied.")}</p>
      ) : (
        <ul class="cc-list" aria-label={t("Copied on this ticket")}>
          {ccs.map((c, i) => (
            <li key={c.email}>
              <span>{c.name ? `${c.name} <${c.email}>` : c.email}</span>{" "}
              <button
                type="button"
                class="link"
                disabled={action.busy}
                aria-label={t("Remove {address} from CC", { address: c.email })}
                onClick={() => void save(current.filter((_, j) => j !== i))}
              >
                {t("Remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void add(e)}>
        <Field id="ticket-add-cc" name="addresses" label={t("Add to CC")} error={action.error}>
          <input
            id="ticket-add-cc"
            type="text"
            value={adding}
            placeholder={t("name@example.com")}
            disabled={action.busy}
            onInput={(e) => setAdding((e.target as HTMLInputElement).value)}
          />
        </Field>
        <button type="submit" disabled={action.busy || !adding.trim()}>
          {t("Add")}
        </button>
      </form>
      <FormError error={action.error} fields={["addresses"]} />
    </section>
  );
}

/** Staff: follow the ticket (its mail, notes included) or stop, and who follows it. */
export function FollowTicket({
  number,
  following,
  followers,
  onChanged,
}: {
  number: number;
  following: boolean;
  followers: { id: string; name: string }[];
  onChanged: () => Promise<void>;
}) {
  const action = useAction();
  const toggle = () =>
    action.run(async () => {
      if (following) {
        ok((await mutate(UnfollowTicketDocument, { number })).unfollowTicket, "Ticket");
      } else {
        ok((await mutate(FollowTicketDocument, { number })).followTicket, "Ticket");
      }
      await onChanged();
    });
  return (
    <section class="panel follow-panel" aria-labelledby="follow-title">
      <h2 id="follow-title">{t("Followers")}</h2>
      <ErrorNote error={action.error} />
      <p class="muted" aria-live="polite">
        {followers.length === 0
          ? t("Nobody follows this ticket.")
          : t("Followed by {names}.", { names: followers.map((f) => f.name).join(", ") })}
      </p>
      <button type="button" aria-pressed={following} disabled={action.busy} onClick={() => void toggle()}>
        {following ? t("Unfollow") : t("Follow")}
      </button>
    </section>
  );
}
