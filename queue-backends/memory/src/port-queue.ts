import { copyMessage } from "./message-copy.js";
import type { ConsumeOptions, Delivery, Queue, QueueMessageOptions, Subscription } from "@ferry/sdk";

/**
 * A queue across a thread boundary: `servePortQueue` serves a queue (local mode's memory
 * queue, in the main thread) to one message port, and a `PortQueue` on the port's other end
 * (a worker thread) is a `Queue` whose every call is carried out by the served one. Delivery
 * order, keys, concurrency, ids and delays are thus the served queue's own; what the bridge
 * adds is the copy of each message (structured clone, as `postMessage` makes it).
 *
 * A port keeps its messages in order both ways, which the worker relies on: log lines sent
 * before a task run's result reach the served queue, and so the log writer, before the result.
 * Sends, broadcasts and settles are thus posted without waiting for an answer; what answers
 * something (consume, subscribe, depth, epoch) waits for it. Both ends post what one turn of
 * their event loop produced as one batch (a task run's log lines, result and delivery's end
 * are one message): a post wakes the other thread, and that wake-up, not the copy, is what a
 * message across threads costs.
 */
export interface MessageEndpoint {
  postMessage(value: unknown): void;
  on(event: "message", listener: (value: unknown) => void): unknown;
  off(event: "message", listener: (value: unknown) => void): unknown;
}

/** posts what is put in it during one turn of the event loop as one array, in order */
class Outbox<T> {
  private batch: T[] = [];
  closed = false;
  constructor(private readonly port: MessageEndpoint) {}
  put(message: T): void {
    if (this.closed) return;
    if (this.batch.length === 0) setImmediate(() => this.flush());
    this.batch.push(message);
  }
  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (!this.closed && batch.length) this.port.postMessage(batch);
  }
}

type ToServer =
  | { t: "send"; channel: string; message: unknown; options?: QueueMessageOptions }
  | { t: "broadcast"; topic: string; message: unknown }
  | { t: "settle"; channel: string; ids: string[] }
  | { t: "consume"; req: number; sub: number; channel: string; concurrency?: number }
  | { t: "subscribe"; req: number; sub: number; topic: string }
  | { t: "unsubscribe"; req: number; sub: number }
  | { t: "done"; delivery: number }
  | { t: "depth"; req: number; channel: string }
  | { t: "epoch"; req: number };

type ToClient =
  | { t: "deliver"; sub: number; delivery: number; message: unknown; deliveries: number }
  | { t: "event"; sub: number; message: unknown }
  | { t: "reply"; req: number; value?: unknown; error?: string };

/** what a served port holds, for `close` */
export interface ServedPort {
  /** closes the port's subscriptions; what it was still handling counts as handled */
  close(): Promise<void>;
}

/** serves `queue` to the `PortQueue` at the other end of `port` */
export function servePortQueue(queue: Queue, port: MessageEndpoint): ServedPort {
  // the pending subscription itself: an unsubscribe in the same batch as its consume waits for it, then closes it
  const subscriptions = new Map<number, Promise<Subscription>>();
  const inFlight = new Map<number, () => void>();
  let nextDelivery = 0;
  let closed = false;
  const outbox = new Outbox<ToClient>(port);
  const post = (message: ToClient) => outbox.put(message);
  const answer = (req: number, work: Promise<unknown>) =>
    work.then((value) => post({ t: "reply", req, value }), (error: unknown) => post({ t: "reply", req, error: error instanceof Error ? error.message : String(error) }));
  // a send, broadcast or settle has no reply to carry its failure: said on stderr, never unhandled
  const lost = (what: string) => (error: unknown) =>
    console.error(JSON.stringify({ level: "error", msg: `a worker thread's ${what} through the port failed: ${error instanceof Error ? error.message : String(error)}` }));
  const subscribe = (m: { req: number; sub: number }, pending: Promise<Subscription>) => {
    subscriptions.set(m.sub, pending);
    void answer(m.req, pending.then(() => undefined));
  };
  const listener = (batch: unknown) => {
    for (const m of batch as ToServer[]) receive(m);
  };
  const receive = (m: ToServer) => {
    switch (m.t) {
      case "send":
        return void queue.send(m.channel, m.message, m.options).catch(lost("send"));
      case "broadcast":
        return void Promise.resolve(queue.broadcast(m.topic, m.message)).catch(lost("broadcast"));
      case "settle":
        return void Promise.resolve(queue.settle?.(m.channel, m.ids)).catch(lost("settle"));
      case "done":
        inFlight.get(m.delivery)?.();
        return void inFlight.delete(m.delivery);
      case "consume": {
        const handler = (message: unknown, delivery: Delivery) =>
          new Promise<void>((resolve) => {
            if (closed) return resolve();
            const id = nextDelivery++;
            inFlight.set(id, resolve);
            post({ t: "deliver", sub: m.sub, delivery: id, message, deliveries: delivery.deliveries });
          });
        return subscribe(m, queue.consume(m.channel, handler, { concurrency: m.concurrency }));
      }
      case "subscribe":
        return subscribe(m, queue.subscribe(m.topic, (message) => post({ t: "event", sub: m.sub, message })));
      case "unsubscribe": {
        const s = subscriptions.get(m.sub);
        subscriptions.delete(m.sub);
        return void answer(m.req, s ? s.then((subscription) => subscription.close()) : Promise.resolve());
      }
      case "depth":
        return void answer(m.req, queue.depth ? queue.depth(m.channel) : Promise.reject(new Error("the served queue counts no depth")));
      case "epoch":
        return void answer(m.req, queue.epoch ? queue.epoch() : Promise.resolve(undefined));
    }
  };
  port.on("message", listener);
  return {
    async close() {
      closed = true;
      outbox.closed = true;
      port.off("message", listener);
      for (const s of subscriptions.values()) await s.then((subscription) => subscription.close(), () => undefined);
      subscriptions.clear();
      for (const resolve of inFlight.values()) resolve();
      inFlight.clear();
    },
  };
}

/** the thread's end: a Queue carried out by the queue served at the port's other end */
export class PortQueue implements Queue {
  private nextId = 0;
  private readonly replies = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly consumers = new Map<number, { handler: (message: unknown, delivery: Delivery) => Promise<void>; onError: (error: unknown) => void }>();
  private readonly listeners = new Map<number, (message: unknown) => void>();
  private closed = false;
  private readonly outbox: Outbox<ToServer>;
  private readonly listener = (batch: unknown) => {
    for (const m of batch as ToClient[]) this.receive(m);
  };

  constructor(private readonly port: MessageEndpoint) {
    this.outbox = new Outbox(port);
    port.on("message", this.listener);
  }

  private receive(m: ToClient): void {
    switch (m.t) {
      case "reply": {
        const reply = this.replies.get(m.req);
        this.replies.delete(m.req);
        if (m.error !== undefined) reply?.reject(new Error(m.error));
        else reply?.resolve(m.value);
        return;
      }
      case "event":
        return this.listeners.get(m.sub)?.(m.message);
      case "deliver": {
        const consumer = this.consumers.get(m.sub);
        const handled = consumer ? consumer.handler(m.message, { deliveries: m.deliveries }).catch(consumer.onError) : Promise.resolve();
        void handled.finally(() => this.post({ t: "done", delivery: m.delivery }));
        return;
      }
    }
  }

  private post(message: ToServer): void {
    if (!this.closed) this.outbox.put(message);
  }

  private request<T>(message: ToServer): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.replies.set((message as { req: number }).req, { resolve: resolve as (value: unknown) => void, reject });
      this.post(message);
    });
  }

  async send<T>(channel: string, message: T, options?: QueueMessageOptions): Promise<void> {
    // copied now, as the memory queue copies in send: the batch is posted (and cloned) later, and the sender may change its object meanwhile
    this.post({ t: "send", channel, message: copyMessage(message), options });
  }

  async broadcast<T>(topic: string, message: T): Promise<void> {
    this.post({ t: "broadcast", topic, message: copyMessage(message) });
  }

  async settle(channel: string, ids: string[]): Promise<void> {
    this.post({ t: "settle", channel, ids });
  }

  async consume<T>(channel: string, handler: (message: T, delivery: Delivery) => Promise<void>, options: ConsumeOptions = {}): Promise<Subscription> {
    const sub = this.nextId++;
    const onError = options.onError ?? ((error: unknown) => console.error(`queue ${channel}: handler failed`, error));
    this.consumers.set(sub, { handler: handler as (message: unknown, delivery: Delivery) => Promise<void>, onError });
    await this.request({ t: "consume", req: this.nextId++, sub, channel, concurrency: options.concurrency });
    return { close: () => this.unsubscribe(sub) };
  }

  async subscribe<T>(topic: string, handler: (message: T) => void): Promise<Subscription> {
    const sub = this.nextId++;
    this.listeners.set(sub, handler as (message: unknown) => void);
    await this.request({ t: "subscribe", req: this.nextId++, sub, topic });
    return { close: () => this.unsubscribe(sub) };
  }

  private async unsubscribe(sub: number): Promise<void> {
    if (this.closed) return;
    await this.request({ t: "unsubscribe", req: this.nextId++, sub });
    // after the other end let go: a delivery already on its way is still handled
    this.consumers.delete(sub);
    this.listeners.delete(sub);
  }

  depth(channel: string): Promise<number> {
    return this.request({ t: "depth", req: this.nextId++, channel });
  }

  epoch(): Promise<string> {
    return this.request({ t: "epoch", req: this.nextId++ });
  }

  /** stops listening; the served end's subscriptions close with it (`ServedPort.close`) */
  async close(): Promise<void> {
    for (const sub of [...this.consumers.keys(), ...this.listeners.keys()]) await this.unsubscribe(sub).catch(() => undefined);
    this.closed = true;
    this.port.off("message", this.listener);
    for (const reply of this.replies.values()) reply.reject(new Error("the queue's port is closed"));
    this.replies.clear();
  }
}
