/** The staff reply box: canned responses (placeholders filled in), note switch, attachments. */
import { useEffect, useRef, useState } from "preact/hooks";
import { graphql } from "../../gql";
import { useAction, useQuery } from "../../hooks";
import { post } from "../../messages";
import { Field, FilePicker, FormError } from "../../ui";

const CannedForTicketDocument = graphql(`
  query CannedForTicket($departmentId: ID!, $number: Int!) {
    cannedResponses(departmentId: $departmentId) {
      id
      title
      rendered(ticketNumber: $number)
    }
  }
`);

export function Composer({
  number,
  departmentId,
  onSent,
  onActivity,
}: {
  number: number;
  departmentId: string;
  onSent: () => void;
  /** Called with true while something is being written, false when the box is empty again. */
  onActivity: (replying: boolean) => void;
}) {
  const [body, setBody] = useState("");
  const [note, setNote] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  const canned = useQuery(CannedForTicketDocument, { departmentId, number });
  const { busy, error, run } = useAction();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const writing = body.trim().length > 0;
  useEffect(() => onActivity(writing), [writing]);

  const insertCanned = (id: string) => {
    const chosen = canned.data?.cannedResponses.find((c) => c.id === id);
    if (!chosen) return;
    const area = textarea.current;
    const at = area ? area.selectionStart : body.length;
    const before = body.slice(0, at);
    const after = body.slice(at);
    const glue = before && !before.endsWith("\n") ? "\n\n" : "";
    setBody(`${before}${glue}${chosen.rendered}${after}`);
    requestAnimationFrame(() => area?.focus());
  };

  const submit = (e?: Event) => {
    e?.preventDefault();
    void run(async () => {
      await post({ number, body, files, note });
      setBody("");
      setFiles([]);
      onSent();
    });
  };

  const label = note ? "Internal note (staff only)" : "Reply to the client";
  return (
    <form class={`composer panel${note ? " writing-note" : ""}`} onSubmit={submit} aria-label="Reply">
      <div class="composer-tools">
        <div class="field inline">
          <label for="canned">Canned response</label>
          <select
            id="canned"
            value=""
            onChange={(e) => {
              insertCanned(e.currentTarget.value);
              e.currentTarget.value = "";
            }}
          >
            <option value="">Insert…</option>
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
            onChange={(e) => setNote(e.currentTarget.checked)}
          />{" "}
          Internal note instead of a reply
        </label>
      </div>
      <FormError error={error} fields={["body"]} />
      <Field id="reply-body" name="body" label={label} error={error}>
        <textarea
          id="reply-body"
          ref={textarea}
          rows={7}
          value={body}
          aria-keyshortcuts="Control+Enter"
          onInput={(e) => setBody(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit();
          }}
        />
      </Field>
      <FilePicker id="reply-files" files={files} onChange={setFiles} />
      <div class="actions">
        <button type="submit" class={note ? "note-button" : "primary"} disabled={busy || !writing}>
          {busy ? "Sending…" : note ? "Add internal note" : "Send reply"}
        </button>
        <small class="muted">Ctrl+Enter sends</small>
      </div>
    </form>
  );
}
