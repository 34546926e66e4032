/** Any signed-in user: their account, and changing their password (which signs out their
 * other sessions; this one stays). */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { Refused, mutate, ok } from "../api";
import { graphql } from "../gql";
import { useAction, useQuery, useTitle } from "../hooks";
import { currentLanguage, t } from "../i18n";
import { ROLE_NAME } from "../layout";
import { isStaff, useSession } from "../session";
import { Field, FormError } from "../components/ui";

const ChangePasswordDocument = graphql(`
  mutation ChangePassword($current: String!, $new: String!) {
    changePassword(current: $current, new: $new) {
      __typename
      ... on PasswordChanged {
        revokedSessions
      }
      ...ErrorFields
    }
  }
`);

const UpdateProfileDocument = graphql(`
  mutation UpdateProfile($language: String, $timeZone: String) {
    updateProfile(language: $language, timeZone: $timeZone) {
      __typename
      ... on User {
        id
        name
        email
        role
        language
        timeZone
      }
      ...ErrorFields
    }
  }
`);

const LanguagesDocument = graphql(`
  query Languages {
    languages {
      code
      name
    }
  }
`);

const MySignatureDocument = graphql(`
  query MySignature {
    me {
      id
      signature
    }
  }
`);

const UpdateSignatureDocument = graphql(`
  mutation UpdateSignature($signature: String!) {
    updateProfile(signature: $signature) {
      __typename
      ... on User {
        id
        signature
      }
      ...ErrorFields
    }
  }
`);

/** Staff: the signature added under their public replies (not notes) when sent. */
function SignatureForm() {
  const loaded = useQuery(MySignatureDocument, {});
  const stored = loaded.data?.me ? (loaded.data.me.signature ?? "") : null;
  // The box exists only once the stored signature is known and starts out holding it: were
  // it filled by an effect, that effect would run after the box was shown enabled, and what
  // was typed in between would be replaced (Save then stored it empty).
  return stored === null ? (
    <SignatureEditor stored="" loading />
  ) : (
    <SignatureEditor key="loaded" stored={stored} loading={false} />
  );
}

function SignatureEditor({ stored, loading }: { stored: string; loading: boolean }) {
  const [signature, setSignature] = useState(stored);
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  // The stored signature loading again (changed elsewhere) shows, unless the person has typed
  // since: a layout effect runs before the browser takes any input, so nothing typed is lost.
  const shown = useRef(stored);
  useLayoutEffect(() => {
    if (stored === shown.current) return;
    setSignature((now) => (now === shown.current ? stored : now));
    shown.current = stored;
  }, [stored]);
  const submit = (e: Event) => {
    e.preventDefault();
    setDone(null);
    void run(async () => {
      const saved = ok((await mutate(UpdateSignatureDocument, { signature })).updateProfile, "User");
      shown.current = saved.signature ?? "";
      setSignature(saved.signature ?? "");
      setDone(saved.signature ? t("Signature saved.") : t("Signature removed."));
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="signature-title">
      <h2 id="signature-title">{t("Signature")}</h2>
      <FormError error={error} fields={["signature"]} />
      <Field
        id="signature"
        label={t("Added under your replies to clients (not to internal notes)")}
        hint={t("Markdown; at most 1,000 characters and 20 lines. Replies already sent keep the one they went with.")}
        error={error}
      >
        <textarea
          id="signature"
          rows={4}
          value={signature}
          disabled={loading}
          onInput={(e) => setSignature(e.currentTarget.value)}
        />
      </Field>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || loading}>
          {t("Save signature")}
        </button>
        {done && (
          <span class="ok" role="status">
            {done}
          </span>
        )}
      </div>
    </form>
  );
}

function signedOutText(count: number): string {
  if (count === 0) return t("Password changed.");
  if (count === 1) return t("Password changed. 1 other session was signed out.");
  return t("Password changed. {count} other sessions were signed out.", { count });
}

/** Every IANA zone the browser knows, for the time zone choice. */
function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

/** The viewer's language and time zone: the UI and their mail follow them. */
function LanguageAndTimeZone() {
  const { me, setMe } = useSession();
  const languages = useQuery(LanguagesDocument, {});
  const [language, setLanguage] = useState(me?.language ?? currentLanguage());
  const [zone, setZone] = useState(me?.timeZone ?? "");
  const { busy, error, run } = useAction();
  if (!me) return null;
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const data = await mutate(UpdateProfileDocument, { language, timeZone: zone });
      const user = ok(data.updateProfile, "User");
      setMe(user); // the whole UI follows, in the new language
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="language-title">
      <h2 id="language-title">{t("Language and time zone")}</h2>
      <FormError error={error} fields={["language", "timeZone"]} />
      <Field id="language" label={t("Language")} error={error}>
        <select id="language" value={language} onChange={(e) => setLanguage(e.currentTarget.value)}>
          {(languages.data?.languages ?? [{ code: language, name: language }]).map((l) => (
            <option key={l.code} value={l.code} lang={l.code}>
              {l.name}
            </option>
          ))}
        </select>
      </Field>
      <Field
        id="timeZone"
        label={t("Time zone")}
        hint={t("Dates and times on every page and in your mail are shown in it.")}
        error={error}
      >
        <select id="timeZone" value={zone} onChange={(e) => setZone(e.currentTarget.value)}>
          <option value="">{t("This browser's ({zone})", { zone: browserZone })}</option>
          {timeZones().map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </Field>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {t("Save")}
        </button>
      </div>
    </form>
  );
}

export function Account() {
  useTitle(t("Account"));
  const { me } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    setDone(null);
    void run(async () => {
      if (next !== repeat) {
        throw new Refused({
          __typename: "ValidationError",
          code: "VALIDATION_ERROR",
          message: t("The two new passwords differ."),
          field: "repeat",
        });
      }
      const data = await mutate(ChangePasswordDocument, { current, new: next });
      const changed = ok(data.changePassword, "PasswordChanged");
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(signedOutText(changed.revokedSessions));
    });
  };
  if (!me) return null;
  return (
    <section class="panel form-page" aria-labelledby="account-title">
      <h1 id="account-title">{t("Account")}</h1>
      <p>
        {me.name} · {me.email} <span class="muted">({t(ROLE_NAME[me.role])})</span>
      </p>
      <LanguageAndTimeZone />
      {isStaff(me) && <SignatureForm />}
      <form onSubmit={submit} aria-labelledby="password-title">
        <h2 id="password-title">{t("Change password")}</h2>
        <FormError error={error} fields={["current", "new", "repeat"]} />
        <Field id="current" label={t("Current password")} error={error}>
          <input
            id="current"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </Field>
        <Field id="new" label={t("New password")} hint={t("At least 8 characters.")} error={error}>
          <input
            id="new"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
        </Field>
        <Field id="repeat" label={t("New password again")} error={error}>
          <input
            id="repeat"
            type="password"
            autoComplete="new-password"
            required
            value={repeat}
            onInput={(e) => setRepeat(e.currentTarget.value)}
          />
        </Field>
        <p class="muted">{t("Your other sessions are signed out; this one stays. API tokens stay valid.")}</p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {t("Change password")}
          </button>
          {done && (
            <span class="ok" role="status">
              {done}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
