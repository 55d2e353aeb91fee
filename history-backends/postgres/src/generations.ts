import type postgres from "postgres";
import { createLayout, SCHEMA_LOCK } from "./history-schema.js";

/** what searches read: views in `public` over the live generation's tables */
const READ_VIEWS = ["executions", "execution_days", "logs", "metrics"] as const;
/** the tables of the first layouts, in `public` before generations existed */
const FIRST_LAYOUT = ["executions", "execution_days", "logs", "metrics", "export_position"] as const;
const GENERATION = /^history_g\d+$/;

export interface GenerationState {
  live: string;
  /** the generation a rebuild is filling, until it is switched live */
  building?: string;
}

/**
 * Rebuild generations. Each generation is a schema (`history_g1`, `history_g2`, …) with the
 * whole layout, its own partitions and export position. Searches read views in `public` that
 * select from the live generation. A rebuild fills a new generation beside it while the live
 * one keeps serving; the switch re-points the views and the row below in one transaction, so a
 * search sees the old generation or the new one, never a half. A rebuild that dies leaves its
 * generation unfinished: the live one still serves, and the next exporter goes on filling it.
 */
const META = `
create table if not exists public.history_generations (
  id smallint primary key check (id = 1),
  live text not null,
  building text,
  next_number integer not null
);
`;

export async function readGenerations(sql: postgres.Sql | postgres.TransactionSql, lock?: "share" | "update"): Promise<GenerationState> {
  const [row] = await sql<Array<{ live: string; building: string | null }>>`
    select live, building from public.history_generations where id = 1 ${lock === "update" ? sql`for update` : lock === "share" ? sql`for share` : sql``}`;
  return { live: row.live, building: row.building ?? undefined };
}

/** the generation writes go to: the one being built, else the live one */
export const writeTarget = (state: GenerationState) => state.building ?? state.live;

async function pointViewsAt(tx: postgres.TransactionSql, schema: string): Promise<void> {
  for (const view of READ_VIEWS) {
    await tx.unsafe(`drop view if exists public.${view}`);
    await tx.unsafe(`create view public.${view} as select * from "${schema}".${view}`);
  }
}

/**
 * At start: the generations table, the layout of the live generation and of any being built
 * (completed if a newer Ferry added to it), the views, and no schema of an abandoned
 * generation left. A database of the first layout (tables in `public`) becomes generation 1.
 */
export async function createGenerations(client: postgres.Sql): Promise<void> {
  await client.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${SCHEMA_LOCK})`;
    await tx.unsafe(META);
    const [row] = await tx<Array<{ live: string }>>`select live from public.history_generations where id = 1`;
    if (!row) {
      await tx.unsafe(`create schema if not exists history_g1`);
      await moveFirstLayout(tx, "history_g1");
      await tx`insert into public.history_generations (id, live, next_number) values (1, 'history_g1', 2)`;
    }
    const state = await readGenerations(tx);
    for (const schema of [state.live, state.building]) if (schema) await createLayout(tx, schema);
    await tx`select set_config('search_path', 'public', true)`;
    await pointViewsAt(tx, state.live);
    const schemas = await tx<Array<{ name: string }>>`select nspname as name from pg_namespace where nspname like 'history\\_g%'`;
    for (const { name } of schemas) if (GENERATION.test(name) && name !== state.live && name !== state.building) await tx.unsafe(`drop schema "${name}" cascade`);
  });
}

/** the first layout's tables and their partitions move, rows and all, into the first generation */
async function moveFirstLayout(tx: postgres.TransactionSql, schema: string): Promise<void> {
  for (const table of FIRST_LAYOUT) {
    const [found] = await tx<Array<{ oid: number; kind: string }>>`select c.oid::int as oid, c.relkind as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relname = ${table}`;
    if (!found || !["r", "p"].includes(found.kind)) continue;
    const parts = await tx<Array<{ name: string }>>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = ${found.oid}`;
    await tx.unsafe(`alter table public.${table} set schema "${schema}"`);
    for (const { name } of parts) await tx.unsafe(`alter table public."${name}" set schema "${schema}"`);
  }
}

/** a new, empty generation to rebuild into; an unfinished one is dropped first. Returns the dropped one's name. */
export async function beginGeneration(client: postgres.Sql): Promise<{ building: string; dropped?: string }> {
  return (await client.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${SCHEMA_LOCK})`;
    const state = await readGenerations(tx, "update");
    if (state.building) await tx.unsafe(`drop schema "${state.building}" cascade`);
    const [{ n }] = await tx<Array<{ n: number }>>`update public.history_generations set next_number = next_number + 1 where id = 1 returning next_number - 1 as n`;
    const building = `history_g${n}`;
    await createLayout(tx, building);
    await tx`update public.history_generations set building = ${building} where id = 1`;
    return { building, dropped: state.building };
  })) as { building: string; dropped?: string };
}

/**
 * The generation being built becomes the live one, in one transaction (views and row); the old
 * one is dropped after. Returns the dropped generation, or undefined when no rebuild was under way.
 */
export async function switchGeneration(client: postgres.Sql): Promise<string | undefined> {
  const old = (await client.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${SCHEMA_LOCK})`;
    const state = await readGenerations(tx, "update");
    if (!state.building) return undefined;
    await pointViewsAt(tx, state.building);
    await tx`update public.history_generations set live = ${state.building}, building = null where id = 1`;
    return state.live;
  })) as string | undefined;
  // after the switch, so searches running on the old generation finish first; one left by a
  // crash here is dropped at the next start
  if (old) await client.unsafe(`drop schema if exists "${old}" cascade`);
  return old;
}
