import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { mutate, restartSocket } from "./api";
import { graphql } from "./gql";
import { ShortcutsHelp } from "./components/shortcuts";
import { usePageFocus } from "./page-focus";
import { isStaff, useSession } from "./session";

const LogoutDocument = graphql(`
  mutation Logout {
    logout
  }
`);

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
        Skip to content
      </a>
      <header class={`top${me ? " has-menu" : ""}${menuOpen ? " menu-open" : ""}`}>
        <a class="brand" href="/">
          Helpdesk
        </a>
        {me && (
          <button
            type="button"
            class="menu-button"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            Menu
          </button>
        )}
        {me && (
          <nav id="main-nav" aria-label="Main">
            {isStaff(me) ? (
              <>
                <span class="area">Admin › Support ›</span>
                <NavLink href="/admin/tickets">Tickets</NavLink>
                <NavLink href="/admin/clients">Clients</NavLink>
                <NavLink href="/admin/canned">Canned responses</NavLink>
                <NavLink href="/admin/reports">Reports</NavLink>
                {me.role === "ADMIN" && (
                  <>
                    <NavLink href="/admin/departments">Departments</NavLink>
                    <NavLink href="/admin/staff">Staff</NavLink>
                    <NavLink href="/admin/client-accounts">Client accounts</NavLink>
                    <NavLink href="/admin/tags">Tags</NavLink>
                    <NavLink href="/admin/sla">Service levels</NavLink>
                    <NavLink href="/admin/settings">Settings</NavLink>
                    <NavLink href="/admin/inbound-mail">Inbound mail</NavLink>
                    <NavLink href="/dev/mailbox">Dev mailbox</NavLink>
                  </>
                )}
              </>
            ) : (
              <>
                <span class="area">Client Area › Support ›</span>
                <NavLink href="/client/tickets">My Tickets</NavLink>
                <NavLink href="/client/tickets/new">Open a ticket</NavLink>
              </>
            )}
          </nav>
        )}
        <div class="who">
          {me ? (
            <>
              <span>
                {me.name} <span class="muted">({me.role.toLowerCase()})</span>
              </span>
              <NavLink href="/account">Account</NavLink>
              <button type="button" class="link" onClick={signOut}>
                Sign out
              </button>
            </>
          ) : (
            path !== "/login" && <a href="/login">Sign in</a>
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
