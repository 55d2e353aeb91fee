import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { getJson, query } from "../api/client";
import type { Flow, Page } from "../api/types";
import { ErrorBanner, formatDate, Tabs } from "../components/common";
import { KvPanel } from "./namespace-kv";
import { SecretsPanel } from "./namespace-secrets";

const FilesPanel = lazy(() => import("./namespace-files"));

const TABS: Array<[string, string]> = [
  ["flows", "Flows"],
  ["kv", "KV store"],
  ["files", "Files"],
  ["secrets", "Secrets"],
];

function NamespaceFlows({ namespace }: { namespace: string }) {
  const flows = useQuery({ queryKey: ["flows", namespace, "", 1], queryFn: () => getJson<Page<Flow>>(`flows/search${query({ namespace, size: 1000 })}`) });
  return (
    <>
      <ErrorBanner error={flows.error} />
      <table className="table">
        <tbody>
          {flows.data?.results.map((f) => (
            <tr key={`${f.namespace}.${f.id}`}>
              <td>
                <Link to={`/flows/${f.namespace}/${f.id}`}>{f.id}</Link>
              </td>
              <td className="muted">{f.namespace}</td>
              <td>{formatDate(f.updated)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {flows.data?.total === 0 && <p className="empty">No flow in this namespace.</p>}
    </>
  );
}

export default function NamespacePage() {
  const { namespace = "", tab = "flows" } = useParams();
  const navigate = useNavigate();
  return (
    <>
      <div className="crumbs">
        <Link to="/namespaces">Namespaces</Link>
      </div>
      <div className="page-head">
        <h1>{namespace}</h1>
      </div>
      <Tabs tabs={TABS} active={tab} onChange={(t) => navigate(`/namespaces/${namespace}/${t}`)} />
      <Suspense fallback={<div className="loading">Loading…</div>}>
        {tab === "flows" && <NamespaceFlows namespace={namespace} />}
        {tab === "kv" && <KvPanel namespace={namespace} />}
        {tab === "files" && <FilesPanel namespace={namespace} />}
        {tab === "secrets" && <SecretsPanel namespace={namespace} />}
      </Suspense>
    </>
  );
}
