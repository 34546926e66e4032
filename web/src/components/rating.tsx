/**
 * Customer satisfaction: the rating badge (staff list and ticket page), the client's rating form
 * on a closed ticket of the portal, and the page a mailed one-click link opens.
 */
import { useEffect, useState } from "preact/hooks";
import { mutate, ok } from "../api";
import { graphql } from "../gql";
import type { RateByLinkMutation, RatingScore } from "../gql/graphql";
import { useAction, useTitle } from "../hooks";
import { ErrorNote, Time } from "./ui";
import { t } from "../i18n";

export const SCORE_LABEL: Record<RatingScore, string> = { GOOD: "Good", BAD: "Bad" };

/** A page's ratings (staff lists only): `tickets(...) { ...TicketRows ...TicketRatingRows }`. */
export const TicketRatingRowsDoc = graphql(`
  fragment TicketRatingRows on TicketConnection {
    edges {
      node {
        id
        rating {
          score
          comment
        }
      }
    }
  }
`);

export interface RatingLike {
  score: RatingScore;
  comment?: string | null;
  ratedAt?: string;
}

export function RatingBadge({ rating }: { rating: RatingLike | null | undefined }) {
  if (!rating) return <span class="muted">—</span>;
  return (
    <span
      class={`badge rating-${rating.score.toLowerCase()}`}
      data-score={rating.score}
      title={rating.comment ?? undefined}
    >
      {SCORE_LABEL[rating.score]}
    </span>
  );
}

/** The staff ticket page's line about the rating (nothing when not rated). */
export function RatingFact({ rating }: { rating: RatingLike | null | undefined }) {
  if (!rating) return null;
  return (
    <p class="rating-fact" aria-label={t("Customer satisfaction")}>
      {t("Client's rating:")} <RatingBadge rating={rating} />
      {rating.ratedAt && (
        <>
          {" "}
          · <Time iso={rating.ratedAt} />
        </>
      )}
      {rating.comment && <q class="rating-comment">{rating.comment}</q>}
    </p>
  );
}

const RateTicketDocument = graphql(`
  mutation RateTicket($number: Int!, $score: RatingScore!, $comment: String) {
    rateTicket(number: $number, score: $score, comment: $comment) {
      __typename
      ... on Rating {
        score
        comment
        ratedAt
      }
      ...ErrorFields
    }
  }
`);

/** The portal's form on a closed ticket: Good or Bad, an optional comment; again to change. */
export function RateTicket({
  number,
  rating,
  onRated,
}: {
  number: number;
  rating: RatingLike | null | undefined;
  onRated: () => Promise<void>;
}) {
  const [score, setScore] = useState<RatingScore | null>(rating?.score ?? null);
  const [comment, setComment] = useState(rating?.comment ?? "");
  const [changing, setChanging] = useState(false);
  const action = useAction();
  const send = (e: Event) => {
    e.preventDefault();
    if (!score) return;
    void action.run(async () => {
      ok((await mutate(RateTicketDocument, { number, score, comment })).rateTicket, "Rating");
      setChanging(false);
      await onRated();
    });
  };
  if (rating && !changing) {
    return (
      <section class="rating panel" aria-labelledby="rating-title">
        <h2 id="rating-title">{t("Your rating")}</h2>
        <p id="rating-given" role="status">
          {t("You rated this ticket")} <RatingBadge rating={rating} />
          {rating.comment && (
            <>
              : <q>{rating.comment}</q>
            </>
          )}
          . {t("Thank you!")}
        </p>
        <button type="button" class="link" onClick={() => setChanging(true)}>
          {t("Change my rating")}
        </button>
      </section>
    );
  }
  return (
    <form class="rating panel" aria-labelledby="rating-title" onSubmit={send}>
      <h2 id="rating-title">{t("How did we do?")}</h2>
      <div role="radiogroup" aria-label={t("Your rating")} class="rating-choices">
        {(["GOOD", "BAD"] as const).map((s) => (
          <label key={s} class={`rating-choice rating-${s.toLowerCase()}`}>
            <input type="radio" name="score" checked={score === s} onChange={() => setScore(s)} />{" "}
            {SCORE_LABEL[s]}
          </label>
        ))}
      </div>
      <label for="rating-comment">{t("Comment (optional)")}</label>
      <textarea
        id="rating-comment"
        rows={3}
        maxLength={2000}
        value={comment}
        onInput={(e) => setComment(e.currentTarget.value)}
      />
      <ErrorNote error={action.error} />
      <button type="submit" class="primary" disabled={!score || action.busy}>
        {action.busy ? t("Sending…") : t("Send my rating")}
      </button>
    </form>
  );
}

const RateByLinkDocument = graphql(`
  mutation RateByLink($token: String!, $score: RatingScore, $comment: String) {
    rateByLink(token: $token, score: $score, comment: $comment) {
      __typename
      ... on RatingLink {
        ticketNumber
        ticketSubject
        recorded
        canComment
        rating {
          score
          comment
          ratedAt
        }
      }
      ...ErrorFields
    }
  }
`);

type RatingLinkOutcome = Extract<RateByLinkMutation["rateByLink"], { __typename: "RatingLink" }>;

/** The token and score of the link, from the page's fragment (#token=…&score=good). */
function fromFragment(): { token: string; score: RatingScore | null } {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const score = params.get("score")?.toUpperCase();
  return {
    token: params.get("token") ?? "",
    score: score === "GOOD" || score === "BAD" ? score : null,
  };
}

/**
 * /rate#token=…&score=good: the page a mailed rating link opens, without signing in. Opening
 * it records the score once (a POST; the server's GET of this page changes nothing, and the
 * token never reaches it: it is in the fragment). A second click, or the other score, shows the
 * rating given. The comment is added here with the same link.
 */
export function RateByLink() {
  useTitle(t("Rate your ticket"));
  const [{ token, score }] = useState(fromFragment);
  const [outcome, setOutcome] = useState<RatingLinkOutcome | null>(null);
  const [comment, setComment] = useState("");
  const first = useAction();
  const commenting = useAction();
  useEffect(() => {
    if (!token) return;
    void first.run(async () => {
      const data = await mutate(RateByLinkDocument, { token, score });
      setOutcome(ok(data.rateByLink, "RatingLink"));
    });
  }, [token, score]);
  const sendComment = (e: Event) => {
    e.preventDefault();
    void commenting.run(async () => {
      const data = await mutate(RateByLinkDocument, { token, comment });
      // Still the thank-you of the click that recorded the score, now with the comment.
      const added = ok(data.rateByLink, "RatingLink");
      setOutcome((old) => ({ ...added, recorded: old?.recorded ?? added.recorded }));
    });
  };
  const rating = outcome?.rating;
  return (
    <section class="panel narrow" aria-labelledby="rate-title">
      <h1 id="rate-title">{t("Rate your ticket")}</h1>
      {!token ? (
        <p>{t("This page needs the link from your mail.")}</p>
      ) : first.error ? (
        <ErrorNote error={first.error} />
      ) : !outcome ? (
        <p class="loading">{t("Recording your rating…")}</p>
      ) : (
        <div id="rate-done" class="ok" role="status">
          <p>
            {t("Ticket #{number}", { number: outcome.ticketNumber })} {outcome.ticketSubject}
          </p>
          {rating ? (
            <p>
              {outcome.recorded ? t("Thank you! You rated it") : t("You already rated it")}{" "}
              <RatingBadge rating={rating} />
              {!outcome.recorded && rating.ratedAt && (
                <>
                  {" "}
                  (<Time iso={rating.ratedAt} />)
                </>
              )}
              .
              {rating.comment && (
                <>
                  {" "}
                  {t("Your comment:")} <q>{rating.comment}</q>
                </>
              )}
            </p>
          ) : (
            <p>{t("This ticket is not rated yet.")}</p>
          )}
          {!outcome.recorded && rating && (
            <p class="muted">
              {t("A link rates once; to change your rating, sign in and open the ticket.")}
            </p>
          )}
        </div>
      )}
      {outcome?.canComment && (
        <form id="rate-comment" onSubmit={sendComment} aria-label={t("Add a comment")}>
          <label for="rate-comment-text">{t("Anything to add? (optional)")}</label>
          <textarea
            id="rate-comment-text"
            rows={4}
            maxLength={2000}
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
          <ErrorNote error={commenting.error} />
          <button type="submit" class="primary" disabled={!comment.trim() || commenting.busy}>
            {commenting.busy ? t("Sending…") : t("Send comment")}
          </button>
        </form>
      )}
    </section>
  );
}
