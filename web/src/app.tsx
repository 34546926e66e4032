import { LocationProvider, Route, Router, lazy } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { onSessionEnded, query } from "./api";
import { currentLanguage, currentTimeZone, onLocaleChange, setLocale, t } from "./i18n";
import { Layout } from "./layout";
import { Account } from "./pages/account";
import { ForgotPassword, SetPassword, SignUp, VerifyEmail } from "./pages/account-links";
import { RateByLink } from "./components/rating";
import { CannedResponses } from "./pages/admin/canned";
import { ClientAccounts } from "./pages/admin/client-accounts";
import { ClientPage } from "./pages/admin/clients/[id]";
import { Clients } from "./pages/admin/clients/index";
import { Departments } from "./pages/admin/departments";
import { InboundMail } from "./pages/admin/inbound-mail";
import { Settings } from "./pages/admin/settings";
import { StaffMembers } from "./pages/admin/staff";
import { SlaSettings } from "./pages/admin/sla";

// Its charting library loads with the page, not with the first screen.
const Reports = lazy(() => import("./pages/admin/reports").then((m) => m.Reports));
import { Tags } from "./pages/admin/tags";
import { StaffTicket } from "./pages/admin/tickets/[number]";
import { TicketList } from "./pages/admin/tickets/index";
import { OpenForClient } from "./pages/admin/tickets/new";
import { ClientTicket } from "./pages/client/tickets/[number]";
import { MyTickets } from "./pages/client/tickets/index";
import { NewTicket } from "./pages/client/tickets/new";
import { Mailbox } from "./pages/dev/mailbox";
import { Login } from "./pages/login";
import { Guard, MeDocument, Redirect, SessionContext, homeFor, useSession } from "./session";
import type { Me, Need } from "./session";

function Home() {
  const { me } = useSession();
  return <Redirect to={homeFor(me)} />;
}

function NotFound() {
  return (
    <section class="panel">
      <h1>{t("Page not found")}</h1>
      <p>
        <a href="/">{t("Go to your start page")}</a>
      </p>
    </section>
  );
}

/**
 * The pages behind a sign-in, and who may open them. A page's code is at the path of its URL
 * under pages/: /admin/tickets is pages/admin/tickets/index.tsx, /admin/tickets/NUMBER is
 * pages/admin/tickets/[number].tsx.
 */
const GUARDED: [string, Need, () => preact.JSX.Element | null][] = [
  ["/admin/tickets", "staff", TicketList],
  ["/admin/tickets/new", "staff", OpenForClient],
  ["/admin/tickets/:number", "staff", StaffTicket],
  ["/admin/clients", "staff", Clients],
  ["/admin/clients/:id", "staff", ClientPage],
  ["/admin/departments", "admin", Departments],
  ["/admin/staff", "admin", StaffMembers],
  ["/admin/client-accounts", "admin", ClientAccounts],
  ["/admin/canned", "staff", CannedResponses],
  ["/admin/tags", "admin", Tags],
  ["/admin/sla", "admin", SlaSettings],
  ["/admin/reports", "staff", Reports],
  ["/admin/settings", "admin", Settings],
  ["/admin/inbound-mail", "admin", InboundMail],
  ["/client/tickets", "client", MyTickets],
  ["/client/tickets/new", "client", NewTicket],
  ["/client/tickets/:number", "client", ClientTicket],
  ["/dev/mailbox", "admin", Mailbox],
  ["/account", "user", Account],
];

const ROUTES = GUARDED.map(([path, need, Page]) => ({
  path,
  component: () => (
    <Guard need={need}>
      <Page />
    </Guard>
  ),
}));

export function App() {
  const [me, setMeState] = useState<Me | null | undefined>(undefined);
  const [locale, setLocaleKey] = useState(() => `${currentLanguage()}|${currentTimeZone()}`);
  // The viewer's language and time zone (signed out: the browser's) follow who is signed in.
  const setMe = (next: Me | null) => {
    setLocale(next?.language, next?.timeZone);
    setMeState(next);
  };
  useEffect(() => {
    const off = onLocaleChange(() => setLocaleKey(`${currentLanguage()}|${currentTimeZone()}`));
    query(MeDocument, {})
      .then((data) => setMe(data.me ?? null))
      .catch(() => setMe(null));
    const ended = onSessionEnded(() => setMe(null));
    return () => {
      off();
      ended();
    };
  }, []);
  if (me === undefined) return <p class="loading">{t("Loading…")}</p>;
  return (
    <SessionContext.Provider value={{ me, setMe }}>
      <LocationProvider>
        {/* A new language or time zone renders every page again in it. */}
        <Layout key={locale}>
          <Router>
            <Route path="/" component={Home} />
            <Route path="/login" component={Login} />
            <Route path="/forgot-password" component={ForgotPassword} />
            <Route path="/password" component={SetPassword} />
            <Route path="/signup" component={SignUp} />
            <Route path="/verify" component={VerifyEmail} />
            <Route path="/rate" component={RateByLink} />
            <Route path="/admin" component={() => <Redirect to="/admin/tickets" />} />
            <Route path="/client" component={() => <Redirect to="/client/tickets" />} />
            {ROUTES.map((r) => (
              <Route key={r.path} path={r.path} component={r.component} />
            ))}
            <Route default component={NotFound} />
          </Router>
        </Layout>
      </LocationProvider>
    </SessionContext.Provider>
  );
}
