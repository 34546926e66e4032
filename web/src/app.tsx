import { LocationProvider, Route, Router } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { onSessionEnded, query } from "./api";
import { Layout } from "./layout";
import { Account } from "./pages/account";
import { Departments } from "./pages/admin/departments";
import { InboundMail } from "./pages/admin/inbound-mail";
import { CannedResponses } from "./pages/admin/canned";
import { Settings } from "./pages/admin/settings";
import { StaffMembers } from "./pages/admin/staff";
import { MyTickets } from "./pages/client/my-tickets";
import { NewTicket } from "./pages/client/new-ticket";
import { ClientTicket } from "./pages/client/ticket";
import { Mailbox } from "./pages/dev/mailbox";
import { Login } from "./pages/login";
import { StaffTicket } from "./pages/staff/ticket";
import { TicketList } from "./pages/staff/ticket-list";
import { Guard, MeDocument, Redirect, SessionContext, homeFor, useSession } from "./session";
import type { Me } from "./session";

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

const staff = (Page: () => preact.JSX.Element) => () => (
  <Guard need="staff">
    <Page />
  </Guard>
);
const admin = (Page: () => preact.JSX.Element) => () => (
  <Guard need="admin">
    <Page />
  </Guard>
);
const client = (Page: () => preact.JSX.Element) => () => (
  <Guard need="client">
    <Page />
  </Guard>
);

const StaffTickets = staff(TicketList);
const StaffTicketPage = staff(StaffTicket);
const DevMailbox = staff(Mailbox);
const AdminDepartments = admin(Departments);
const AdminStaff = admin(StaffMembers);
const AdminCanned = admin(CannedResponses);
const AdminSettings = admin(Settings);
const AdminInbound = admin(InboundMail);
const ClientTickets = client(MyTickets);
const ClientNew = client(NewTicket);
const ClientTicketPage = client(ClientTicket);
const AccountPage = () => (
  <Guard need="user">
    <Account />
  </Guard>
);

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
            <Route path="/admin" component={() => <Redirect to="/admin/tickets" />} />
            <Route path="/admin/tickets" component={StaffTickets} />
            <Route path="/admin/tickets/:number" component={StaffTicketPage} />
            <Route path="/admin/departments" component={AdminDepartments} />
            <Route path="/admin/staff" component={AdminStaff} />
            <Route path="/admin/canned" component={AdminCanned} />
            <Route path="/admin/settings" component={AdminSettings} />
            <Route path="/admin/inbound-mail" component={AdminInbound} />
            <Route path="/client" component={() => <Redirect to="/client/tickets" />} />
            <Route path="/client/tickets" component={ClientTickets} />
            <Route path="/client/tickets/new" component={ClientNew} />
            <Route path="/client/tickets/:number" component={ClientTicketPage} />
            <Route path="/dev/mailbox" component={DevMailbox} />
            <Route path="/account" component={AccountPage} />
            <Route default component={NotFound} />
          </Router>
        </Layout>
      </LocationProvider>
    </SessionContext.Provider>
  );
}
