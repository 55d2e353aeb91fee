import { KeyedFifo } from "./keyed-fifo.js";
import { copyMessage, copySharing } from "./message-copy.js";
import { defineBackend, parseBackendOptions, setLongTimeout, z, type LongTimer, type ConsumeOptions, type Delivery, type Queue, type QueueMessageOptions, type Subscription } from "@ferry/sdk";

// in one process nothing dies without the queue dying too: every delivery is the first
const FIRST_DELIVERY: Delivery = Object.freeze({ deliveries: 1 });

interface Envelope {
  message: unknown;
  key?: string;
  /** the id of a message sent now with one: held in its channel's `unacknowledged` until handled */
  held?: string;
  /** the message shares parts with others waiting (copySharing): copied again when delivered */
  shared?: true;
}

interface Channel {
  pending: KeyedFifo<Envelope>;
  consumers: Consumer[];
  /** a pump is due on the next turn of the event loop */
  pumpScheduled: boolean;
  /** the last parts copied by name, for messages sent into a backlog to share (copySharing) */
  recent: Map<string, unknown>;
}

interface Consumer {
  handler: (message: unknown, delivery: Delivery) => Promise<void>;
  concurrency: number;
  running: number;
  onError: (error: unknown) => void;
  closed: boolean;
}

/**
 * The local-mode queue: in-process channels. Messages sharing a key are handed out one at
 * a time in send order; others run up to each consumer's concurrency. Nothing survives the
 * process, which is fine for local mode: the repository is the system of record and the
 * executor reconciles unfinished executions at start.
 */
/** deliveries made inside `send` per turn of the event loop before the rest wait for the next turn */
const INLINE_DELIVERIES_PER_TURN = 64;
/**
 * A channel with this many messages waiting holds the next ones sharing equal parts (copySharing):
 * a ForEach with no concurrency limit queues all its jobs at once, each with the same task and
 * execution context (issue #18.1). Below it, as in benchmark01, each message is one copy, made once.
 */
const SHARED_FROM = 1000;
/** how long an id no settle came for is remembered past its message's due time (the Redis queue's id TTL) */
const ID_TTL_MS = 7 * 24 * 3600 * 1000;
/** how often at most a send looks for such ids to forget */
const ID_SWEEP_EVERY_MS = 3600 * 1000;

export interface MemoryQueueOptions {
  /** the clock the ids' expiry is counted on (tests move it) */
  now?: () => number;
}

export class MemoryQueue implements Queue {
  private readonly channels = new Map<string, Channel>();
  private readonly topics = new Map<string, Set<(message: unknown) => void>>();
  private readonly timers = new Set<LongTimer>();
  /**
   * ids of messages sent and not yet settled, per channel (idempotent sends), each with when it
   * may be forgotten: a week past its message's due time, so a settle that never comes (a
   * sender that died) leaks nothing, as the SDK's Queue.settle promises
   */
  private readonly outstanding = new Map<string, Map<string, number>>();
  private readonly now: () => number;
  private nextSweep: number;
  /** delayed messages sent with an id, not yet due, by channel and id: a settle drops them (see settle) */
  private readonly delayed = new Map<string, LongTimer>();
  /**
   * ids of messages sent with one that wait or are being handled (a `resend` waits for them), per
   * channel: a ForEach's 100,000 queued jobs each held a `channel\0id` string of ~130 bytes here (issue #18.1)
   */
  private readonly unacknowledged = new Map<string, Set<string>>();
  private closed = false;
  /** deliveries left to make inside `send` in this turn of the event loop (see enqueue) */
  private inlineBudget = INLINE_DELIVERIES_PER_TURN;
  private budgetRefill = false;

  constructor(options: MemoryQueueOptions = {}) {
    this.now = options.now ?? Date.now;
    this.nextSweep = this.now() + ID_SWEEP_EVERY_MS;
  }

  private channel(name: string) {
    let c = this.channels.get(name);
    if (!c) {
      c = { pending: new KeyedFifo<Envelope>(), consumers: [], pumpScheduled: false, recent: new Map() };
      this.channels.set(name, c);
    }
    return c;
  }

  async send<T>(channel: string, message: T, options: QueueMessageOptions = {}): Promise<void> {
    if (this.closed) return;
    if (options.id !== undefined) {
      const now = this.now();
      if (now >= this.nextSweep) this.forgetExpiredIds(now);
      let ids = this.outstanding.get(channel);
      if (!ids) this.outstanding.set(channel, (ids = new Map()));
      const delayed = options.delayMs !== undefined && options.delayMs > 0;
      if (ids.has(options.id) && !(options.resend && !delayed && !this.unacknowledged.get(channel)?.has(options.id))) return;
      ids.set(options.id, now + Math.max(0, options.delayMs ?? 0) + ID_TTL_MS);
    }
    const c = this.channel(channel);
    const envelope: Envelope =
      c.pending.size >= SHARED_FROM && !(options.delayMs && options.delayMs > 0) ? { message: copySharing(message, c.recent), key: options.key, shared: true } : { message: copyMessage(message), key: options.key };
    if (!envelope.shared && c.recent.size) c.recent.clear();
    if (options.id !== undefined && !(options.delayMs && options.delayMs > 0)) {
      let held = this.unacknowledged.get(channel);
      if (!held) this.unacknowledged.set(channel, (held = new Set()));
      held.add((envelope.held = options.id));
    }
    if (options.delayMs && options.delayMs > 0) {
      const delayedKey = options.id === undefined ? undefined : `${channel}\u0000${options.id}`;
      const timer = setLongTimeout(() => {
        this.timers.delete(timer);
        if (delayedKey && this.delayed.get(delayedKey) === timer) this.delayed.delete(delayedKey);
        this.enqueue(channel, envelope);
      }, options.delayMs);
      this.timers.add(timer);
      if (delayedKey) this.delayed.set(delayedKey, timer);
      return;
    }
    this.enqueue(channel, envelope);
  }

  /** in one process the queue loses nothing while the process lives: one epoch for its life */
  private readonly id = crypto.randomUUID();
  async epoch(): Promise<string> {
    return this.id;
  }

  async depth(channel: string): Promise<number> {
    const c = this.channels.get(channel);
    return c ? c.pending.size + c.consumers.reduce((n, consumer) => n + consumer.running, 0) : 0;
  }

  private enqueue(name: string, envelope: Envelope) {
    if (this.closed) return;
    this.channel(name).pending.push(envelope);
    // Delivered inside `send` while this turn's budget lasts: a worker flushes its log lines and
    // then reports its result, and the log writer must have them in hand before the executor
    // sees the result, or an execution is seen ended before its last lines are stored. Past the
    // budget, on a later turn: a chain of tasks that do no I/O must not starve HTTP and timers.
    if (this.inlineBudget > 0) {
      this.inlineBudget--;
      this.refillBudgetNextTurn();
      this.pump(name);
    } else {
      this.schedulePump(name);
    }
  }

  private refillBudgetNextTurn() {
    if (this.budgetRefill) return;
    this.budgetRefill = true;
    setImmediate(() => {
      this.budgetRefill = false;
      this.inlineBudget = INLINE_DELIVERIES_PER_TURN;
    });
  }

  /**
   * A delivery on a later turn of the event loop: when a worker's task and the executor's step
   * do no I/O of their own, unbounded hand-offs inside `send` made the whole execution one
   * chain of microtasks, and the HTTP server and timers starved until it ended. One pump per
   * turn serves every message waiting.
   */
  private schedulePump(name: string) {
    const c = this.channel(name);
    if (c.pumpScheduled) return;
    c.pumpScheduled = true;
    setImmediate(() => {
      c.pumpScheduled = false;
      this.pump(name);
    });
  }

  /** hands pending messages to free consumers; a key already in flight waits for it to end */
  private pump(name: string) {
    const c = this.channels.get(name);
    if (!c || this.closed) return;
    for (const consumer of c.consumers) {
      while (!consumer.closed && consumer.running < consumer.concurrency) {
        const envelope = c.pending.take();
        if (!envelope) return;
        consumer.running++;
        void consumer
          .handler(delivered(envelope), envelope.key === undefined ? FIRST_DELIVERY : this.keyedDelivery(c, envelope.key))
          .catch(consumer.onError)
          .finally(() => {
            consumer.running--;
            c.pending.done(envelope.key);
            if (envelope.held) this.acknowledged(name, envelope.held);
            this.schedulePump(name);
          });
      }
    }
  }

  /** a message sent with an id was handled: a resend of it may go through */
  private acknowledged(channel: string, id: string) {
    const held = this.unacknowledged.get(channel);
    held?.delete(id);
    if (held?.size === 0) this.unacknowledged.delete(channel);
  }

  /** a keyed message's delivery: its key's messages waiting behind it may be taken with it (Delivery.following) */
  private keyedDelivery(c: Channel, key: string): Delivery {
    return {
      deliveries: 1,
      following: (accept, max) => c.pending.takeFollowing(key, (envelope) => accept((envelope.message = delivered(envelope))), max).map((envelope) => envelope.message),
    };
  }

  async consume<T>(channel: string, handler: (message: T, delivery: Delivery) => Promise<void>, options: ConsumeOptions = {}): Promise<Subscription> {
    const consumer: Consumer = {
      handler: handler as (m: unknown, d: Delivery) => Promise<void>,
      concurrency: options.concurrency ?? 1,
      running: 0,
      onError: options.onError ?? ((error) => console.error(`queue ${channel}: handler failed`, error)),
      closed: false,
    };
    const c = this.channel(channel);
    c.consumers.push(consumer);
    this.schedulePump(channel);
    return {
      close: async () => {
        consumer.closed = true;
        c.consumers = c.consumers.filter((x) => x !== consumer);
      },
    };
  }

  /**
   * Forgets the ids; a delayed message with one of them that is not due yet is dropped too: its
   * sender is done with it (an ended execution's SLA or pause wake-up), and in one process its
   * timer and message would otherwise be held until it is due, hours or days later.
   */
  async settle(channel: string, ids: string[]): Promise<void> {
    const outstanding = this.outstanding.get(channel);
    for (const id of ids) {
      outstanding?.delete(id);
      const key = `${channel}\u0000${id}`;
      const timer = this.delayed.get(key);
      if (!timer) continue;
      timer.cancel();
      this.timers.delete(timer);
      this.delayed.delete(key);
    }
    if (outstanding?.size === 0) this.outstanding.delete(channel);
  }

  /** drops the ids remembered past their expiry; at most once an hour, from a send */
  private forgetExpiredIds(now: number): void {
    this.nextSweep = now + ID_SWEEP_EVERY_MS;
    for (const [channel, ids] of this.outstanding) {
      for (const [id, expires] of ids) if (expires <= now) ids.delete(id);
      if (ids.size === 0) this.outstanding.delete(channel);
    }
  }

  /** what the queue holds (a footprint: once every execution has ended, back to what it was before) */
  footprint(): { outstandingIds: number; delayed: number; pending: number } {
    let outstandingIds = 0;
    for (const ids of this.outstanding.values()) outstandingIds += ids.size;
    let pending = 0;
    for (const c of this.channels.values()) pending += c.pending.size;
    return { outstandingIds, delayed: this.timers.size, pending };
  }

  async broadcast<T>(topic: string, message: T): Promise<void> {
    for (const handler of this.topics.get(topic) ?? []) handler(copyMessage(message));
  }

  async subscribe<T>(topic: string, handler: (message: T) => void): Promise<Subscription> {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    const h = handler as (m: unknown) => void;
    set.add(h);
    return { close: async () => void set!.delete(h) };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.delayed.clear();
    this.channels.clear();
    this.topics.clear();
    this.outstanding.clear();
    this.unacknowledged.clear();
  }
}

/** the message of an envelope as its consumer gets it: one that shares parts with others waiting is copied now */
function delivered(envelope: Envelope): unknown {
  if (!envelope.shared) return envelope.message;
  envelope.shared = undefined;
  return copyMessage(envelope.message);
}

export const memoryQueueBackend = defineBackend({
  kind: "queue",
  type: "memory",
  description: "in-process channels, for local mode (one process)",
  configSchema: z.strictObject({}),
  create: () => new MemoryQueue(),
});

/** an in-process queue; `options` is the configuration section, checked like configuration checks it */
export function createMemoryQueue(options?: unknown, testing: MemoryQueueOptions = {}): MemoryQueue {
  parseBackendOptions(memoryQueueBackend, options ?? {});
  return new MemoryQueue(testing);
}
