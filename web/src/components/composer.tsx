/** The reply box under a thread: text (Ctrl+Enter sends), attachments, and whatever tools the
 * page adds. Staff post replies or internal notes; clients post replies. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { mutate, ok } from "../api";
import { graphql } from "../gql";
import { useAction } from "../hooks";
import { Field, FilePicker, FormError } from "./ui";

const ReplyDocument = graphql(`
  mutation ReplyToTicket($input: ReplyInput!) {
    replyToTicket(input: $input) {
      __typename
      ... on Message {
        id
      }
      ...ErrorFields
    }
  }
`);

const NoteDocument = graphql(`
  mutation AddInternalNote($input: NoteInput!) {
    addInternalNote(input: $input) {
      __typename
      ... on Message {
        id
      }
      ...ErrorFields
    }
  }
`);

/** Sends a reply (or, with ``note``, an internal note); files go as a multipart upload. */
async function post(number: number, body: string, files: File[], note: boolean): Promise<string> {
  const input = { number, body, attachments: files.length ? files : null };
  if (note) return ok((await mutate(NoteDocument, { input })).addInternalNote, "Message").id;
  return ok((await mutate(ReplyDocument, { input })).replyToTicket, "Message").id;
}

export function Composer({
  number,
  label,
  rows,
  note = false,
  onSent,
  onWriting,
  tools,
  notice,
  actions,
  footer,
}: {
  number: number;
  /** The text box's label. */
  label: string;
  rows: number;
  /** Post an internal note instead of a reply (staff). */
  note?: boolean;
  /** After a post; the button says "Sending…" until what it returns settles. */
  onSent: () => Promise<void> | void;
  /** Called with true while something is being written, false when the box is empty again. */
  onWriting?: (writing: boolean) => void;
  /** Controls above the text box; ``insert`` puts text at the cursor. */
  tools?: (insert: (text: string) => void) => ComponentChildren;
  /** Shown between the text box and the attachments. */
  notice?: ComponentChildren;
  /** More buttons or hints beside the send button. */
  actions?: ComponentChildren;
  /** Shown below the buttons. */
  footer?: ComponentChildren;
}) {
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const { busy, error, run } = useAction();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const writing = body.trim().length > 0;
  useEffect(() => onWriting?.(writing), [writing]);

  const insert = (text: string) => {
    const area = textarea.current;
    const at = area ? area.selectionStart : body.length;
    const before = body.slice(0, at);
    const after = body.slice(at);
    const glue = before && !before.endsWith("\n") ? "\n\n" : "";
    setBody(`${before}${glue}${text}${after}`);
    requestAnimationFrame(() => area?.focus());
  };

  const submit = (e?: Event) => {
    e?.preventDefault();
    void run(async () => {
      await post(number, body, files, note);
      setBody("");
      setFiles([]);
      await onSent();
    });
  };

  return (
    <form class={`composer panel${note ? " writing-note" : ""}`} onSubmit={submit} aria-label="Reply">
      {tools && <div class="composer-tools">{tools(insert)}</div>}
      <FormError error={error} fields={["body"]} />
      <Field id="reply-body" name="body" label={label} error={error}>
        <textarea
          id="reply-body"
          ref={textarea}
          rows={rows}
          value={body}
          aria-keyshortcuts="Control+Enter"
          onInput={(e) => setBody(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit();
          }}
        />
      </Field>
      {notice}
      <FilePicker id="reply-files" files={files} onChange={setFiles} />
      <div class="actions">
        <button type="submit" class={note ? "note-button" : "primary"} disabled={busy || !writing}>
          {busy ? "Sending…" : note ? "Add internal note" : "Send reply"}
        </button>
        {actions}
      </div>
      {footer}
    </form>
  );
}
