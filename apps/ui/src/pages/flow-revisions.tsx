import { useQuery } from "@tanstack/react-query";
import { diffLines } from "diff";
import { useState } from "react";
import { getJson } from "../api/client";
import type { Revision } from "../api/types";
import { ErrorBanner, formatDate } from "../components/common";

/** a flow's revisions, any two compared line by line */
export default function FlowRevisions({ namespace, id }: { namespace: string; id: string }) {
  const revisions = useQuery({ queryKey: ["revisions", namespace, id], queryFn: () => getJson<Revision[]>(`flows/${namespace}/${id}/revisions`) });
  const list = revisions.data ?? [];
  const [left, setLeft] = useState<number>();
  const [right, setRight] = useState<number>();
  const a = list.find((r) => r.revision === (left ?? list[list.length - 2]?.revision ?? list[0]?.revision));
  const b = list.find((r) => r.revision === (right ?? list[list.length - 1]?.revision));
  const pick = (value: number | undefined, set: (n: number) => void, label: string) => (
    <label>
      {label}
      <select value={value} onChange={(e) => set(Number(e.target.value))} aria-label={label}>
        {list.map((r) => (
          <option key={r.revision} value={r.revision}>
            {r.revision} · {formatDate(r.updated)}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <ErrorBanner error={revisions.error} />
      <div className="toolbar">
        {pick(a?.revision, setLeft, "From revision")}
        {pick(b?.revision, setRight, "To revision")}
      </div>
      {a && b && (
        <pre className="diff" data-testid="revision-diff">
          {diffLines(a.source, b.source).map((part, i) => (
            <span key={i} style={{ background: part.added ? "color-mix(in srgb, var(--SUCCESS) 22%, transparent)" : part.removed ? "color-mix(in srgb, var(--FAILED) 22%, transparent)" : undefined, display: "block" }}>
              {part.value
                .replace(/\n$/, "")
                .split("\n")
                .map((line) => `${part.added ? "+ " : part.removed ? "- " : "  "}${line}`)
                .join("\n")}
            </span>
          ))}
        </pre>
      )}
    </>
  );
}
