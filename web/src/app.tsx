import { LocationProvider, Route, Router, lazy } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { onSessionEnded, query } from "./api";
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
      <h1>Page not found</h1>
      <p>
        <a href="/">Go to your start page</a>.
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
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  useEffect(() => {
    query(MeDocument, {})
      .then((data) => setMe(data.me ?? null))
      .catch(() => setMe(null));
    return onSessionEnded(() => setMe(null));
  }, []);
  if (me === undefined) return <p class="loading">Loading…</p>;
  return (
    <SessionContext.Provider value={{ me, setMe }}>
      <LocationProvider>
        <Layout>
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
