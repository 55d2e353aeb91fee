import { useQuery } from "@tanstack/react-query";
import { getJson, query } from "./client";
import type { Execution, Flow, FlowGraph, Page, PluginSummary } from "./types";

export const useFlow = (namespace: string, id: string, revision?: number) =>
  useQuery({ queryKey: ["flow", namespace, id, revision], queryFn: () => getJson<Flow>(`flows/${namespace}/${id}${query({ revision })}`) });

export const useFlowGraph = (namespace: string, id: string, revision?: number) =>
  useQuery({ queryKey: ["graph", namespace, id, revision], queryFn: () => getJson<FlowGraph>(`flows/${namespace}/${id}/graph${query({ revision })}`) });

export const useExecution = (id: string) => useQuery({ queryKey: ["execution", id], queryFn: () => getJson<Execution>(`executions/${id}`) });

/** a Loop's iterations under an execution (Kestra's loop sub-executions, kind LOOP), refreshed while it runs */
export const useLoopIterations = (parentId: string, live: boolean) =>
  useQuery({
    queryKey: ["loop-iterations", parentId],
    queryFn: () => getJson<Page<Execution>>(`executions/search${query({ parentId, kind: "LOOP", size: 1000 })}`),
    refetchInterval: live ? 2000 : false,
  });

export const useNamespaces = () => useQuery({ queryKey: ["namespaces"], queryFn: () => getJson<Array<{ id: string }>>("namespaces"), staleTime: 30_000 });

export const usePlugins = () => useQuery({ queryKey: ["plugins"], queryFn: () => getJson<PluginSummary[]>("plugins"), staleTime: Infinity });

export interface ExecutionFilters {
  namespace?: string;
  flowId?: string;
  state?: string[];
  labels?: string[];
  startDate?: string;
  endDate?: string;
  page: number;
  size: number;
}

export const useExecutionSearch = (filters: ExecutionFilters, live: boolean) =>
  useQuery({
    queryKey: ["executions", filters],
    queryFn: () => getJson<Page<Execution>>(`executions/search${query({ ...filters })}`),
    refetchInterval: live ? 2000 : false,
    placeholderData: (previous) => previous,
  });
