import { defineBackend, parseBackendOptions, setLongTimeout, z, type LongTimer, type ConsumeOptions, type Delivery, type Queue, type QueueMessageOptions, type Subscription } from "@ferry/sdk";

// in one process nothing dies without the queue dying too: every delivery is the first
const FIRST_DELIVERY: Delivery = Object.freeze({ deliveries: 1 });

interface Envelope {
  message: unknown;
  key?: string;
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
export class MemoryQueue implements Queue {
  private readonly channels = new Map<string, { pending: Envelope[]; consumers: Consumer[]; busyKeys: Set<string> }>();
  private readonly topics = new Map<string, Set<(message: unknown) => void>>();
  private readonly timers = new Set<LongTimer>();
  /** ids of messages sent and not yet settled, per channel (idempotent sends) */
  private readonly outstanding = new Map<string, Set<string>>();
  private closed = false;

  private channel(name: string) {
    let c = this.channels.get(name);
    if (!c) {
      c = { pending: [], consumers: [], busyKeys: new Set() };
      this.channels.set(name, c);
    }
    return c;
  }

  async send<T>(channel: string, message: T, options: QueueMessageOptions = {}): Promise<void> {
    if (this.closed) return;
    if (options.id !== undefined) {
      let ids = this.outstanding.get(channel);
      if (!ids) this.outstanding.set(channel, (ids = new Set()));
      if (ids.has(options.id)) return;
      ids.add(options.id);
    }
    const envelope: Envelope = { message: structuredClone(message), key: options.key };
    if (options.delayMs && options.delayMs > 0) {
      const timer = setLongTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(channel, envelope);
      }, options.delayMs);
      this.timers.add(timer);
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
    return c ? c.pending.length + c.consumers.reduce((n, consumer) => n + consumer.running, 0) : 0;
  }

  private enqueue(name: string, envelope: Envelope) {
    if (this.closed) return;
    this.channel(name).pending.push(envelope);
    this.pump(name);
  }

  /** hands pending messages to free consumers, skipping keys already in flight */
  private pump(name: string) {
    const c = this.channel(name);
    for (const consumer of c.consumers) {
      while (!consumer.closed && consumer.running < consumer.concurrency) {
        const index = c.pending.findIndex((e) => e.key === undefined || !c.busyKeys.has(e.key));
        if (index < 0) return;
        const [envelope] = c.pending.splice(index, 1);
        if (envelope.key !== undefined) c.busyKeys.add(envelope.key);
        consumer.running++;
        void consumer
          .handler(envelope.message, FIRST_DELIVERY)
          .catch(consumer.onError)
          .finally(() => {
            consumer.running--;
            if (envelope.key !== undefined) c.busyKeys.delete(envelope.key);
            setImmediate(() => this.pump(name));
          });
      }
    }
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
    setImmediate(() => this.pump(channel));
    return {
      close: async () => {
        consumer.closed = true;
        c.consumers = c.consumers.filter((x) => x !== consumer);
      },
    };
  }

  async settle(channel: string, ids: string[]): Promise<void> {
    const outstanding = this.outstanding.get(channel);
    for (const id of ids) outstanding?.delete(id);
  }

  async broadcast<T>(topic: string, message: T): Promise<void> {
    for (const handler of this.topics.get(topic) ?? []) handler(structuredClone(message));
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
    this.channels.clear();
    this.topics.clear();
    this.outstanding.clear();
  }
}

export const memoryQueueBackend = defineBackend({
  kind: "queue",
  type: "memory",
  description: "in-process channels, for local mode (one process)",
  configSchema: z.strictObject({}),
  create: () => new MemoryQueue(),
});

/** an in-process queue; `options` is the configuration section, checked like configuration checks it */
export function createMemoryQueue(options?: unknown): MemoryQueue {
  parseBackendOptions(memoryQueueBackend, options ?? {});
  return new MemoryQueue();
}
