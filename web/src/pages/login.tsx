import { useLocation } from "preact-iso";
import { useEffect, useRef } from "preact/hooks";
import { mutate, ok, restartSocket } from "../api";
import { Form } from "../components/form";
import { graphql } from "../gql";
import { useTitle } from "../hooks";
import { Redirect, homeFor, useSession } from "../session";
import { useSignupOpen } from "./account-links";
import { t } from "../i18n";

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
          language
          timeZone
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
  useTitle(t("Sign in"));
  const { me, setMe } = useSession();
  const { route, query } = useLocation();
  // Set once signed in here: this page then routes on by itself.
  const signedIn = useRef(false);
  const signupOpen = useSignupOpen();
  // The one thing to do here is type the address: the cursor starts there.
  useEffect(() => document.getElementById("login-email")?.focus(), []);
  if (me && !signedIn.current) return <Redirect to={safeNext(query.next) ?? homeFor(me)} />;
  return (
    <section class="panel narrow" aria-labelledby="login-title">
      <h1 id="login-title">{t("Sign in")}</h1>
      <Form
        id="login"
        initial={{ email: "", password: "" }}
        controls={[
          { name: "email", label: t("Email"), type: "email", autoComplete: "username", required: true },
          {
            name: "password",
            label: t("Password"),
            type: "password",
            autoComplete: "current-password",
            required: true,
          },
        ]}
        onSubmit={async ({ email, password }) => {
          const session = ok((await mutate(LoginDocument, { email, password })).login, "Session");
          signedIn.current = true;
          restartSocket();
          setMe(session.user);
          route(safeNext(query.next) ?? homeFor(session.user));
        }}
        submit={t("Sign in")}
        busyText={t("Signing in…")}
      />
      <p class="muted">
        <a href="/forgot-password">{t("Forgot your password?")}</a>
        {signupOpen && (
          <>
            {" · "}
            <a href="/signup">{t("Create an account")}</a>
          </>
        )}
      </p>
    </section>
  );
}
