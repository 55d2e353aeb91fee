import { Link } from "react-router";
import { useNamespaces } from "../api/hooks";
import { ErrorBanner } from "../components/common";

export default function NamespacesPage() {
  const namespaces = useNamespaces();
  return (
    <>
      <div className="page-head">
        <h1>Namespaces</h1>
      </div>
      <ErrorBanner error={namespaces.error} />
      <table className="table">
        <tbody>
          {namespaces.data?.map((n) => (
            <tr key={n.id}>
              <td style={{ paddingLeft: 10 + 18 * (n.id.split(".").length - 1) }}>
                <Link to={`/namespaces/${n.id}`}>{n.id}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {namespaces.data?.length === 0 && <p className="empty">No namespace yet: deploy a flow or set a KV pair.</p>}
    </>
  );
}
