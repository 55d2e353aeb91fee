import { schema } from "@ferry/sdk";
import { z } from "zod";
import { renderLimitsSchema } from "./render.schema.js";

/**
 * A backend section: its `type` picks the implementation, which validates the rest. A
 * section given without `type` (say only FERRY_REPOSITORY__PATH) keeps the embedded one.
 */
const backend = (defaults: { type: string } & Record<string, unknown>) =>
  z.looseObject({ type: z.string().min(1).default(defaults.type) }).default(defaults);

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: z.coerce.number().int().min(0).max(65535).default(8080),
      /** largest request body accepted, in bytes */
      maxBodySize: z.coerce.number().int().positive().default(10 * 1024 * 1024),
      /**
       * Who may call the API: basic users and/or bearer tokens (write them as ${ENV}). Without
       * any, the server only listens on a loopback address. Webhooks answer to their key alone.
       */
      auth: z
        .strictObject({
          basic: z.array(z.strictObject({ username: z.string().min(1), password: z.string().min(8, "use a password of 8 characters or more") })).default([]),
          tokens: z.array(z.string().min(16, "use a token of 16 characters or more")).default([]),
        })
        .optional(),
    })
    .prefault({}),
  repository: backend({ type: "sqlite", path: "./.ferry/ferry.db" }),
  storage: backend({ type: "local", path: "./.ferry/storage" }),
  secrets: backend({ type: "env" }),
  queue: backend({ type: "memory" }),
  /**
   * Where history (ended executions, logs, metrics) is searched: `repository` (the primary
   * itself), `postgres` (a database of its own, fed by the exporter) or `none`.
   */
  history: z
    .looseObject({
      type: z.string().min(1).default("repository"),
      /**
       * Once exported (history.type postgres), ended executions older than this are dropped
       * from the primary, with their task runs, logs and metrics; their files stay in storage,
       * and the API answers them from history. Absent: the primary keeps them (retention decides).
       */
      primaryRetention: schema.duration({ positive: true }).optional(),
      /**
       * One server replica at a time exports (history.type postgres): it holds a lease in the
       * primary repository, renewed every third of this; a holder that dies is replaced once
       * its lease runs out.
       */
      exportLease: schema.duration({ positive: true }).default("PT15S"),
    })
    .default({ type: "repository", exportLease: "PT15S" }),
  plugins: z.array(z.string()).default(["@ferry/plugin-core", "@ferry/plugin-script"]),
  worker: z
    .strictObject({
      concurrency: z.coerce.number().int().min(1).default(8),
      groups: z.array(z.string()).default(["default"]),
      /**
       * The user task processes (script.Shell, script.Node, script.Deno) run as: a user name or
       * `uid:gid`. The worker must run as root to use it. Absent: the worker's own user, whose
       * environment, memory and files a script can then read.
       */
      processUser: z.string().regex(/^\S+$/, "a user name or uid:gid").optional(),
      /**
       * Local mode (`ferry server local`): how many worker threads run its task runs, beside
       * the thread of the API and executor, sharing `concurrency` between them. 0 runs them on
       * the API's thread. Absent: none on two cores or fewer, else up to 2 (cores - 2, at most concurrency).
       */
      threads: z.coerce.number().int().min(0).max(64).optional(),
    })
    .superRefine((worker, ctx) => {
      if (worker.threads !== undefined && worker.threads > worker.concurrency) {
        ctx.addIssue({
          code: "custom", path: ["threads"],
          message: `${worker.threads} threads share a worker.concurrency of ${worker.concurrency}, and each takes at least one task run at a time: lower worker.threads or raise worker.concurrency`,
        });
      }
    })
    .prefault({}),
  executor: z
    .strictObject({
      /** how often the repository is checked for work the queue lost (shared queues only) */
      reconcileEvery: schema.duration({ positive: true }).default("PT5S"),
      /** how long work may sit unclaimed before it is dispatched again */
      staleAfter: schema.duration({ positive: true }).default("PT30S"),
    })
    .prefault({}),
  /**
   * The AES-256 key (32 bytes, base64) SECRET inputs are encrypted with, on the server that
   * stores them and the workers that read them. Local mode makes one in ./.ferry/ when absent.
   */
  encryption: z.strictObject({ key: schema.aes256Key().optional() }).prefault({}),
  /**
   * How far a flow reaches into other namespaces (KV, namespace files, task files, executions, logs, triggers):
   * `none`, every namespace, as Kestra's open-source edition; `tree`, only its own namespace's branch (@ferry/sdk namespace-scope.ts)
   */
  namespaces: z.strictObject({ isolation: z.enum(["none", "tree"]).default("none") }).prefault({}),
  /** with `namespaces.isolation: tree`, namespaces whose KV pairs every flow may use, beside its own namespace's and its parents' */
  kv: z.strictObject({ sharedNamespaces: z.array(z.string().min(1)).default([]) }).prefault({}),
  /**
   * The retention rule: ended executions older than `executions` are purged (records, logs,
   * metrics, storage) every `every`, and expired KV pairs with them. `enabled: false` keeps everything.
   */
  retention: z
    .strictObject({
      enabled: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).default(true),
      executions: schema.duration({ positive: true }).default("P30D"),
      every: schema.duration({ positive: true }).default("PT1H"),
    })
    .prefault({}),
  logging: z.strictObject({ level: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info") }).prefault({}),
  render: renderLimitsSchema.prefault({}),
  /**
   * Who this Ferry is, as Kestra's `kestra.environment.name` and `kestra.url` tell it: templates
   * read them as `{{ kestra.environment }}` and `{{ kestra.url }}` (the URL with a trailing slash).
   * Give the workers the same block as the server.
   */
  instance: z
    .strictObject({
      environment: z.string().min(1).optional(),
      url: z.url({ error: "expected an absolute URL such as https://ferry.example.com" }).optional(),
    })
    .prefault({}),
  /**
   * Kestra's `kestra.variables.globals`: values every template reads as `{{ globals.<key> }}`
   * (literal data, never rendered). Give the workers the same block as the server.
   */
  variables: z.strictObject({ globals: z.record(z.string(), z.unknown()).default({}) }).prefault({}),
});

export type FerryConfig = z.infer<typeof configSchema>;
