/** Any signed-in user: their account, and changing their password (which signs out their
 * other sessions; this one stays). */
import { useEffect, useState } from "preact/hooks";
import { Refused, mutate, ok } from "../api";
import { graphql } from "../gql";
import { useAction, useQuery, useTitle } from "../hooks";
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
  const [signature, setSignature] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  useEffect(() => setSignature(loaded.data?.me?.signature ?? ""), [loaded.data]);
  const submit = (e: Event) => {
    e.preventDefault();
    setDone(null);
    void run(async () => {
      const saved = ok((await mutate(UpdateSignatureDocument, { signature })).updateProfile, "User");
      setSignature(saved.signature ?? "");
      setDone(saved.signature ? "Signature saved." : "Signature removed.");
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="signature-title">
      <h2 id="signature-title">Signature</h2>
      <FormError error={error} fields={["signature"]} />
      <Field
        id="signature"
        label="Added under your replies to clients (not to internal notes)"
        hint="Markdown; at most 1,000 characters and 20 lines. Replies already sent keep the one they went with."
        error={error}
      >
        <textarea
          id="signature"
          rows={4}
          value={signature}
          disabled={!loaded.data}
          onInput={(e) => setSignature(e.currentTarget.value)}
        />
      </Field>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !loaded.data}>
          Save signature
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
  if (count === 0) return "Password changed.";
  const sessions = count === 1 ? "1 other session was" : `${count} other sessions were`;
  return `Password changed. ${sessions} signed out.`;
}

export function Account() {
  useTitle("Account");
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
          message: "The two new passwords differ.",
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
      <h1 id="account-title">Account</h1>
      <p>
        {me.name} · {me.email} <span class="muted">({me.role.toLowerCase()})</span>
      </p>
      {isStaff(me) && <SignatureForm />}
      <form onSubmit={submit} aria-labelledby="password-title">
        <h2 id="password-title">Change password</h2>
        <FormError error={error} fields={["current", "new", "repeat"]} />
        <Field id="current" label="Current password" error={error}>
          <input
            id="current"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </Field>
        <Field id="new" label="New password" hint="At least 8 characters." error={error}>
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
        <Field id="repeat" label="New password again" error={error}>
          <input
            id="repeat"
            type="password"
            autoComplete="new-password"
            required
            value={repeat}
            onInput={(e) => setRepeat(e.currentTarget.value)}
          />
        </Field>
        <p class="muted">Your other sessions are signed out; this one stays. API tokens stay valid.</p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Change password
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
