/** Who else is viewing or replying to a ticket right now (collision detection). */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { mutateOverSocket } from "../../../api";
import { graphql } from "../../../gql";
import type { PresenceState, TicketPresenceSubscription } from "../../../gql/graphql";
import { useLive } from "../../../hooks";
import { t } from "../../../i18n";

const ReportPresenceDocument = graphql(`
  mutation ReportPresence($number: Int!, $state: PresenceState!) {
    reportPresence(number: $number, state: $state) {
      __typename
      ... on PresenceReport {
        heartbeatSeconds
      }
      ...ErrorFields
    }
  }
`);

const TicketPresenceDocument = graphql(`
  subscription TicketPresence($number: Int!) {
    ticketPresence(number: $number) {
      state
      since
      user {
        id
        name
      }
    }
  }
`);

type Present = TicketPresenceSubscription["ticketPresence"][number];

/**
 * Reports "viewing" (or "replying" while the reply box has text) over the socket every
 * heartbeat, and follows who else has the ticket open. Leaving the page ends the presence
 * subscription, which clears this user's presence at once; a dropped socket clears it too,
 * so after a reconnect the report is sent again.
 */
export function usePresence(
  number: number,
  active: boolean,
): { present: Present[]; setReplying: (replying: boolean) => void } {
  const [present, setPresent] = useState<Present[]>([]);
  const state = useRef<PresenceState>("VIEWING");
  const heartbeat = useRef(10);
  const report = useCallback(async () => {
    try {
      const data = await mutateOverSocket(ReportPresenceDocument, { number, state: state.current });
      if (data.reportPresence.__typename === "PresenceReport") {
        heartbeat.current = data.reportPresence.heartbeatSeconds;
      }
    } catch {
      // The socket is reconnecting; the resync after it reports again.
    }
  }, [number]);
  useLive(TicketPresenceDocument, { number }, (data) => setPresent(data.ticketPresence), {
    skip: !active,
    onResync: () => void report(),
  });
  useEffect(() => {
    if (!active) return undefined;
    let timer: number | undefined;
    let stopped = false;
    const beat = async () => {
      await report();
      if (!stopped) timer = window.setTimeout(beat, heartbeat.current * 1000);
    };
    void beat();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [active, report]);
  const setReplying = useCallback(
    (replying: boolean) => {
      const next: PresenceState = replying ? "REPLYING" : "VIEWING";
      if (next === state.current) return;
      state.current = next;
      void report();
    },
    [report],
  );
  return { present, setReplying };
}

export function Presence({ present, me }: { present: Present[]; me: string }) {
  const others = present.filter((p) => p.user.id !== me);
  return (
    <div class="presence" aria-live="polite" aria-label={t("Who else is here")}>
      {others.length === 0 ? (
        <span class="muted">{t("Nobody else has this ticket open.")}</span>
      ) : (
        <>
          <span class="muted">{t("Also here:")}</span>
          {others.map((p) => (
            <span
              key={p.user.id}
              class={`person ${p.state === "REPLYING" ? "replying" : "viewing"}`}
              data-user-id={p.user.id}
              data-state={p.state}
            >
              {p.user.name} {p.state === "REPLYING" ? t("is replying…") : t("is viewing")}
            </span>
          ))}
        </>
      )}
    </div>
  );
}
