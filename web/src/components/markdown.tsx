/** Messages are Markdown. The server renders and sanitises them (Message.bodyHtml, and
 * renderMarkdown for a preview): this page only ever inserts that sanitised HTML, never
 * anything it built itself. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { query } from "../api";
import { graphql } from "../gql";
import { t } from "../i18n";

const RenderMarkdownDocument = graphql(`
  query RenderMarkdown($body: String!) {
    renderMarkdown(body: $body) {
      __typename
      ... on RenderedMarkdown {
        html
      }
      ... on Error {
        message
      }
    }
  }
`);

/** HTML the server sanitised (Message.bodyHtml, a preview): nothing else may come here. */
export function ServerHtml({ html, class: className }: { html: string; class?: string }) {
  return <div class={`markdown ${className ?? ""}`} dangerouslySetInnerHTML={{ __html: html }} />;
}

type Preview = { text: string; html?: string; error?: string };

/** The preview of ``text``, fetched while ``on`` (each pause in typing asks once). */
function usePreview(text: string, on: boolean): Preview | null {
  const [preview, setPreview] = useState<Preview | null>(null);
  useEffect(() => {
    if (!on) return undefined;
    let live = true;
    const timer = window.setTimeout(() => {
      query(RenderMarkdownDocument, { body: text })
        .then((data) => {
          const result = data.renderMarkdown;
          if (!live) return;
          if (result.__typename === "RenderedMarkdown") setPreview({ text, html: result.html });
          else setPreview({ text, error: result.message });
        })
        .catch((failed: unknown) => {
          if (live) setPreview({ text, error: failed instanceof Error ? failed.message : String(failed) });
        });
    }, 150);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [text, on]);
  return on ? preview : null;
}

/** Write / Preview tabs around a text field: Preview hides the text box (it keeps its text)
 * and shows ``text`` as it will read once sent. */
export function WritePreview({ text, children }: { text: string; children: ComponentChildren }) {
  const [previewing, setPreviewing] = useState(false);
  const preview = usePreview(text, previewing);
  const empty = text.trim() === "";
  useEffect(() => {
    if (empty) setPreviewing(false); // sent, or emptied: back to writing
  }, [empty]);
  const current = preview && preview.text === text ? preview : null;
  return (
    <div class={`write-preview${previewing ? " previewing" : ""}`}>
      <div class="write-preview-tabs" role="group" aria-label={t("Write or preview")}>
        <button type="button" aria-pressed={!previewing} onClick={() => setPreviewing(false)}>
          {t("Write")}
        </button>
        <button type="button" aria-pressed={previewing} disabled={empty} onClick={() => setPreviewing(true)}>
          {t("Preview")}
        </button>
        <small class="muted">{t("Markdown: **bold**, *italic*, [link](https://…), lists, `code`")}</small>
      </div>
      {children}
      {previewing && (
        <section class="preview" aria-label={t("Preview")} aria-live="polite" aria-busy={current ? "false" : "true"}>
          {!current ? (
            <p class="muted">{t("Loading preview…")}</p>
          ) : current.error ? (
            <p class="error">{current.error}</p>
          ) : (
            <ServerHtml html={current.html ?? ""} class="body" />
          )}
        </section>
      )}
    </div>
  );
}
