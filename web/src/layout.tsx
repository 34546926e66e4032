import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { mutate, restartSocket } from "./api";
import { graphql } from "./gql";
import type { Role } from "./gql/graphql";
import { t, tk } from "./i18n";
import { ShortcutsHelp } from "./components/shortcuts";
import { usePageFocus } from "./page-focus";
import { isStaff, useSession } from "./session";

const LogoutDocument = graphql(`
  mutation Logout {
    logout
  }
`);

/** How a role is named next to the user's name. */
export const ROLE_NAME: Record<Role, string> = {
  ADMIN: tk("admin"),
  STAFF: tk("staff"),
  CLIENT: tk("client"),
};

function NavLink({ href, children }: { href: string; children: ComponentChildren }) {
  const { path } = useLocation();
  const current = path === href || (href !== "/" && path.startsWith(`${href}/`));
  return (
    <a href={href} aria-current={current ? "page" : undefined}>
      {children}
    </a>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { me, setMe } = useSession();
  const { route, path } = useLocation();
  const announced = usePageFocus(path, () => document.getElementById("main"));
  // On a narrow screen the menu folds behind a button (styles.css); moving on folds it again.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const signOut = async () => {
    try {
      await mutate(LogoutDocument, {});
    } finally {
      restartSocket();
      setMe(null);
      route("/login");
    }
  };
  return (
    <>
      <a class="skip" href="#main">
        {t("Skip to content")}
      </a>
      <header class={`top${me ? " has-menu" : ""}${menuOpen ? " menu-open" : ""}`}>
        <a class="brand" href="/">
          {t("Helpdesk")}
        </a>
        {me && (
          <button
            type="button"
            class="menu-button"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            {t("Menu")}
          </button>
        )}
        {me && (
          <nav id="main-nav" aria-label={t("Main")}>
            {isStaff(me) ? (
              <>
                <span class="area">{t("Admin › Support ›")}</span>
                <NavLink href="/admin/tickets">{t("Tickets")}</NavLink>
                <NavLink href="/admin/clients">{t("Clients")}</NavLink>
                <NavLink href="/admin/canned">{t("Canned responses")}</NavLink>
                <NavLink href="/admin/reports">{t("Reports")}</NavLink>
                {me.role === "ADMIN" && (
                  <>
                    <NavLink href="/admin/departments">{t("Departments")}</NavLink>
                    <NavLink href="/admin/staff">{t("Staff")}</NavLink>
                    <NavLink href="/admin/client-accounts">{t("Client accounts")}</NavLink>
                    <NavLink href="/admin/tags">{t("Tags")}</NavLink>
                    <NavLink href="/admin/sla">{t("Service levels")}</NavLink>
                    <NavLink href="/admin/settings">{t("Settings")}</NavLink>
                    <NavLink href="/admin/inbound-mail">{t("Inbound mail")}</NavLink>
                    <NavLink href="/dev/mailbox">{t("Dev mailbox")}</NavLink>
                  </>
                )}
              </>
            ) : (
              <>
                <span class="area">{t("Client Area › Support ›")}</span>
                <NavLink href="/client/tickets">{t("My Tickets")}</NavLink>
                <NavLink href="/client/tickets/new">{t("Open a ticket")}</NavLink>
              </>
            )}
          </nav>
        )}
        <div class="who">
          {me ? (
            <>
              <span>
                {me.name} <span class="muted">({t(ROLE_NAME[me.role])})</span>
              </span>
              <NavLink href="/account">{t("Account")}</NavLink>
              <button type="button" class="link" onClick={signOut}>
                {t("Sign out")}
              </button>
            </>
          ) : (
            path !== "/login" && <a href="/login">{t("Sign in")}</a>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <p class="sr-only" aria-live="polite" data-testid="page-announcer">
        {announced}
      </p>
      <ShortcutsHelp />
    </>
  );
}
