/** The composer's draft, kept on the server per user and ticket (``saveDraft``): restored when
 * the ticket page loads (after a reload, in another browser), saved 1 s after the last change
 * and when the box loses focus, and removed by the server with the send. Attachments are not
 * kept. */
import { useEffect, useRef, useState } from "preact/hooks";
import { mutate, ok, query } from "../api";
import { graphql } from "../gql";

const TicketDraftDocument = graphql(`
  query TicketDraft($number: Int!) {
    ticket(number: $number) {
      id
      draft {
        body
        internal
      }
    }
  }
`);

const SaveDraftDocument = graphql(`
  mutation SaveDraft($number: Int!, $body: String!, $internal: Boolean!) {
    saveDraft(number: $number, body: $body, internal: $internal) {
      __typename
      ... on Ticket {
        id
      }
      ...ErrorFields
    }
  }
`);

export const DRAFT_DELAY_MS = 1000;

export type DraftState = "idle" | "saving" | "saved" | "failed";

export interface Draft {
  /** Saving, saved, or failed (the text stays in the box either way). */
  state: DraftState;
  /** Save now (the box lost focus). */
  flush: () => void;
  /** Before sending: holds further saves and waits for one on its way, so none lands after
   * the send (which removes the draft). */
  sending: () => Promise<void>;
  /** After the send: ``true`` when it went (the server removed the draft), ``false`` when it
   * was refused (the text stays and is saved again). */
  sent: (went: boolean) => void;
  /** Whether the box holds just the draft as last saved or restored (nothing typed since). */
  untouched: () => boolean;
}

export function useDraft(
  number: number,
  text: { body: string; internal: boolean },
  restore: (body: string, internal: boolean) => void,
): Draft {
  const [loaded, setLoaded] = useState(false);
  const [state, setState] = useState<DraftState>("idle");
  const saved = useRef({ body: "", internal: false });
  const latest = useRef(text);
  latest.current = text;
  const inFlight = useRef<Promise<void>>(Promise.resolve());
  const held = useRef(false);

  useEffect(() => {
    let live = true;
    setLoaded(false);
    saved.current = { body: "", internal: false };
    query(TicketDraftDocument, { number })
      .then((data) => {
        const draft = data.ticket?.draft;
        if (!live) return;
        if (draft) {
          saved.current = { body: draft.body, internal: draft.internal };
          // Something typed before the draft arrived wins (it is saved next).
          if (!latest.current.body.trim()) restore(draft.body, draft.internal);
          setState("saved");
        }
        setLoaded(true);
      })
      .catch(() => live && setLoaded(true));
    return () => {
      live = false;
    };
  }, [number]);

  const save = () => {
    if (held.current) return;
    const { body, internal } = latest.current;
    const was = saved.current;
    if (body === was.body && (internal === was.internal || !body.trim())) return;
    saved.current = { body, internal };
    setState("saving");
    inFlight.current = inFlight.current.then(async () => {
      try {
        ok((await mutate(SaveDraftDocument, { number, body, internal })).saveDraft, "Ticket");
        setState(body.trim() ? "saved" : "idle");
      } catch {
        saved.current = was; // try again on the next change
        setState("failed");
      }
    });
  };

  useEffect(() => {
    if (!loaded) return undefined;
    const timer = setTimeout(save, DRAFT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [loaded, text.body, text.internal]);

  return {
    state,
    flush: () => loaded && save(),
    sending: () => {
      held.current = true;
      return inFlight.current;
    },
    untouched: () => latest.current.body === saved.current.body,
    sent: (went) => {
      held.current = false;
      if (!went) return save();
      saved.current = { body: "", internal: latest.current.internal };
      setState("idle");
    },
  };
}
