/** The staff reply box's tools: canned responses (placeholders filled in) and the note switch. */
import { graphql } from "../../../gql";
import { useQuery } from "../../../hooks";
import { t } from "../../../i18n";

const CannedForTicketDocument = graphql(`
  query CannedForTicket($departmentId: ID!, $number: Int!) {
    cannedResponses(departmentId: $departmentId) {
      id
      title
      rendered(ticketNumber: $number)
    }
  }
`);

export function ReplyTools({
  number,
  departmentId,
  insert,
  note,
  onNote,
}: {
  number: number;
  departmentId: string;
  /** Puts text at the reply box's cursor. */
  insert: (text: string) => void;
  note: boolean;
  onNote: (note: boolean) => void;
}) {
  const canned = useQuery(CannedForTicketDocument, { departmentId, number });
  return (
    <>
      <div class="field inline">
        <label for="canned">{t("Canned response")}</label>
        <select
          id="canned"
          value=""
          onChange={(e) => {
            const chosen = canned.data?.cannedResponses.find((c) => c.id === e.currentTarget.value);
            if (chosen) insert(chosen.rendered);
            e.currentTarget.value = "";
          }}
        >
          <option value="">{t("Insert…")}</option>
          {canned.data?.cannedResponses.map((c) => (
            <option key={c.id} value={c.id}>
              {c.title}
            </option>
          ))}
        </select>
      </div>
      <label class="switch">
        <input
          type="checkbox"
          role="switch"
          checked={note}
          aria-checked={note}
          onChange={(e) => onNote(e.currentTarget.checked)}
        />{" "}
        {t("Internal note instead of a reply")}
      </label>
    </>
  );
}
