/**
 * Reports (staff: their departments; admins: all): each report as a chart (Chart.js, loaded
 * with this page only), its table and a CSV download of the same numbers from the server.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from "chart.js";
import type { ChartConfiguration } from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { ErrorNote, Select } from "../../components/ui";
import { graphql } from "../../gql";
import type { Granularity, ReportFieldsFragment, ReportUnit } from "../../gql/graphql";
import { useQuery, useTitle } from "../../hooks";
import { t, tk } from "../../i18n";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
);

export const ReportFields = graphql(`
  fragment ReportFields on Report {
    kind
    timeZone
    columns {
      key
      label
      unit
    }
    rows {
      key
      label
      group
      values
    }
  }
`);

const ReportsDocument = graphql(`
  query Reports($from: DateTime!, $to: DateTime!, $dept: ID, $granularity: Granularity) {
    departments {
      id
      name
    }
    volume: report(kind: TICKET_VOLUME, from: $from, to: $to, departmentId: $dept, granularity: $granularity) {
      __typename
      ...ReportFields
      ...ErrorFields
    }
    backlog: report(kind: BACKLOG, from: $from, to: $to, departmentId: $dept, granularity: $granularity) {
      __typename
      ...ReportFields
      ...ErrorFields
    }
    times: report(kind: RESPONSE_TIMES, from: $from, to: $to, departmentId: $dept) {
      __typename
      ...ReportFields
      ...ErrorFields
    }
    sla: report(kind: SLA_COMPLIANCE, from: $from, to: $to, departmentId: $dept) {
      __typename
      ...ReportFields
      ...ErrorFields
    }
    hours: report(kind: BUSIEST_HOURS, from: $from, to: $to, departmentId: $dept) {
      __typename
      ...ReportFields
      ...ErrorFields
    }
    csat: report(kind: SATISFACTION, from: $from, to: $to, departmentId: $dept, granularity: $granularity) {
      __typename
      ...ReportFields
      ...ErrorFields
    }
  }
`);

type Table = ReportFieldsFragment;
const COLOURS = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6"];

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function show(value: number | null | undefined, unit: ReportUnit): string {
  if (value === null || value === undefined) return "–";
  if (unit === "PERCENT") return `${value}%`;
  if (unit === "SECONDS") {
    const minutes = value / 60;
    return minutes < 120 ? `${Math.round(minutes)} min` : `${(minutes / 60).toFixed(1)} h`;
  }
  return String(value);
}

function rowLabel(row: Table["rows"][number]): string {
  return row.group === "staff" ? t("{name} (staff)", { name: row.label }) : row.label;
}

/** A canvas drawn by Chart.js from ``config``, redrawn when it changes. */
function ChartCanvas({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    // Labels and grid lines in the page's colours (dark mode included; styles.css).
    const css = getComputedStyle(canvas.current);
    Chart.defaults.color = css.getPropertyValue("--chart-text").trim() || Chart.defaults.color;
    Chart.defaults.borderColor =
      css.getPropertyValue("--chart-grid").trim() || Chart.defaults.borderColor;
    const chart = new Chart(canvas.current, {
      ...config,
      options: { animation: false, maintainAspectRatio: false, ...config.options },
    });
    return () => chart.destroy();
  }, [JSON.stringify(config)]);
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

function chartOf(kind: string, table: Table): ChartConfiguration {
  const labels = table.rows.map(rowLabel);
  const dataset = (index: number, extra: object = {}) => ({
    label: table.columns[index].label,
    data: table.rows.map((r) => r.values[index] ?? 0),
    backgroundColor: COLOURS[index % COLOURS.length],
    borderColor: COLOURS[index % COLOURS.length],
    ...extra,
  });
  if (kind === "BACKLOG") {
    return { type: "line", data: { labels, datasets: table.columns.map((_, i) => dataset(i)) } };
  }
  if (kind === "RESPONSE_TIMES") {
    const hours = (i: number) => ({
      label: t("{label} (h)", { label: table.columns[i].label }),
      data: table.rows.map((r) => Math.round((r.values[i] ?? 0) / 36) / 100),
      backgroundColor: COLOURS[i % COLOURS.length],
    });
    return { type: "bar", data: { labels, datasets: [hours(0), hours(1), hours(3), hours(4)] } };
  }
  if (kind === "SLA_COMPLIANCE") {
    return {
      type: "bar",
      data: { labels, datasets: [0, 1, 2].map((i) => dataset(i)) },
      options: { scales: { x: { stacked: true }, y: { stacked: true } } },
    };
  }
  if (kind === "SATISFACTION") {
    // Good and Bad as stacked bars, the score (% Good) as a line on its own axis.
    return {
      type: "bar",
      data: {
        labels,
        datasets: [
          { ...dataset(0), stack: "ratings", yAxisID: "y" },
          { ...dataset(1), stack: "ratings", yAxisID: "y" },
          { ...dataset(2), type: "line", yAxisID: "score", data: table.rows.map((r) => r.values[2]) },
        ],
      } as ChartConfiguration["data"],
      options: { scales: { y: { stacked: true }, score: { position: "right", min: 0, max: 100 } } },
    };
  }
  if (kind === "BUSIEST_HOURS") {
    return {
      type: "bar",
      data: {
        labels: table.columns.map((c) => c.label),
        datasets: table.rows.map((r, i) => ({
          label: r.label,
          data: r.values.map((v) => v ?? 0),
          backgroundColor: COLOURS[i % COLOURS.length],
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true } } },
    };
  }
  return { type: "bar", data: { labels, datasets: table.columns.map((_, i) => dataset(i)) } };
}

function DataTable({ table, heat }: { table: Table; heat: boolean }) {
  const top = Math.max(1, ...table.rows.flatMap((r) => r.values.map((v) => v ?? 0)));
  return (
    <div class="table-wrap">
      <table class="report">
        <thead>
          <tr>
            <th scope="col"></th>
            {table.columns.map((c) => (
              <th key={c.key} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{rowLabel(row)}</th>
              {row.values.map((v, i) => (
                <td
                  key={table.columns[i].key}
                  style={heat && v ? { background: `rgba(51, 102, 204, ${(v / top).toFixed(2)})` } : undefined}
                >
                  {show(v, table.columns[i].unit)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const TITLES: Record<string, string> = {
  TICKET_VOLUME: tk("Tickets opened and closed"),
  BACKLOG: tk("Backlog by status (end of each period)"),
  RESPONSE_TIMES: tk("First response and resolution times"),
  SLA_COMPLIANCE: tk("SLA compliance per target"),
  BUSIEST_HOURS: tk("Busiest hours (tickets opened)"),
  SATISFACTION: tk("Customer satisfaction (ratings given)"),
};

function Section({ result, csv }: { result: unknown; csv: string }) {
  const found = result as { __typename: string } & Partial<Table>;
  if (found.__typename !== "Report") return <ErrorNote error={new Error((result as { message: string }).message)} />;
  const table = found as Table;
  const title = TITLES[table.kind] ? t(TITLES[table.kind]) : table.kind;
  const id = `report-${table.kind.toLowerCase()}`;
  return (
    <section class="panel report-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {table.kind === "BUSIEST_HOURS" && <p class="muted">{t("Times in {zone}.", { zone: table.timeZone })}</p>}
      <ChartCanvas config={chartOf(table.kind, table)} label={title} />
      <DataTable table={table} heat={table.kind === "BUSIEST_HOURS"} />
      <a class="button" href={`/reports/${table.kind.toLowerCase()}.csv?${csv}`} download>
        {t("Download CSV")}
      </a>
    </section>
  );
}

export function Reports() {
  useTitle(t("Reports"));
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 29 * 86400000)));
  const [to, setTo] = useState(isoDay(today));
  const [dept, setDept] = useState("");
  const [granularity, setGranularity] = useState<Granularity>("DAY");
  const end = isoDay(new Date(new Date(`${to}T00:00:00Z`).getTime() + 86400000));
  const variables = {
    from: `${from}T00:00:00Z`,
    to: `${end}T00:00:00Z`,
    dept: dept || null,
    granularity,
  };
  const data = useQuery(ReportsDocument, variables, { skip: !from || !to });
  const csv = new URLSearchParams({
    from: variables.from,
    to: variables.to,
    granularity: granularity.toLowerCase(),
    ...(dept ? { departmentId: dept } : {}),
  }).toString();
  const d = data.data;
  const results = d ? [d.volume, d.backlog, d.times, d.sla, d.hours, d.csat] : [];
  // Bad dates fail every report alike: say so once, above the (empty) grid.
  const refusals = [
    ...new Set(
      results
        .filter((r) => r.__typename !== "Report")
        .map((r) => (r as { message: string }).message),
    ),
  ];
  const allRefused = results.length > 0 && refusals.length > 0 && results.every((r) => r.__typename !== "Report");
  return (
    <section class="reports">
      <h1>{t("Reports")}</h1>
      <form class="report-controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t("From")} <input type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          {t("To (inclusive)")} <input type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </label>
        <label>
          {t("Department")}{" "}
          <Select
            aria-label={t("Department")}
            value={dept}
            onChange={setDept}
            options={[
              { value: "", label: t("All my departments") },
              ...(d?.departments ?? []).map((x) => ({ value: x.id, label: x.name })),
            ]}
          />
        </label>
        <label>
          {t("Period")}{" "}
          <Select
            aria-label={t("Period")}
            value={granularity}
            onChange={(v) => setGranularity(v as Granularity)}
            options={[
              { value: "DAY", label: t("Day") },
              { value: "WEEK", label: t("Week") },
              { value: "MONTH", label: t("Month") },
            ]}
          />
        </label>
      </form>
      <ErrorNote error={data.error} />
      {data.loading && <p class="loading">{t("Loading…")}</p>}
      {allRefused && refusals.map((message) => <ErrorNote key={message} error={new Error(message)} />)}
      {d && !allRefused && (
        <div class="report-grid" aria-busy={data.loading}>
          {results.map((result, i) => (
            <Section key={i} result={result} csv={csv} />
          ))}
        </div>
      )}
    </section>
  );
}

export default Reports;
