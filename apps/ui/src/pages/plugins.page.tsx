import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { getJson } from "../api/client";
import { usePlugins } from "../api/hooks";
import type { JsonSchema, PluginDoc } from "../api/types";
import { ErrorBanner } from "../components/common";

const typeOf = (s: JsonSchema): string => {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.anyOf) return s.anyOf.map(typeOf).join(" or ");
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
  return String(s.type ?? "any");
};

function PropertyTable({ schema }: { schema: JsonSchema }) {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  if (!entries.length) return <p className="muted">None.</p>;
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Required</th>
          <th>Default</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, p]) => (
          <tr key={name}>
            <td className="mono">{name}</td>
            <td className="mono">{typeOf(p)}</td>
            <td>{required.has(name) ? "yes" : ""}</td>
            <td className="mono">{p.default === undefined ? "" : JSON.stringify(p.default)}</td>
            <td>{p.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** one type's page, from `GET /api/v1/plugins/{type}`: the definition `ferry plugin docs` writes its Markdown from */
function PluginDocView({ type }: { type: string }) {
  const doc = useQuery({ queryKey: ["plugin", type], queryFn: () => getJson<PluginDoc>(`plugins/${encodeURIComponent(type)}`), staleTime: Infinity });
  if (!doc.data) return <ErrorBanner error={doc.error} />;
  const d = doc.data;
  return (
    <article>
      <h1 className="mono">{d.type}</h1>
      <p>
        {d.title} <span className="muted">({d.kind}{d.taskKind ? `, ${d.taskKind}` : ""}{d.plugin ? ` · ${d.plugin.name} ${d.plugin.version}` : ""})</span>
      </p>
      {d.aliases.length > 0 && (
        <p className="muted">
          Also: {d.aliases.map((a) => <code key={a} style={{ marginRight: 8 }}>{a}</code>)}
        </p>
      )}
      {d.description && d.description.split(/\n\n+/).map((para, i) => <p key={i}>{para}</p>)}
      <h2>Properties</h2>
      <PropertyTable schema={d.schema.properties} />
      {d.schema.outputs && (
        <>
          <h2>Outputs</h2>
          <PropertyTable schema={d.schema.outputs} />
        </>
      )}
      {d.examples.map((example) => (
        <section key={example.title}>
          <h2>Example: {example.title}</h2>
          <pre>{example.flow}</pre>
        </section>
      ))}
    </article>
  );
}

export default function PluginsPage() {
  const { type } = useParams();
  const plugins = usePlugins();
  const [filter, setFilter] = useState("");
  const match = (t: { type: string; title: string; aliases: string[] }) => !filter || [t.type, t.title, ...t.aliases].some((s) => s.toLowerCase().includes(filter.toLowerCase()));
  return (
    <div className="row" style={{ alignItems: "flex-start", flexWrap: "nowrap" }}>
      <nav className="card" style={{ width: 260, flexShrink: 0, maxHeight: "calc(100vh - 40px)", overflow: "auto", position: "sticky", top: 20 }} aria-label="Plugin types">
        <input type="search" placeholder="Filter types" value={filter} onChange={(e) => setFilter(e.target.value)} style={{ width: "100%" }} aria-label="Filter plugin types" />
        <ErrorBanner error={plugins.error} />
        {plugins.data?.map((p) => (
          <div key={p.name}>
            <h3>
              {p.name} <span className="muted">{p.version}</span>
            </h3>
            {[...p.tasks, ...p.triggers].filter(match).map((t) => (
              <div key={t.type}>
                <Link to={`/plugins/${t.type}`} className="mono" style={{ fontWeight: t.type === type ? 700 : undefined }}>
                  {t.type}
                </Link>
              </div>
            ))}
          </div>
        ))}
      </nav>
      <div style={{ flex: 1, minWidth: 0 }}>{type ? <PluginDocView type={type} /> : <p className="muted">Choose a task or trigger type.</p>}</div>
    </div>
  );
}
