import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { sendJson } from "../api/client";
import { useFollowExecution } from "../api/follow-execution";
import { useExecution, useFlowGraph, useLoopIterations } from "../api/hooks";
import { TERMINAL, type Execution } from "../api/types";
import { ErrorBanner, formatDate, formatDuration, Labels, spanOf, StateBadge, Tabs } from "../components/common";
import { ValueTable } from "../components/file-value";
import { Gantt } from "../components/gantt";
import { LogView } from "../components/log-view";
import { Topology } from "../components/topology";
import { ResumeForm } from "./resume-form";

const TABS: Array<[string, string]> = [
  ["overview", "Overview"],
  ["gantt", "Gantt"],
  ["topology", "Topology"],
  ["logs", "Logs"],
  ["outputs", "Outputs"],
];

/** the state of each task id: its latest run's (a loop's runs share one id) */
function statesByTask(execution: Execution): Record<string, string> {
  const states: Record<string, string> = {};
  for (const run of execution.taskRunList) states[run.taskId] = run.state.current;
  return states;
}

function Actions({ execution }: { execution: Execution }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>();
  const state = execution.state.current;
  const act = async (method: string, path: string) => {
    setError(undefined);
    try {
      const answer = await sendJson<Execution>(method, path);
      if (answer?.id === execution.id) queryClient.setQueryData(["execution", execution.id], answer);
      await queryClient.invalidateQueries({ queryKey: ["execution", execution.id] });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <div className="row">
        {!TERMINAL.has(state) && (
          <button className="danger" onClick={() => act("DELETE", `executions/${execution.id}/kill`)}>
            Kill
          </button>
        )}
        {/* Kestra's State.isRestartable: failed, or paused */}
        {(state === "FAILED" || state === "KILLED" || state === "PAUSED") && <button onClick={() => act("POST", `executions/${execution.id}/restart`)}>Restart</button>}
        {TERMINAL.has(state) && (
          <button
            title="A new execution of the flow with the same inputs"
            onClick={async () => {
              setError(undefined);
              try {
                const replay = await sendJson<Execution>("POST", `executions/${execution.id}/replay`);
                navigate(`/executions/${replay.id}`);
              } catch (e) {
                setError(e);
              }
            }}
          >
            Replay
          </button>
        )}
      </div>
      <ErrorBanner error={error} />
    </>
  );
}

export default function ExecutionPage() {
  const { id = "", tab = "overview" } = useParams();
  const navigate = useNavigate();
  const query = useExecution(id);
  const execution = query.data;
  useFollowExecution(id, execution);
  const graph = useFlowGraph(execution?.namespace ?? "", execution?.flowId ?? "", execution?.flowRevision);
  const taskIds = useMemo(() => [...new Set(execution?.taskRunList.map((r) => r.taskId) ?? [])], [execution]);
  const [logTask, setLogTask] = useState<string>();
  // a Loop's iterations are sub-executions: listed, with links, under the Loop's task run
  const iterations = useLoopIterations(id, Boolean(execution) && !TERMINAL.has(execution!.state.current));
  const iterationsOf = useMemo(() => {
    const byRun = new Map<string, Execution[]>();
    for (const e of iterations.data?.results ?? []) if (e.loopRun) byRun.set(e.loopRun.taskRunId, [...(byRun.get(e.loopRun.taskRunId) ?? []), e]);
    for (const list of byRun.values()) list.sort((a, b) => a.loopRun!.index - b.loopRun!.index);
    return byRun;
  }, [iterations.data]);
  if (!execution) return <ErrorBanner error={query.error} />;
  const { start, end } = spanOf(execution.state, TERMINAL);
  return (
    <>
      <div className="crumbs">
        <Link to="/executions">Executions</Link> / <Link to={`/flows/${execution.namespace}/${execution.flowId}`}>{execution.namespace}.{execution.flowId}</Link>
      </div>
      <div className="page-head">
        <h1 className="mono" style={{ fontSize: 17 }}>
          {execution.id}
        </h1>
        <span data-testid="execution-state">
          <StateBadge state={execution.state.current} />
        </span>
        <span className="spacer" />
        <Actions execution={execution} />
      </div>
      {execution.state.current === "PAUSED" && <ResumeForm execution={execution} />}
      <Tabs tabs={TABS} active={tab} onChange={(t) => navigate(`/executions/${id}/${t}`)} />
      {tab === "overview" && (
        <div className="grid two">
          <div className="card">
            <dl className="kv">
              <dt>Flow</dt>
              <dd>
                <Link to={`/flows/${execution.namespace}/${execution.flowId}`}>{execution.flowId}</Link> (revision {execution.flowRevision})
              </dd>
              <dt>Namespace</dt>
              <dd>{execution.namespace}</dd>
              <dt>Started</dt>
              <dd>{formatDate(execution.state.histories[0]?.date)}</dd>
              <dt>Duration</dt>
              <dd>{formatDuration(end - start)}</dd>
              <dt>Labels</dt>
              <dd>
                <Labels labels={execution.labels} />
              </dd>
              {execution.trigger && (
                <>
                  <dt>Trigger</dt>
                  <dd>
                    {execution.trigger.id} ({execution.trigger.type})
                  </dd>
                </>
              )}
              {execution.parentId && (
                <>
                  <dt>Parent</dt>
                  <dd>
                    <Link to={`/executions/${execution.parentId}`}>{execution.parentId}</Link>
                  </dd>
                </>
              )}
            </dl>
          </div>
          <div className="card">
            <h3>Inputs</h3>
            <ValueTable executionId={execution.id} values={execution.inputs} />
            <h3>Outputs</h3>
            <ValueTable executionId={execution.id} values={execution.outputs as Record<string, unknown>} />
          </div>
          <div className="card" style={{ gridColumn: "1 / -1" }}>
            <h3>Task runs</h3>
            <table className="table">
              <tbody>
                {execution.taskRunList.map((run) => [
                  <tr key={run.id}>
                    <td className="mono">
                      {run.taskId}
                      {run.value ? ` [${run.value}]` : ""}
                    </td>
                    <td>
                      <StateBadge state={run.state.current} />
                    </td>
                    <td>{run.attempts.length} attempt{run.attempts.length === 1 ? "" : "s"}</td>
                    <td>
                      {run.subflowExecutionId && <Link to={`/executions/${run.subflowExecutionId}`}>subflow execution</Link>}{" "}
                      <button
                        className="link-button"
                        onClick={() => {
                          setLogTask(run.taskId);
                          navigate(`/executions/${id}/logs`);
                        }}
                      >
                        logs
                      </button>
                    </td>
                  </tr>,
                  ...(iterationsOf.get(run.id) ?? []).map((iteration) => (
                    <tr key={iteration.id} className="loop-iteration">
                      <td className="mono">
                        ↳ <Link to={`/executions/${iteration.id}`}>iteration {iteration.loopRun!.index}</Link> [{iteration.loopRun!.key ?? iteration.loopRun!.value}]
                      </td>
                      <td>
                        <StateBadge state={iteration.state.current} />
                      </td>
                      <td colSpan={2}>loop sub-execution</td>
                    </tr>
                  )),
                ])}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {tab === "gantt" && <Gantt execution={execution} />}
      {tab === "topology" && (graph.data ? <Topology graph={graph.data} states={statesByTask(execution)} /> : <ErrorBanner error={graph.error} />)}
      {tab === "logs" && <LogView executionId={execution.id} running={!TERMINAL.has(execution.state.current)} taskIds={taskIds} initialTask={logTask} />}
      {tab === "outputs" && (
        <div className="grid">
          {execution.taskRunList
            .filter((r) => r.outputs && Object.keys(r.outputs).length)
            .map((run) => (
              <div className="card" key={run.id}>
                <h3 className="mono">
                  {run.taskId}
                  {run.value ? ` [${run.value}]` : ""}
                </h3>
                <ValueTable executionId={execution.id} values={run.outputs} />
              </div>
            ))}
          {!execution.taskRunList.some((r) => r.outputs && Object.keys(r.outputs).length) && <p className="muted">No task has outputs.</p>}
        </div>
      )}
    </>
  );
}
