/** Admin: service levels. Business hours per department, an SLA policy per department and
 * priority, and the escalation rules the worker runs every minute. */
import { useEffect, useRef, useState } from "preact/hooks";
import { mutate, ok } from "../../api";
import { Form } from "../../components/form";
import type { Control } from "../../components/form";
import { ErrorNote, Field, Select } from "../../components/ui";
import { PRIORITIES, PRIORITY_LABEL } from "../../format";
import { graphql } from "../../gql";
import type { SlaTarget, TicketPriority } from "../../gql/graphql";
import { useAction, useQuery, useTitle } from "../../hooks";
import { t, tk } from "../../i18n";

const AdminSlaDocument = graphql(`
  query AdminSla {
    departments {
      id
      name
    }
    staff: users(role: STAFF, first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
    businessHours {
      departmentId
      timezone
      windows {
        weekday
        opens
        closes
      }
      holidays
      version
    }
    slaPolicies {
      id
      departmentId
      priority
      firstResponseMinutes
      firstResponseBusinessHours
      nextResponseMinutes
      nextResponseBusinessHours
      resolutionMinutes
      resolutionBusinessHours
      atRiskPercent
      version
    }
    escalationRules {
      id
      name
      departmentId
      target
      atPercent
      notifyAssignee
      notifyDepartment
      notifyAdmins
      raisePriority
      reassignToId
      unassign
      active
    }
  }
`);

const SetBusinessHoursDocument = graphql(`
  mutation SetBusinessHours($input: BusinessHoursInput!) {
    setBusinessHours(input: $input) {
      __typename
      ... on BusinessHours {
        departmentId
      }
      ...ErrorFields
    }
  }
`);

const SetSlaPolicyDocument = graphql(`
  mutation SetSlaPolicy($input: SlaPolicyInput!) {
    setSlaPolicy(input: $input) {
      __typename
      ... on SlaPolicy {
        id
      }
      ...ErrorFields
    }
  }
`);

const DeleteSlaPolicyDocument = graphql(`
  mutation DeleteSlaPolicy($id: ID!) {
    deleteSlaPolicy(id: $id) {
      __typename
      ... on SlaPolicy {
        id
      }
      ...ErrorFields
    }
  }
`);

const CreateEscalationRuleDocument = graphql(`
  mutation CreateEscalationRule($input: EscalationRuleInput!) {
    createEscalationRule(input: $input) {
      __typename
      ... on EscalationRule {
        id
      }
      ...ErrorFields
    }
  }
`);

const DeleteEscalationRuleDocument = graphql(`
  mutation DeleteEscalationRule($id: ID!) {
    deleteEscalationRule(id: $id) {
      __typename
      ... on EscalationRule {
        id
      }
      ...ErrorFields
    }
  }
`);

const DAYS = [
  tk("Monday"),
  tk("Tuesday"),
  tk("Wednesday"),
  tk("Thursday"),
  tk("Friday"),
  tk("Saturday"),
  tk("Sunday"),
];
const TARGET_LABEL: Record<SlaTarget, string> = {
  FIRST_RESPONSE: tk("First response"),
  NEXT_RESPONSE: tk("Next response"),
  RESOLUTION: tk("Resolution"),
};
const YES_NO = [
  { value: "yes", get label() {
 return t("Yes");
} },
  { value: "no", get label() {
 return t("No");
} },
];
const HOURS_KIND = [
  { value: "business", get label() {
 return t("Business hours");
} },
  { value: "calendar", get label() {
 return t("Calendar hours");
} },
];

function minutes(value: string): number | null {
  return value.trim() === "" ? null : Number(value);
}

function duration(mins: number | null | undefined, business: boolean): string {
  if (mins == null) return "—";
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  const text = h ? (m ? t("{h} h {m} min", { h, m }) : t("{h} h", { h })) : t("{m} min", { m });
  return business ? t("{span} (business)", { span: text }) : t("{span} (calendar)", { span: text });
}

type HoursValues = Record<string, string>;
type PolicyValues = {
  departmentId: string;
  priority: string;
  firstResponseMinutes: string;
  firstResponseHours: string;
  nextResponseMinutes: string;
  nextResponseHours: string;
  resolutionMinutes: string;
  resolutionHours: string;
  atRiskPercent: string;
};
type Policy = {
  departmentId: string;
  priority: TicketPriority;
  firstResponseMinutes?: number | null;
  firstResponseBusinessHours: boolean;
  nextResponseMinutes?: number | null;
  nextResponseBusinessHours: boolean;
  resolutionMinutes?: number | null;
  resolutionBusinessHours: boolean;
  atRiskPercent: number;
  version: number;
};

/** The form's values for a department and priority: its policy as loaded, or the defaults for
 * a new one. */
function policyValues(departmentId: string, priority: string, policy: Policy | undefined): PolicyValues {
  const text = (m: number | null | undefined) => (m == null ? "" : String(m));
  const kind = (business: boolean) => (business ? "business" : "calendar");
  if (!policy) {
    return {
      departmentId,
      priority,
      firstResponseMinutes: "240",
      firstResponseHours: "business",
      nextResponseMinutes: "480",
      nextResponseHours: "business",
      resolutionMinutes: "2400",
      resolutionHours: "business",
      atRiskPercent: "75",
    };
  }
  return {
    departmentId,
    priority,
    firstResponseMinutes: text(policy.firstResponseMinutes),
    firstResponseHours: kind(policy.firstResponseBusinessHours),
    nextResponseMinutes: text(policy.nextResponseMinutes),
    nextResponseHours: kind(policy.nextResponseBusinessHours),
    resolutionMinutes: text(policy.resolutionMinutes),
    resolutionHours: kind(policy.resolutionBusinessHours),
    atRiskPercent: String(policy.atRiskPercent),
  };
}

/** "Set a policy": choosing a department and priority loads that policy's values and version
 * (a new policy starts from the defaults), so changing one target keeps the others. Saving
 * sends the version the form loaded: a policy changed meanwhile is refused, not overwritten. */
function PolicyForm({
  departments,
  policies,
  onSaved,
}: {
  departments: { value: string; label: string }[];
  policies: Policy[];
  onSaved: () => Promise<void>;
}) {
  const [choice, setChoice] = useState({ departmentId: departments[0]?.value ?? "", priority: "MEDIUM" });
  const [status, setStatus] = useState("");
  const changed = useRef<string | null>(null);
  const policy = policies.find((p) => p.departmentId === choice.departmentId && p.priority === choice.priority);
  const version = policy?.version ?? null;
  // A new choice remounts the form with that policy's values: keep the focus on the select.
  useEffect(() => {
    if (changed.current) document.getElementById(changed.current)?.focus();
    changed.current = null;
  }, [choice.departmentId, choice.priority]);

  const chooser = (key: "departmentId" | "priority", label: string, options: { value: string; label: string }[]) => ({
    name: key,
    label,
    render: ({ id, value }: { id: string; value: string }) => (
      <Field key={key} id={id} name={key} label={label}>
        <Select
          id={id}
          value={value}
          options={options}
          onChange={(next) => {
            changed.current = id;
            setStatus("");
            setChoice((old) => ({ ...old, [key]: next }));
          }}
        />
      </Field>
    ),
  });
  const controls: Control<PolicyValues>[] = [
    chooser("departmentId", t("Department"), departments),
    chooser(
      "priority",
      t("Priority"),
      PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABEL[p] })),
    ),
    { name: "firstResponseMinutes", label: t("First response (minutes)"), type: "number", min: 1 },
    { name: "firstResponseHours", label: t("First response counts"), type: "select", options: HOURS_KIND },
    { name: "nextResponseMinutes", label: t("Next response (minutes)"), type: "number", min: 1 },
    { name: "nextResponseHours", label: t("Next response counts"), type: "select", options: HOURS_KIND },
    { name: "resolutionMinutes", label: t("Resolution (minutes)"), type: "number", min: 1 },
    { name: "resolutionHours", label: t("Resolution counts"), type: "select", options: HOURS_KIND },
    { name: "atRiskPercent", label: t("At risk from (% of a target)"), type: "number", min: 1 },
  ];

  return (
    <>
      <Form
        key={`${choice.departmentId}|${choice.priority}|${version ?? "new"}`}
        id="new-policy"
        class="panel"
        heading={t("Set a policy")}
        submit={t("Save policy")}
        initial={policyValues(choice.departmentId, choice.priority, policy)}
        controls={controls}
        onSubmit={async (v) => {
          setStatus("");
          ok(
            (
              await mutate(SetSlaPolicyDocument, {
                input: {
                  departmentId: v.departmentId,
                  priority: v.priority as TicketPriority,
                  firstResponseMinutes: minutes(v.firstResponseMinutes),
                  firstResponseBusinessHours: v.firstResponseHours === "business",
                  nextResponseMinutes: minutes(v.nextResponseMinutes),
                  nextResponseBusinessHours: v.nextResponseHours === "business",
                  resolutionMinutes: minutes(v.resolutionMinutes),
                  resolutionBusinessHours: v.resolutionHours === "business",
                  atRiskPercent: Number(v.atRiskPercent),
                  // The policy as this form loaded it (none: a new one).
                  expectedVersion: version,
                },
              })
            ).setSlaPolicy,
            "SlaPolicy",
          );
          await onSaved();
          // The saved policy's new version remounts the form with what was saved.
          setStatus(t("Saved"));
        }}
      />
      {status && (
        <p class="ok" role="status">
          {status}
        </p>
      )}
    </>
  );
}

type RuleValues = {
  name: string;
  target: string;
  atPercent: string;
  departmentId: string;
  notifyAssignee: string;
  notifyDepartment: string;
  notifyAdmins: string;
  raisePriority: string;
  reassignToId: string;
};

export function SlaSettings() {
  useTitle(t("Service levels"));
  const data = useQuery(AdminSlaDocument, {});
  const action = useAction();
  const departments = data.data?.departments ?? [];
  const staff = data.data?.staff.edges.map((e) => e.node) ?? [];
  const name = (id: string | null | undefined) =>
    id ? (departments.find((d) => d.id === id)?.name ?? `#${id}`) : t("Any department");
  const departmentOptions = departments.map((d) => ({ value: d.id, label: d.name }));

  const hoursControls: Control<HoursValues>[] = [
    { name: "timezone", label: t("Time zone"), hint: t("IANA name, e.g. Europe/Berlin"), required: true },
    ...DAYS.map((day, i) => ({
      name: `day${i + 1}`,
      label: t(day),
      hint: t("Opening hours as HH:MM-HH:MM, several separated by commas; empty: closed"),
    })),
    { name: "holidays", label: t("Holidays"), hint: t("Dates closed all day, YYYY-MM-DD, comma-separated") },
  ];

  const ruleControls: Control<RuleValues>[] = [
    { name: "name", label: t("Name"), required: true, maxLength: 100 },
    {
      name: "target",
      label: t("Target"),
      type: "select",
      options: Object.entries(TARGET_LABEL).map(([value, label]) => ({ value, label: t(label) })),
    },
    { name: "atPercent", label: t("At (% of the target; 100 = at breach)"), type: "number", min: 1 },
    {
      name: "departmentId",
      label: t("Department"),
      type: "select",
      options: [{ value: "", label: t("Any department") }, ...departmentOptions],
    },
    { name: "notifyAssignee", label: t("Notify the assignee"), type: "select", options: YES_NO },
    { name: "notifyDepartment", label: t("Notify the department's staff"), type: "select", options: YES_NO },
    { name: "notifyAdmins", label: t("Notify the admins"), type: "select", options: YES_NO },
    { name: "raisePriority", label: t("Raise the priority"), type: "select", options: YES_NO },
    {
      name: "reassignToId",
      label: t("Reassign to"),
      type: "select",
      options: [
        { value: "", label: t("Keep the assignee") },
        { value: "unassign", label: t("Unassign") },
        ...staff.map((s) => ({ value: s.id, label: s.name })),
      ],
    },
  ];

  return (
    <section aria-labelledby="sla-title">
      <h1 id="sla-title">{t("Service levels")}</h1>
      <ErrorNote error={data.error ?? action.error} />
      <p class="muted">
        {t(
          "Targets per department and priority, counted in the department's business hours or in calendar hours. Changes apply to new tickets and to each ticket at its next change.",
        )}
      </p>

      <h2>{t("Business hours")}</h2>
      <ul class="cards">
        {departments.map((d) => {
          const hours = data.data?.businessHours.find((h) => h.departmentId === d.id);
          const initial: HoursValues = {
            timezone: hours?.timezone ?? "UTC",
            holidays: (hours?.holidays ?? []).join(", "),
          };
          DAYS.forEach((_, i) => {
            initial[`day${i + 1}`] = (hours?.windows ?? [])
              .filter((w) => w.weekday === i + 1)
              .map((w) => `${w.opens}-${w.closes}`)
              .join(", ");
          });
          if (!hours) for (let i = 1; i <= 5; i++) initial[`day${i}`] = "09:00-17:00";
          return (
            <li key={d.id} class="panel" data-department={d.name}>
              <h3>
                {d.name} {hours ? "" : <span class="muted">{t("(around the clock until saved)")}</span>}
              </h3>
              <Form
                id={`hours-${d.id}`}
                class="row-form"
                initial={initial}
                controls={hoursControls}
                submit={t("Save hours")}
                primary={false}
                saved={t("Saved")}
                onSubmit={async (v) => {
                  const windows = DAYS.flatMap((_, i) =>
                    (v[`day${i + 1}`] ?? "")
                      .split(",")
                      .map((s) => s.trim())
                      .filter(Boolean)
                      .map((span) => {
                        const [opens, closes] = span.split("-").map((t) => t.trim());
                        return { weekday: i + 1, opens: opens ?? "", closes: closes ?? "" };
                      }),
                  );
                  const holidays = (v.holidays ?? "")
                    .split(",")
                    .map((s) => s.trim())
                    .filter(Boolean);
                  ok(
                    (
                      await mutate(SetBusinessHoursDocument, {
                        input: {
                          departmentId: d.id,
                          timezone: v.timezone ?? "",
                          windows,
                          holidays,
                          expectedVersion: hours?.version ?? null,
                        },
                      })
                    ).setBusinessHours,
                    "BusinessHours",
                  );
                  await data.refetch();
                }}
              />
            </li>
          );
        })}
      </ul>

      <h2>{t("SLA policies")}</h2>
      <table class="tickets sla-policies">
        <thead>
          <tr>
            <th scope="col">{t("Department")}</th>
            <th scope="col">{t("Priority")}</th>
            <th scope="col">{t("First response")}</th>
            <th scope="col">{t("Next response")}</th>
            <th scope="col">{t("Resolution")}</th>
            <th scope="col">{t("At risk")}</th>
            <th scope="col">
              <span class="sr-only">{t("Actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data.data?.slaPolicies.map((p) => (
            <tr key={p.id}>
              <td>{name(p.departmentId)}</td>
              <td>{PRIORITY_LABEL[p.priority]}</td>
              <td>{duration(p.firstResponseMinutes, p.firstResponseBusinessHours)}</td>
              <td>{duration(p.nextResponseMinutes, p.nextResponseBusinessHours)}</td>
              <td>{duration(p.resolutionMinutes, p.resolutionBusinessHours)}</td>
              <td>{p.atRiskPercent} %</td>
              <td>
                <button
                  type="button"
                  class="danger"
                  onClick={() =>
                    void action.run(async () => {
                      ok((await mutate(DeleteSlaPolicyDocument, { id: p.id })).deleteSlaPolicy, "SlaPolicy");
                      await data.refetch();
                    })
                  }
                >
                  {t("Delete")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.data?.slaPolicies.length === 0 && <p class="empty">{t("No SLA policies yet.")}</p>}
      {/* Only once the departments are in: the form starts from the first department's policy. */}
      {data.data && (
        <PolicyForm
          departments={departmentOptions}
          policies={data.data.slaPolicies}
          onSaved={async () => {
            await data.refetch();
          }}
        />
      )}

      <h2>{t("Escalation rules")}</h2>
      <ul class="cards">
        {data.data?.escalationRules.map((r) => (
          <li key={r.id} class="panel" data-rule={r.name}>
            <h3>{r.name}</h3>
            <p>
              {t(TARGET_LABEL[r.target])}{" "}
              {r.atPercent >= 100 ? t("breached") : t("at {percent} %", { percent: r.atPercent })} ·{" "}
              {name(r.departmentId)}
            </p>
            <p class="muted">
              {[
                r.notifyAssignee && t("notify the assignee"),
                r.notifyDepartment && t("notify the department"),
                r.notifyAdmins && t("notify the admins"),
                r.raisePriority && t("raise the priority"),
                r.reassignToId &&
                  t("reassign to {name}", {
                    name: staff.find((s) => s.id === r.reassignToId)?.name ?? `#${r.reassignToId}`,
                  }),
                r.unassign && t("unassign"),
              ]
                .filter(Boolean)
                .join(", ")}
            </p>
            <button
              type="button"
              class="danger"
              onClick={() =>
                void action.run(async () => {
                  ok(
                    (await mutate(DeleteEscalationRuleDocument, { id: r.id })).deleteEscalationRule,
                    "EscalationRule",
                  );
                  await data.refetch();
                })
              }
            >
              {t("Delete")} <span class="sr-only">{r.name}</span>
            </button>
          </li>
        ))}
      </ul>
      {data.data?.escalationRules.length === 0 && <p class="empty">{t("No escalation rules yet.")}</p>}
      <Form
        id="new-rule"
        class="panel"
        heading={t("New escalation rule")}
        submit={t("Create rule")}
        reset
        initial={{
          name: "",
          target: "FIRST_RESPONSE",
          atPercent: "75",
          departmentId: "",
          notifyAssignee: "yes",
          notifyDepartment: "no",
          notifyAdmins: "no",
          raisePriority: "no",
          reassignToId: "",
        }}
        controls={ruleControls}
        onSubmit={async (v) => {
          ok(
            (
              await mutate(CreateEscalationRuleDocument, {
                input: {
                  name: v.name,
                  target: v.target as SlaTarget,
                  atPercent: Number(v.atPercent),
                  departmentId: v.departmentId || null,
                  notifyAssignee: v.notifyAssignee === "yes",
                  notifyDepartment: v.notifyDepartment === "yes",
                  notifyAdmins: v.notifyAdmins === "yes",
                  raisePriority: v.raisePriority === "yes",
                  reassignToId: v.reassignToId && v.reassignToId !== "unassign" ? v.reassignToId : null,
                  unassign: v.reassignToId === "unassign",
                },
              })
            ).createEscalationRule,
            "EscalationRule",
          );
          await data.refetch();
        }}
      />
    </section>
  );
}
