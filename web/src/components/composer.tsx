/** The reply box under a thread: text (Ctrl+Enter sends), attachments, and whatever tools the
 * page adds. Staff post replies or internal notes; clients post replies. A message that arrives
 * from someone else while the box has text is announced above it, before the writer sends. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { mutate, ok } from "../api";
import { graphql } from "../gql";
import { useAction } from "../hooks";
import { useSession } from "../session";
import { ConfirmDialog } from "./confirm";
import { WritePreview } from "./markdown";
import { useLeaveGuard } from "./leave-guard";
import type { ThreadMessage } from "./thread";
import { useDraft } from "./use-draft";
import type { DraftState } from "./use-draft";
import { Field, FilePicker, FormError } from "./ui";
import type { Option } from "./ui";
import { t, tn } from "../i18n";

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

const lastId = (messages: ThreadMessage[]): number =>
  messages.reduce((last, m) => Math.max(last, Number(m.id)), 0);

/** Messages by others that arrived after the message ``seen`` (the last one when writing
 * began), while ``writing``; "Got it" takes them as read. */
function useArrivedWhileWriting(thread: ThreadMessage[], writing: boolean) {
  const { me } = useSession();
  const [seen, setSeen] = useState<number | null>(null);
  useEffect(() => {
    if (!writing) setSeen(null);
    else if (seen === null) setSeen(lastId(thread));
  }, [writing, thread]);
  const arrived =
    seen === null ? [] : thread.filter((m) => Number(m.id) > seen && m.author?.id !== me?.id);
  return { arrived, acknowledge: () => setSeen(lastId(thread)) };
}

/** A message of the viewer's own arrived (sent from another tab or browser, which removed the
 * server's draft with it): a box still holding just that draft, untouched here, is emptied
 * instead of keeping the sent text (and saving it back as a draft to be sent twice). */
function useSentElsewhere(
  thread: ThreadMessage[],
  writing: boolean,
  draft: { untouched: () => boolean; sent: (went: boolean) => void },
  empty: () => void,
) {
  const { me } = useSession();
  const known = useRef<number | null>(null);
  useEffect(() => {
    const newest = lastId(thread);
    const before = known.current;
    known.current = newest;
    if (!before || !writing) return; // not loaded yet, or nothing in the box
    const mine = thread.some((m) => Number(m.id) > before && m.author?.id === me?.id);
    if (mine && draft.untouched()) {
      draft.sent(true);
      empty();
    }
  }, [thread]);
}

function ArrivedNotice({
  arrived,
  onAcknowledge,
}: {
  arrived: ThreadMessage[];
  onAcknowledge: () => void;
}) {
  if (arrived.length === 0) return null;
  const who = [...new Set(arrived.map((m) => m.author?.name ?? t("The helpdesk")))].join(", ");
  const text =
    arrived.length === 1 && arrived[0].internal
      ? t("A note from {who} arrived while you were writing; read it above before you send.", { who })
      : tn(
          "A message from {who} arrived while you were writing; read it above before you send.",
          "{n} messages from {who} arrived while you were writing; read them above before you send.",
          arrived.length,
          { who },
        );
  return (
    <p class="arrived" role="status">
      <span>{text}</span>{" "}
      <button type="button" onClick={onAcknowledge}>
        {t("Got it")}
      </button>
    </p>
  );
}

function DraftStatus({ state }: { state: DraftState }) {
  const text = {
    idle: "",
    saving: t("Saving draft…"),
    saved: t("Draft saved"),
    failed: t("Draft not saved"),
  }[state];
  return (
    <small class={`draft-status muted${state === "failed" ? " error" : ""}`} role="status">
      {text}
    </small>
  );
}

export function Composer({
  number,
  label,
  rows,
  thread,
  note = false,
  onSent,
  onWriting,
  tools,
  notice,
  actions,
  footer,
  sendAndSet,
  onRestoreMode,
}: {
  number: number;
  /** The text box's label. */
  label: string;
  rows: number;
  /** The messages shown above, to announce those that arrive while writing. */
  thread: ThreadMessage[];
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
  /** "Send & set <status>" (staff replies): the reply is posted first, then ``set`` runs; if
   * that fails, the reply stays sent and the error says so. Where ``ask`` gives a question for
   * the status (closing), the button asks it first. */
  sendAndSet?: {
    options: Option[];
    set: (value: string) => Promise<void>;
    ask?: (option: Option) => { title: string; confirm: string; text: string } | null;
  };
  /** A restored draft was a note (true) or a reply (false): the page switches to it. */
  onRestoreMode?: (note: boolean) => void;
}) {
  const [then, setThen] = useState(sendAndSet?.options[0]?.value ?? "");
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const { busy, error, run } = useAction();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const writing = body.trim().length > 0;
  useEffect(() => onWriting?.(writing), [writing]);
  const { arrived, acknowledge } = useArrivedWhileWriting(thread, writing);
  const draft = useDraft(number, { body, internal: note }, (text, internal) => {
    setBody(text);
    onRestoreMode?.(internal);
  });
  useSentElsewhere(thread, writing, draft, () => setBody(""));
  useLeaveGuard(
    writing || files.length > 0,
    t("Your message is not sent yet. Leave this page? (Its text is kept as a draft; attached files are not.)"),
  );

  const insert = (text: string) => {
    const area = textarea.current;
    const at = area ? area.selectionStart : body.length;
    const before = body.slice(0, at);
    const after = body.slice(at);
    const glue = before && !before.endsWith("\n") ? "\n\n" : "";
    setBody(`${before}${glue}${text}${after}`);
    requestAnimationFrame(() => area?.focus());
  };

  const submit = (e?: Event, status?: Option) => {
    e?.preventDefault();
    void run(async () => {
      await draft.sending();
      try {
        await post(number, body, files, note);
      } catch (refused) {
        draft.sent(false);
        throw refused;
      }
      draft.sent(true);
      setBody("");
      setFiles([]);
      await onSent();
      if (!status || !sendAndSet) return;
      try {
        await sendAndSet.set(status.value);
      } catch (failed) {
        const why = failed instanceof Error ? failed.message : String(failed);
        throw new Error(
          t("Your reply was sent, but the status was not set to {status}: {why}", {
            status: status.label,
            why,
          }),
        );
      }
    });
  };
  const thenOption = sendAndSet?.options.find((o) => o.value === then);
  const [asking, setAsking] = useState<Option | null>(null);
  const question = asking && sendAndSet?.ask?.(asking);

  return (
    <form class={`composer panel${note ? " writing-note" : ""}`} onSubmit={submit} aria-label={t("Reply")}>
      <ArrivedNotice arrived={arrived} onAcknowledge={acknowledge} />
      {tools && <div class="composer-tools">{tools(insert)}</div>}
      <FormError error={error} fields={["body"]} />
      <WritePreview text={body}>
        <Field id="reply-body" name="body" label={label} error={error}>
          <textarea
            id="reply-body"
            ref={textarea}
            rows={rows}
            value={body}
            aria-keyshortcuts="Control+Enter"
            onInput={(e) => setBody(e.currentTarget.value)}
            onBlur={draft.flush}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit();
            }}
          />
        </Field>
      </WritePreview>
      {notice}
      <FilePicker id="reply-files" files={files} onChange={setFiles} />
      <div class="actions">
        <button type="submit" class={note ? "note-button" : "primary"} disabled={busy || !writing}>
          {busy ? t("Sending…") : note ? t("Add internal note") : t("Send reply")}
        </button>
        {sendAndSet && !note && thenOption && (
          <span class="send-and-set">
            <button
              type="button"
              disabled={busy || !writing}
              onClick={() =>
                sendAndSet.ask?.(thenOption) ? setAsking(thenOption) : submit(undefined, thenOption)
              }
            >
              {t("Send & set {status}", { status: thenOption.label })}
            </button>
            <select
              aria-label={t("After sending, set")}
              value={then}
              disabled={busy}
              onChange={(e) => setThen(e.currentTarget.value)}
            >
              {sendAndSet.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </span>
        )}
        {actions}
        <DraftStatus state={draft.state} />
      </div>
      {sendAndSet?.ask && (
        <ConfirmDialog
          open={!!question}
          title={question?.title ?? ""}
          confirm={question?.confirm ?? ""}
          onConfirm={() => {
            setAsking(null);
            if (asking) submit(undefined, asking);
          }}
          onCancel={() => setAsking(null)}
        >
          <p>{question?.text}</p>
        </ConfirmDialog>
      )}
      {footer}
    </form>
  );
}
