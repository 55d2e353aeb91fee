import { defineTask, schema, z, type ApprovalBehavior, type FlowableContext } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

const BEHAVIORS = ["CONTINUE", "WARN", "FAIL", "SUCCEED", "CANCEL", "KILL"] as const;
const COMMENT_REQUIRED = ["NEVER", "ALWAYS", "ON_DENY", "ON_APPROVE"] as const;

const behavior = (fallback: ApprovalBehavior, what: string) =>
  z.enum(BEHAVIORS, { error: `${what} is one of ${BEHAVIORS.join(", ")}` }).default(fallback).describe(`what happens to the task run and its execution ${what === "expireBehavior" ? "when the request expires" : `after ${what === "approveBehavior" ? "onApprove" : "onDeny"} ended`}`);

/** an Approval's review `inputs`: checked at deploy against the flow-input schema (inputProperties) */
const inputList = () => z.array(z.looseObject({ id: z.string(), type: z.string() }));

/** Kestra Enterprise's Approval properties: Kestra OSS has none of them, Ferry neither */
const enterpriseOnly = (name: string, what: string) =>
  z.never({ error: `${name} (${what}) is an Enterprise Edition property of Approval: Kestra OSS has no such property, and Ferry does not support it` }).optional();

/**
 * Kestra's UriProvider.executionUrl: the execution's page under the configured instance URL
 * (`kestra.url`), or none when no URL is configured.
 */
async function executionUrl(ctx: FlowableContext): Promise<string | undefined> {
  const base = await ctx.render("{{ kestra.url }}").catch(() => undefined);
  if (typeof base !== "string" || !base) return undefined;
  const { namespace, flowId, id } = ctx.execution;
  return `${base.endsWith("/") ? base : `${base}/`}ui/main/executions/${namespace}/${flowId}/${id}`;
}

export const approvalTask = defineTask({
  kind: "flowable",
  type: "core.Approval",
  aliases: ["io.kestra.plugin.core.flow.Approval"],
  title: "Pause the flow until a reviewer approves or denies it",
  description:
    "Runs `onWait`, then pauses the task run and its execution until a reviewer decides through `POST /api/v1/executions/{id}/actions/review` " +
    "(`{\"decision\": \"APPROVED\"|\"DENIED\", \"comment\": …, \"inputs\": {…}}`), then runs `onApprove` or `onDeny`. With the task's `timeout`, " +
    "a request nobody reviewed in time EXPIRES: no branch runs. Once the decision's branch (and `errors`, `finally`) ended without error, " +
    "`approveBehavior`, `denyBehavior` or `expireBehavior` says what follows: CONTINUE (the branch's state), WARN, FAIL (the task run), " +
    "SUCCEED, CANCEL or KILL (the whole execution; KILL stops what still runs). `autoApprove` skips the wait: `onApprove` runs at once. " +
    "Outputs: `decision`, `auto`, `by`, `on`, `comment`, `inputs`, `due`, `url`.",
  properties: z.strictObject({
    inputs: inputList().optional().describe("fields the reviewer fills in, typed like flow inputs; their values are the output `inputs`"),
    decisions: z
      .strictObject({ approve: schema.text().default("Approve"), deny: schema.text().default("Deny") })
      .default({ approve: "Approve", deny: "Deny" })
      .describe("the names of the two decisions; a review may give them instead of APPROVED and DENIED"),
    commentRequired: z.enum(COMMENT_REQUIRED, { error: `commentRequired is one of ${COMMENT_REQUIRED.join(", ")}` }).default("NEVER").describe("when a review must hold a comment"),
    autoApprove: schema.bool().default(false).describe("when true, nobody reviews: onApprove runs at once, with the output auto: true"),
    approveBehavior: behavior("CONTINUE", "approveBehavior"),
    denyBehavior: behavior("CANCEL", "denyBehavior"),
    expireBehavior: behavior("CANCEL", "expireBehavior"),
    onWait: taskList().optional().describe("tasks run before the execution pauses"),
    onApprove: taskList().optional().describe("tasks run once approved"),
    onDeny: taskList().optional().describe("tasks run once denied"),
    title: enterpriseOnly("title", "the request's title on the Approvals page"),
    assignment: enterpriseOnly("assignment", "who may review"),
    case: enterpriseOnly("case", "the approval case"),
    ...handlers,
  }),
  taskProperties: ["onWait", "onApprove", "onDeny", ...HANDLER_LISTS],
  rawProperties: ["inputs"],
  inputProperties: ["inputs"],
  pausedBy: "review",
  examples: [
    {
      title: "Approve before deploying",
      flow:
        "id: deploy_release\nnamespace: company.team\ntasks:\n  - id: approval\n    type: core.Approval\n    timeout: PT4H\n    commentRequired: ON_DENY\n" +
        "    onWait:\n      - id: notify\n        type: core.Log\n        message: \"Please review execution {{ execution.id }}\"\n" +
        "    onApprove:\n      - id: deploy\n        type: core.Log\n        message: \"Deploying: {{ outputs.approval.decision }}\"\n" +
        "    onDeny:\n      - id: denied\n        type: core.Log\n        message: \"Denied: {{ outputs.approval.comment }}\"\n",
    },
  ],
  async plan(ctx, props) {
    const url = await executionUrl(ctx);
    const auto = props.autoApprove;
    return {
      // autoApprove: no wait, no onWait, onApprove at once (Kestra's childTasks checks the decision first)
      branches: auto ? (props.onApprove?.length ? [{ path: ["onApprove"] }] : []) : props.onWait?.length ? [{ path: ["onWait"] }] : [],
      concurrency: 1,
      outputs: { ...(url ? { url } : {}), auto, ...(auto ? { decision: "APPROVED" } : {}) },
      approval: {
        approvePath: ["onApprove"],
        denyPath: ["onDeny"],
        behaviors: { APPROVED: props.approveBehavior, DENIED: props.denyBehavior, EXPIRED: props.expireBehavior },
        commentRequired: props.commentRequired,
        decisionNames: { approve: props.decisions.approve, deny: props.decisions.deny },
        ...(auto ? { decision: "APPROVED" as const } : {}),
      },
    };
  },
});
