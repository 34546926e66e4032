import { createContext } from "preact";
import type { ComponentChildren } from "preact";
import { useContext, useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";
import { graphql } from "./gql";
import { t, tk } from "./i18n";
import type { MeQuery } from "./gql/graphql";

export const MeDocument = graphql(`
  query Me {
    me {
      id
      name
      email
      role
      language
      timeZone
    }
  }
`);

export type Me = NonNullable<MeQuery["me"]>;

export interface Session {
  me: Me | null;
  setMe: (me: Me | null) => void;
}

export const SessionContext = createContext<Session>({ me: null, setMe: () => undefined });

export function useSession(): Session {
  return useContext(SessionContext);
}

export const isStaff = (me: Me | null): boolean => me?.role === "STAFF" || me?.role === "ADMIN";

export function homeFor(me: Me | null): string {
  if (me == null) return "/login";
  return isStaff(me) ? "/admin/tickets" : "/client/tickets";
}

/** Sends the browser somewhere else (after render, as effects may not route during render). */
export function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to]);
  return null;
}

export type Need = "user" | "staff" | "admin" | "client";

function allowed(me: Me, need: Need): boolean {
  if (need === "user") return true;
  if (need === "admin") return me.role === "ADMIN";
  if (need === "staff") return isStaff(me);
  return me.role === "CLIENT";
}

const NEED_TEXT: Record<Need, string> = {
  user: tk("This page is for signed-in users."),
  staff: tk("This page is for staff."),
  admin: tk("This page is for administrators."),
  client: tk("This page is for clients."),
};

/** Renders ``children`` for the right people; others are sent to sign in or told why not. */
export function Guard({ need, children }: { need: Need; children: ComponentChildren }) {
  const { me } = useSession();
  const { url } = useLocation();
  if (me == null) return <Redirect to={`/login?next=${encodeURIComponent(url)}`} />;
  if (!allowed(me, need)) {
    return (
      <section class="panel" aria-labelledby="denied">
        <h1 id="denied">{t("Not for this account")}</h1>
        <p>
          {t(NEED_TEXT[need])} <a href={homeFor(me)}>{t("Go to your start page")}</a>
        </p>
      </section>
    );
  }
  return <>{children}</>;
}
