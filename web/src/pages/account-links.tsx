/**
 * Pages reached without signing in: asking for a password reset, choosing a password from a
 * mailed reset or invitation link, signing up as a client, and confirming the address from the
 * mailed link. Links carry their token in the URL's fragment (#token=…), which the browser never
 * sends to a server.
 */
import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { mutate, ok, query } from "../api";
import { Form } from "../components/form";
import { graphql } from "../gql";
import { useTitle } from "../hooks";
import { t } from "../i18n";

const RequestResetDocument = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email) {
      __typename
      ... on Accepted {
        message
      }
      ...ErrorFields
    }
  }
`);

const ResetPasswordDocument = graphql(`
  mutation ResetPassword($token: String!, $password: String!) {
    resetPassword(token: $token, password: $password) {
      __typename
      ... on Accepted {
        message
      }
      ...ErrorFields
    }
  }
`);

const SignUpDocument = graphql(`
  mutation SignUp($name: String!, $email: String!, $password: String!) {
    signUp(name: $name, email: $email, password: $password) {
      __typename
      ... on Accepted {
        message
      }
      ...ErrorFields
    }
  }
`);

const VerifyEmailDocument = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      __typename
      ... on Accepted {
        message
      }
      ...ErrorFields
    }
  }
`);

export const ClientSignupDocument = graphql(`
  query ClientSignup {
    clientSignup
  }
`);

/** The token in the page's fragment (#token=…). */
function fragmentToken(): string {
  return new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token") ?? "";
}

/** Whether client sign-up is open here (CLIENT_SIGNUP); undefined while asking. */
export function useSignupOpen(): boolean | undefined {
  const [open, setOpen] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    query(ClientSignupDocument, {})
      .then((data) => setOpen(data.clientSignup))
      .catch(() => setOpen(false));
  }, []);
  return open;
}

function Done({ id, message, children }: { id: string; message: string; children?: preact.ComponentChildren }) {
  return (
    <div id={id} class="ok" role="status">
      <p>{message}</p>
      {children}
    </div>
  );
}

export function ForgotPassword() {
  useTitle(t("Forgot your password?"));
  const [done, setDone] = useState("");
  return (
    <section class="panel narrow" aria-labelledby="forgot-title">
      <h1 id="forgot-title">{t("Forgot your password?")}</h1>
      {done ? (
        <Done id="forgot-done" message={done}>
          <p>
            <a href="/login">{t("Back to sign in")}</a>
          </p>
        </Done>
      ) : (
        <>
          <p>{t("Enter your address: we mail you a link to choose a new password, valid for one hour.")}</p>
          <Form
            id="forgot"
            initial={{ email: "" }}
            controls={[
              { name: "email", label: t("Email"), type: "email", autoComplete: "username", required: true },
            ]}
            onSubmit={async ({ email }) => {
              const answer = ok((await mutate(RequestResetDocument, { email })).requestPasswordReset, "Accepted");
              setDone(answer.message);
            }}
            submit={t("Mail me a link")}
            busyText={t("Sending…")}
          />
        </>
      )}
    </section>
  );
}

export function SetPassword() {
  useTitle(t("Choose a password"));
  const [token] = useState(fragmentToken);
  const [done, setDone] = useState("");
  return (
    <section class="panel narrow" aria-labelledby="password-title">
      <h1 id="password-title">{t("Choose a password")}</h1>
      {!token ? (
        <p>
          {t("This page needs the link from your mail.")}{" "}
          <a href="/forgot-password">{t("Ask for a new link")}</a>.
        </p>
      ) : done ? (
        <Done id="password-done" message={done}>
          <p>
            <a href="/login">{t("Sign in")}</a>
          </p>
        </Done>
      ) : (
        <>
          <p>{t("Setting a password signs you out on every device and revokes your API tokens.")}</p>
          <Form
            id="password"
            initial={{ password: "" }}
            controls={[
              {
                name: "password",
                label: t("New password (at least 8 characters)"),
                type: "password",
                autoComplete: "new-password",
                required: true,
              },
            ]}
            onSubmit={async ({ password }) => {
              const answer = ok((await mutate(ResetPasswordDocument, { token, password })).resetPassword, "Accepted");
              setDone(answer.message);
            }}
            submit={t("Set password")}
            busyText={t("Saving…")}
          />
          <p class="muted">
            {t("Link expired or used?")} <a href="/forgot-password">{t("Ask for a new one")}</a>.
          </p>
        </>
      )}
    </section>
  );
}

export function SignUp() {
  useTitle(t("Create an account"));
  const open = useSignupOpen();
  const [done, setDone] = useState("");
  return (
    <section class="panel narrow" aria-labelledby="signup-title">
      <h1 id="signup-title">{t("Create an account")}</h1>
      {open === false ? (
        <p>{t("Signing up is closed here; ask our team for an account, or simply mail us.")}</p>
      ) : done ? (
        <Done id="signup-done" message={done} />
      ) : (
        <Form
          id="signup"
          initial={{ name: "", email: "", password: "" }}
          controls={[
            { name: "name", label: t("Name"), autoComplete: "name", required: true },
            { name: "email", label: t("Email"), type: "email", autoComplete: "username", required: true },
            {
              name: "password",
              label: t("Password (at least 8 characters)"),
              type: "password",
              autoComplete: "new-password",
              required: true,
            },
          ]}
          onSubmit={async (values) => {
            const answer = ok((await mutate(SignUpDocument, values)).signUp, "Accepted");
            setDone(answer.message);
          }}
          submit={t("Sign up")}
          busyText={t("Signing up…")}
        />
      )}
    </section>
  );
}

export function VerifyEmail() {
  useTitle(t("Confirm your address"));
  const { route } = useLocation();
  const [token] = useState(fragmentToken);
  const [done, setDone] = useState("");
  return (
    <section class="panel narrow" aria-labelledby="verify-title">
      <h1 id="verify-title">{t("Confirm your address")}</h1>
      {!token ? (
        <p>{t("This page needs the link from your mail.")}</p>
      ) : done ? (
        <Done id="verify-done" message={done}>
          <p>
            <a
              href="/login"
              onClick={(e) => {
                e.preventDefault();
                route("/login");
              }}
            >
              {t("Sign in")}
            </a>
          </p>
        </Done>
      ) : (
        <Form
          id="verify"
          initial={{}}
          controls={[]}
          onSubmit={async () => {
            const answer = ok((await mutate(VerifyEmailDocument, { token })).verifyEmail, "Accepted");
            setDone(answer.message);
          }}
          submit={t("Confirm my address")}
          busyText={t("Confirming…")}
        />
      )}
    </section>
  );
}
