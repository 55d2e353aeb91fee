import type { ConsumeOptions, Delivery, Queue, QueueMessageOptions, Subscription } from "@ferry/sdk";

interface Envelope {
  message: unknown;
  key?: string;
  /** `channel id` of a message sent now with an id, until it is handled */
  held?: string;
}

interface Consumer {
  handler: (message: unknown, delivery: Delivery) => Promise<void>;
  concurrency: number;
  running: number;
  onError: (error: unknown) => void;
  closed: boolean;
}

// in one process nothing dies without the queue dying too: every delivery is the first
const FIRST: Delivery = Object.freeze({ deliveries: 1 });

/**
 * A starting point: channels in this process's memory, passing the queue contract suite
 * (src/memory.queue.test.ts). Replace them with your broker's calls, keeping what the Queue
 * interface asks (node_modules/@ferry/sdk/dist/queue.d.ts): one consumer per message, one
 * message per key at a time in send order, delays, broadcasts to current subscribers, sends
 * with an `id` taken once until settled, and redelivery (`deliveries` > 1) of what a dead
 * consumer held. In-process, it serves `ferry server local` only: workers in other processes
 * need a shared broker.
 */
export class AcmeQueue implements Queue {
  private readonly channels = new Map<string, { pending: Envelope[]; consumers: Consumer[]; busyKeys: Set<string> }>();
  private readonly topics = new Map<string, Set<(message: unknown) => void>>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** ids of messages sent and not yet settled, per channel: a send with such an id does nothing */
  private readonly outstanding = new Map<string, Set<string>>();
  /** `channel id` of messages sent with an id that wait or are being handled: a `resend` waits for them */
  private readonly unacknowledged = new Set<string>();
  private closed = false;

  async init(): Promise<void> {
    // connect to your broker here (create() must not: a bad option is reported before anything opens)
  }

  private channel(name: string) {
    let c = this.channels.get(name);
    if (!c) this.channels.set(name, (c = { pending: [], consumers: [], busyKeys: new Set() }));
    return c;
  }

  async send<T>(channel: string, message: T, options: QueueMessageOptions = {}): Promise<void> {
    if (this.closed) return;
    // idempotent sends: the engine may send a job again when it cannot tell whether the first
    // send got through; until it settles the id, the repeat must not run the job twice
    if (options.id !== undefined) {
      let ids = this.outstanding.get(channel);
      if (!ids) this.outstanding.set(channel, (ids = new Set()));
      const now = !options.delayMs || options.delayMs <= 0;
      // a resend goes through once the message last sent with the id was handled (its outcome may have been lost)
      if (ids.has(options.id) && !(options.resend && now && !this.unacknowledged.has(`${channel} ${options.id}`))) return;
      ids.add(options.id);
    }
    // a copy: the sender changing its object later changes nothing delivered
    const envelope: Envelope = { message: structuredClone(message), key: options.key };
    if (!options.delayMs || options.delayMs <= 0) {
      if (options.id !== undefined) this.unacknowledged.add((envelope.held = `${channel} ${options.id}`));
      return this.enqueue(channel, envelope);
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(channel, envelope);
    }, options.delayMs);
    this.timers.add(timer);
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

  /** hands waiting messages to free consumers, skipping keys already in flight */
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
          .handler(envelope.message, FIRST)
          .catch(consumer.onError)
          .finally(() => {
            consumer.running--;
            if (envelope.key !== undefined) c.busyKeys.delete(envelope.key);
            if (envelope.held) this.unacknowledged.delete(envelope.held);
            setImmediate(() => this.pump(name));
          });
      }
    }
  }

  async consume<T>(channel: string, handler: (message: T, delivery: Delivery) => Promise<void>, options: ConsumeOptions = {}): Promise<Subscription> {
    const consumer: Consumer = {
      handler: handler as Consumer["handler"],
      concurrency: options.concurrency ?? 1,
      running: 0,
      onError: options.onError ?? ((error) => console.error(`acme queue ${channel}: handler failed`, error)),
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
    let handlers = this.topics.get(topic);
    if (!handlers) this.topics.set(topic, (handlers = new Set()));
    const h = handler as (message: unknown) => void;
    handlers.add(h);
    return { close: async () => void handlers.delete(h) };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.channels.clear();
    this.outstanding.clear();
    this.unacknowledged.clear();
    this.topics.clear();
  }
}
