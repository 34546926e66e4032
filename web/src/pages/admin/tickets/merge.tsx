/** "Merge into…" on the staff ticket page: pick the target by number, words or client, confirm
 * (and, for tickets of different clients, confirm that too), then follow to the target. */
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { mutate, ok } from "../../../api";
import { ErrorNote, Field } from "../../../components/ui";
import { graphql } from "../../../gql";
import { useAction, useDebounced, useQuery } from "../../../hooks";
import { t } from "../../../i18n";

const MergeCandidatesDocument = graphql(`
  query MergeCandidates($search: String!) {
    tickets(filter: { search: $search }, sort: { field: RELEVANCE, direction: DESC }, first: 8) {
      edges {
        node {
          id
          number
          subject
          status
          client {
            id
            name
          }
          mergedInto {
            number
          }
        }
      }
    }
  }
`);

const MergeTicketsDocument = graphql(`
  mutation MergeTickets($source: Int!, $target: Int!, $differentClients: Boolean!) {
    mergeTickets(source: $source, target: $target, differentClients: $differentClients) {
      __typename
      ... on MergedTickets {
        target {
          number
        }
      }
      ...ErrorFields
    }
  }
`);

interface Candidate {
  number: number;
  subject: string;
  client: { id: string; name: string };
}

export function MergeInto({
  number,
  client,
}: {
  number: number;
  client: { id: string; name: string };
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [search, setSearch] = useState("");
  const pushSearch = useDebounced(() => setSearch(text.trim()), 250);
  const [target, setTarget] = useState<Candidate | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const action = useAction();
  const { route } = useLocation();
  const found = useQuery(MergeCandidatesDocument, { search }, { skip: !open || !search });
  const candidates = (found.data?.tickets.edges ?? [])
    .map((e) => e.node)
    // A ticket already merged is closed for good: never a target.
    .filter((t) => t.number !== number && !t.mergedInto);
  const different = target !== null && target.client.id !== client.id;

  const merge = () =>
    action.run(async () => {
      if (!target) return;
      const data = await mutate(MergeTicketsDocument, {
        source: number,
        target: target.number,
        differentClients: different && confirmed,
      });
      const merged = ok(data.mergeTickets, "MergedTickets");
      route(`/admin/tickets/${merged.target.number}`);
    });

  if (!open) {
    return (
      <section class="panel" aria-label={t("Merge")}>
        <button type="button" onClick={() => setOpen(true)}>
          {t("Merge into…")}
        </button>
      </section>
    );
  }
  return (
    <section class="panel merge" aria-labelledby="merge-title">
      <h2 id="merge-title">{t("Merge #{number} into another ticket", { number })}</h2>
      <Field id="merge-search" label={t("Find the ticket to keep")}>
        <input
          id="merge-search"
          type="search"
          placeholder={t("Number, words or client")}
          maxLength={200}
          value={text}
          onInput={(e) => {
            setText(e.currentTarget.value);
            pushSearch();
          }}
        />
      </Field>
      {search && candidates.length === 0 && !found.loading && (
        <p class="muted">{t("No other ticket matches.")}</p>
      )}
      <ul class="merge-candidates">
        {candidates.map((c) => (
          <li key={c.id}>
            <label>
              <input
                type="radio"
                name="merge-target"
                value={c.number}
                checked={target?.number === c.number}
                onChange={() => {
                  setTarget(c);
                  setConfirmed(false);
                }}
              />{" "}
              #{c.number} {c.subject} <span class="muted">({c.client.name})</span>
            </label>
          </li>
        ))}
      </ul>
      {target && (
        <div class="merge-confirm" role="group" aria-label={t("Confirm the merge")}>
          <p>
            {t(
              "Merge #{number} into #{target}? Its messages, notes and files move to #{target}, and #{number} is closed with a note saying where it went.",
              { number, target: target.number },
            )}
          </p>
          {different && (
            <label class="warning">
              <input
                type="checkbox"
                checked={confirmed}
                onChange={(e) => setConfirmed(e.currentTarget.checked)}
              />{" "}
              {t(
                "These tickets belong to different clients ({client} and {other}). Merge anyway: {other} will not see {client}'s messages (they join as internal notes).",
                { client: client.name, other: target.client.name },
              )}
            </label>
          )}
          <div class="actions">
            <button
              type="button"
              class="primary"
              disabled={action.busy || (different && !confirmed)}
              onClick={() => void merge()}
            >
              {t("Merge into #{number}", { number: target.number })}
            </button>
            <button
              type="button"
              onClick={() => {
                setOpen(false);
                setTarget(null);
              }}
            >
              {t("Cancel")}
            </button>
          </div>
        </div>
      )}
      <ErrorNote error={action.error} />
    </section>
  );
}
