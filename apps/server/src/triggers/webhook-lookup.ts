import { renderString } from "@ferry/core";
import { errorMessage } from "@ferry/sdk";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import { refKey, type TriggerOfKind } from "./declared-triggers.js";
import type { TriggerIndex } from "./trigger-index.js";
import type { TriggerStarter } from "./trigger-starter.js";

type WebhookTrigger = TriggerOfKind<"webhook">;

/** a rendered key is kept this long: keys written as `{{ secret('…') }}` follow a rotation within it */
const KEY_TTL_MS = 30_000;

/**
 * Finds the webhook trigger a call is for, in the trigger index by (namespace, flow id): no
 * read of the repository, whatever the number of flows. An unknown flow, a disabled flow or
 * trigger, and a wrong key all answer `undefined` alike, and keys are compared in constant
 * time, so a caller learns nothing about which flows exist.
 */
export class WebhookLookup {
  /** by trigger: the revision its key was rendered for, so a new revision renders it again */
  private readonly keys = new Map<string, { revision?: number; digest: Buffer; until: number }>();

  constructor(
    private readonly index: TriggerIndex,
    private readonly starter: TriggerStarter,
    private readonly logger: Logger,
  ) {}

  async find(namespace: string, flowId: string, key: string): Promise<WebhookTrigger | undefined> {
    const given = digest(key);
    let found: WebhookTrigger | undefined;
    for (const trigger of await this.index.of(namespace, flowId)) {
      if (trigger.kind !== "webhook" || trigger.flow.disabled || trigger.spec.disabled || this.index.state(trigger.ref)?.disabled) continue;
      const expected = await this.expectedKey(trigger);
      // every candidate is compared, so timing does not tell which one matched
      if (expected && timingSafeEqual(expected, given) && !found) found = trigger;
    }
    return found;
  }

  private async expectedKey(trigger: WebhookTrigger): Promise<Buffer | undefined> {
    const cacheKey = refKey(trigger.ref);
    const hit = this.keys.get(cacheKey);
    if (hit && hit.revision === trigger.flow.revision && hit.until > Date.now()) return hit.digest;
    try {
      const key = (await renderString(trigger.properties.key, this.starter.context(trigger, {}))).trim();
      const entry = { revision: trigger.flow.revision, digest: digest(key), until: Date.now() + KEY_TTL_MS };
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
