import { renderString, type PluginRegistry } from "@ferry/core";
import type { FlowStore } from "@ferry/engine";
import { errorMessage, NotFoundError } from "@ferry/sdk";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import { declaredTriggers, refKey, type DeclaredTrigger, type TriggerIndex, type TriggerOfKind } from "./trigger-index.js";

type WebhookTrigger = TriggerOfKind<"webhook">;
import type { TriggerStarter } from "./trigger-starter.js";

/** a rendered key is kept this long: keys written as `{{ secret('…') }}` follow a rotation within it */
const KEY_TTL_MS = 30_000;

/**
 * Finds the webhook trigger a call is for. An unknown flow, a disabled flow or trigger, and
 * a wrong key all answer `undefined` alike, and keys are compared in constant time, so a
 * caller learns nothing about which flows exist.
 */
export class WebhookLookup {
  private readonly keys = new Map<string, { digest: Buffer; until: number }>();
  private readonly declared = new Map<string, WebhookTrigger[]>();

  constructor(
    private readonly flows: FlowStore,
    private readonly registry: PluginRegistry,
    private readonly index: TriggerIndex,
    private readonly starter: TriggerStarter,
    private readonly logger: Logger,
  ) {}

  async find(namespace: string, flowId: string, key: string): Promise<WebhookTrigger | undefined> {
    let flow;
    try {
      flow = await this.flows.get(namespace, flowId);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    if (flow.disabled) return undefined;
    await this.index.all(); // trigger states (disabled) as of the last few seconds
    const given = digest(key);
    let found: WebhookTrigger | undefined;
    for (const trigger of this.webhooksOf(flow)) {
      if (trigger.spec.disabled || this.index.state(trigger.ref)?.disabled) continue;
      const expected = await this.expectedKey(trigger);
      // every candidate is compared, so timing does not tell which one matched
      if (expected && timingSafeEqual(expected, given) && !found) found = trigger;
    }
    return found;
  }

  private webhooksOf(flow: DeclaredTrigger["flow"]): WebhookTrigger[] {
    const cacheKey = `${flow.namespace}/${flow.id}@${flow.revision}`;
    let list = this.declared.get(cacheKey);
    if (!list) {
      list = declaredTriggers(flow, this.registry).filter((t): t is WebhookTrigger => t.kind === "webhook");
      this.declared.set(cacheKey, list);
    }
    return list;
  }

  private async expectedKey(trigger: WebhookTrigger): Promise<Buffer | undefined> {
    const cacheKey = `${refKey(trigger.ref)}@${trigger.flow.revision}`;
    const hit = this.keys.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.digest;
    try {
      const key = (await renderString(trigger.properties.key, this.starter.context(trigger, {}))).trim();
      const entry = { digest: digest(key), until: Date.now() + KEY_TTL_MS };
      this.keys.set(cacheKey, entry);
      return entry.digest;
    } catch (error) {
      // a key that cannot be rendered (a missing secret) matches nothing; say so to the operator
      this.logger.warn({ trigger: refKey(trigger.ref) }, `webhook key cannot be rendered: ${errorMessage(error)}`);
      return undefined;
    }
  }
}

/** equal-length digests, so timingSafeEqual can compare keys of any length */
const digest = (text: string) => createHash("sha256").update(text).digest();
