import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { mutate, ok, restartSocket } from "../api";
import { graphql } from "../gql";
import { useAction, useTitle } from "../hooks";
import { Redirect, homeFor, useSession } from "../session";
import { Field, FormError } from "../ui";

const LoginDocument = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      __typename
      ... on Session {
        user {
          id
          name
          email
          role
        }
      }
      ...ErrorFields
    }
  }
`);

/** Only same-site paths, so a crafted link cannot send someone elsewhere after sign-in. */
function safeNext(next: string | undefined): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : null;
}

export function Login() {
  useTitle("Sign in");
  const { me, setMe } = useSession();
  const { route, query } = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const data = await mutate(LoginDocument, { email, password });
      const session = ok(data.login, "Session");
      restartSocket();
      setMe(session.user);
      route(safeNext(query.next) ?? homeFor(session.user));
    });
  };
  if (me && !busy) return <Redirect to={safeNext(query.next) ?? homeFor(me)} />;
  return (
    <section class="panel narrow" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <form onSubmit={submit}>
        <FormError error={error} fields={["email", "password"]} />
        <Field id="email" label="Email" error={error}>
          <input
            id="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field id="password" label="Password" error={error}>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
