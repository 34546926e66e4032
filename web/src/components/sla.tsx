/**
 * SLA countdowns for staff: the state's colour and the time left (or over) to the soonest due
 * time, counting down every second. The state turns AT_RISK and BREACHED here when its times
 * pass, without waiting for the server; the server's state wins on every refetch.
 */
import { useEffect, useState } from "preact/hooks";
import type { SlaState } from "../gql/graphql";
import { when } from "../format";
import { t, tk } from "../i18n";

const SECOND_TICKERS = new Set<() => void>();
setInterval(() => SECOND_TICKERS.forEach((tick) => tick()), 1_000);

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    SECOND_TICKERS.add(tick);
    return () => SECOND_TICKERS.delete(tick);
  }, []);
  return now;
}

export const SLA_LABEL: Record<SlaState, string> = {
  ON_TRACK: tk("On track"),
  AT_RISK: tk("At risk"),
  BREACHED: tk("Breached"),
  MET: tk("Met"),
  PAUSED: tk("Paused"),
  NONE: tk("No SLA"),
};

/** "2d 3h", "1h 05m", "4m 05s" (the units from the catalogue: German "4 min 05 s", SI symbols, shorter in the list). */
export function span(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return t("{d}d {h}h", { d, h });
  if (h > 0) return t("{h}h {m}m", { h, m: two(m) });
  return t("{m}m {s}s", { m, s: two(s % 60) });
}

/** The state now, from the server's state and the times it gave. */
export function stateNow(
  state: SlaState,
  dueAt: string | null | undefined,
  atRiskAt: string | null | undefined,
  now: number,
): SlaState {
  if (state !== "ON_TRACK" && state !== "AT_RISK") return state;
  if (dueAt && now >= Date.parse(dueAt)) return "BREACHED";
  if (atRiskAt && now >= Date.parse(atRiskAt)) return "AT_RISK";
  return state;
}

export function SlaCountdown({
  state,
  dueAt,
  atRiskAt,
  label,
}: {
  state: SlaState | null | undefined;
  dueAt: string | null | undefined;
  atRiskAt?: string | null;
  /** What is due, for the accessible name ("First response"). */
  label?: string;
}) {
  const now = useNow();
  if (!state || state === "NONE") return <span class="muted">—</span>;
  const shown = stateNow(state, dueAt, atRiskAt, now);
  const left = dueAt ? Date.parse(dueAt) - now : null;
  const time =
    left === null
      ? ""
      : left >= 0
        ? t("{span} left", { span: span(left) })
        : t("{span} over", { span: span(-left) });
  return (
    <span
      class={`badge sla sla-${shown.toLowerCase()}`}
      data-sla={shown}
      role="timer"
      title={dueAt ? t("Due {when}", { when: when(dueAt) }) : undefined}
      aria-label={`${label ? `${label}: ` : ""}${t(SLA_LABEL[shown])}${time ? `, ${time}` : ""}`}
    >
      {t(SLA_LABEL[shown])}
      {time && (
        <>
          <span class="sla-sep"> · </span>
          <span class="sla-time">{time}</span>
        </>
      )}
    </span>
  );
}

/** The ticket page's SLA panel: each target's due time with its own countdown. */
export function SlaPanel({
  ticket,
}: {
  ticket: {
    slaState?: SlaState | null;
    slaAtRiskAt?: string | null;
    slaDueAt?: string | null;
    firstResponseDueAt?: string | null;
    firstResponseAt?: string | null;
    nextResponseDueAt?: string | null;
    resolutionDueAt?: string | null;
  };
}) {
  const state = ticket.slaState;
  if (!state || state === "NONE") return null;
  const targets: [string, string | null | undefined][] = [
    [t("First response"), ticket.firstResponseAt ? null : ticket.firstResponseDueAt],
    [t("Next response"), ticket.nextResponseDueAt],
    [t("Resolution"), ticket.resolutionDueAt],
  ];
  const running = targets.filter(([, due]) => due);
  return (
    <section class="panel sla-panel" aria-label={t("Service level")}>
      <h2>
        {t("SLA")}{" "}
        <SlaCountdown state={state} dueAt={ticket.slaDueAt} atRiskAt={ticket.slaAtRiskAt} />
      </h2>
      <ul>
        {running.map(([name, due]) => (
          <li key={name}>
            {t("{name} due {when}:", { name, when: when(due as string) })}{" "}
            <SlaCountdown state="ON_TRACK" dueAt={due} label={name} />
          </li>
        ))}
        {ticket.firstResponseAt && (
          <li class="muted">
            {t("First response sent {when}", { when: when(ticket.firstResponseAt) })}
          </li>
        )}
        {running.length === 0 && <li class="muted">{t("No clock is running.")}</li>}
      </ul>
    </section>
  );
}
