import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState, useSyncExternalStore } from "react";
import { NavLink, Route, Routes } from "react-router";
import { unauthorized } from "./api/client";
import { credentials } from "./api/credentials";
import { LoginForm } from "./components/login-form";
import { Logo } from "./components/logo";
import { ThemeToggle } from "./components/theme-toggle";

const Dashboard = lazy(() => import("./pages/dashboard.page"));
const Flows = lazy(() => import("./pages/flows.page"));
const FlowPage = lazy(() => import("./pages/flow.page"));
const NewFlow = lazy(() => import("./pages/new-flow.page"));
const Executions = lazy(() => import("./pages/executions.page"));
const ExecutionPage = lazy(() => import("./pages/execution.page"));
const Namespaces = lazy(() => import("./pages/namespaces.page"));
const NamespacePage = lazy(() => import("./pages/namespace.page"));
const Triggers = lazy(() => import("./pages/triggers.page"));
const Logs = lazy(() => import("./pages/logs.page"));
const Plugins = lazy(() => import("./pages/plugins.page"));
const ApiDocs = lazy(() => import("./pages/api-docs.page"));

const NAV = [
  ["/", "Dashboard"],
  ["/flows", "Flows"],
  ["/executions", "Executions"],
  ["/logs", "Logs"],
  ["/namespaces", "Namespaces"],
  ["/triggers", "Triggers"],
  ["/plugins", "Plugins"],
  ["/api", "API"],
] as const;

/** the login form shows once the API has answered 401, and until credentials it accepts are given */
function useNeedsLogin(): [boolean, () => void] {
  const [needed, setNeeded] = useState(false);
  useEffect(() => {
    const show = () => setNeeded(true);
    unauthorized.addEventListener("unauthorized", show);
    return () => unauthorized.removeEventListener("unauthorized", show);
  }, []);
  return [needed, () => setNeeded(false)];
}

export function App() {
  const [needsLogin, loggedIn] = useNeedsLogin();
  const signedIn = useSyncExternalStore(credentials.subscribe, () => credentials.get() !== undefined);
  const queryClient = useQueryClient();
  if (needsLogin) {
    return (
      <LoginForm
        onLoggedIn={() => {
          loggedIn();
          void queryClient.resetQueries();
        }}
      />
    );
  }
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <Logo />
          Ferry
        </div>
        {NAV.map(([to, label]) => (
          <NavLink key={to} to={to} end={to === "/"} className={({ isActive }) => (isActive ? "nav-link active" : "nav-link")}>
            {label}
          </NavLink>
        ))}
        <div className="sidebar-foot">
          <ThemeToggle />
          {signedIn && (
            <button className="link-button" onClick={() => credentials.set(undefined)}>
              Sign out
            </button>
          )}
        </div>
      </nav>
      <main className="content">
        <Suspense fallback={<div className="loading">Loading…</div>}>
          <Routes>
            <Route path="/" element={<Dashboard />} />
            <Route path="/flows" element={<Flows />} />
            <Route path="/flows/new" element={<NewFlow />} />
            <Route path="/flows/:namespace/:id/:tab?" element={<FlowPage />} />
            <Route path="/executions" element={<Executions />} />
            <Route path="/executions/:id/:tab?" element={<ExecutionPage />} />
            <Route path="/namespaces" element={<Namespaces />} />
            <Route path="/namespaces/:namespace/:tab?" element={<NamespacePage />} />
            <Route path="/triggers" element={<Triggers />} />
            <Route path="/logs" element={<Logs />} />
            <Route path="/plugins/:type?" element={<Plugins />} />
            <Route path="/api" element={<ApiDocs />} />
            <Route path="*" element={<p className="empty">No page here.</p>} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
