import {
  defineBackend, driverCode, LeaseLostError, openAndClose, OperationalError, parseBackendOptions, parseDuration, schema, withMappedErrors, type ConsumeOptions, type Delivery, type Queue, type QueueMessageOptions, type Subscription,
} from "@ferry/sdk";
import { Redis } from "ioredis";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** the queue section's keys besides `type`; strict, so a typo is refused at start */
export const redisQueueOptions = z.strictObject({
  url: schema.serviceUrl(["redis", "rediss"], "the redis queue").default("redis://127.0.0.1:6379"),
  /** every key starts with it, so several deployments (or test suites) share one Redis */
  prefix: z.string().min(1).default("ferry"),
  /** a message whose consumer stopped heartbeating this long goes to another consumer */
  claimTimeout: schema.duration({ positive: true }).default("PT15S"),
});

const GROUP = "ferry";
const lua = (name: string) => readFileSync(join(dirname(fileURLToPath(import.meta.url)), `../lua/${name}.lua`), "utf8");
const PROMOTE_DELAYED = lua("promote-delayed");
const SEND_ONCE = lua("send-once");
const ACK = lua("ack");
const SEND_KEYED = lua("send-keyed");
const REGISTER = lua("register");
const HAND_BACK = lua("hand-back");
/** an id not settled is forgotten after this long (a settle that never came) */
const ID_TTL_S = 7 * 24 * 3600;
/**
 * how long a key stays routed to the consumer that last took one of its messages (each take
 * renews it at most every half of it): an execution idle longer (a long task) has its next
 * event go to any consumer, which then holds it
 */
const OWNER_TTL_S = 120;
/** most entries acknowledged, or send-once marks forgotten, in one call */
const ACK_BATCH = 500;

type Handler = (message: unknown, delivery: Delivery) => Promise<void>;

/**
 * The distributed queue, on Redis Streams with consumer groups (measured against BullMQ in
 * the README). A channel is a stream; each consumer reads new entries with XREADGROUP,
 * heartbeats the ones it holds (XCLAIM to itself resets their idle time), and acknowledges
 * and deletes them when handled, so Redis holds only what is in flight. Entries held by a
 * consumer that stopped heartbeating are claimed by another (XAUTOCLAIM) and delivered
 * again. Delays sit in a sorted set moved onto streams by one Lua script; broadcasts are
 * pub/sub.
 */
export class RedisQueue implements Queue {
  private readonly commands: Redis;
  private subscriber?: Redis;
  private readonly topicHandlers = new Map<string, Set<(m: unknown) => void>>();
  private readonly consumers = new Set<StreamConsumer>();
  /** per channel, this process's consumer with key affinity (it takes the keys this process sends first, and those it holds) */
  private readonly affinityConsumers = new Map<string, StreamConsumer>();
  private promoteTimer?: ReturnType<typeof setInterval>;
  readonly claimTimeoutMs: number;

  constructor(private readonly url: string, readonly prefix: string, claimTimeoutMs: number) {
    this.claimTimeoutMs = claimTimeoutMs;
    // commands issued in one tick go out in one write (the executor sends jobs, acks and
    // events together); blocking readers and the subscriber keep connections of their own
    this.commands = this.connect({ enableAutoPipelining: true });
  }

  /** the last connection error, for messages: ioredis reports it as an event, not to callers */
  private lastError?: Error;

  private connect(options: { enableAutoPipelining?: boolean } = {}): Redis {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: null, ...options });
    // ioredis reconnects by itself; commands issued meanwhile wait, then fail or succeed
    client.on("error", (error: Error) => (this.lastError = error));
    return client;
  }

  /** entries are deleted when acknowledged, so the stream's length is what waits or runs */
  async depth(channel: string): Promise<number> {
    const stream = this.streamKey(channel);
    const own = await this.commands.hkeys(this.consumersKey(stream));
    const lengths = await Promise.all([stream, ...own.map((name) => this.ownStreamKey(stream, name))].map((key) => this.commands.xlen(key)));
    return lengths.reduce((a, b) => a + b, 0);
  }

  available(): boolean {
    return this.commands.status === "ready";
  }

  streamKey(channel: string): string {
    return `${this.prefix}:s:${channel}`;
  }

  private get epochKey(): string {
    return `${this.prefix}:epoch`;
  }

  /**
   * A random id kept in Redis. When Redis loses its data the key goes with the messages; the
   * first caller after that writes a new one (SET NX), so every caller sees the change.
   */
  async epoch(): Promise<string> {
    const current = await this.commands.get(this.epochKey);
    if (current) return current;
    await this.commands.set(this.epochKey, crypto.randomUUID(), "NX");
    return (await this.commands.get(this.epochKey)) ?? "";
  }

  async init(): Promise<void> {
    try {
      await this.commands.connect();
    } catch (error) {
      const reason = this.lastError ?? (error as Error);
      throw new OperationalError(`cannot connect to Redis at ${this.url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@")}: ${reason.message}`, { cause: reason });
    }
    this.commands.defineCommand("promoteDelayed", { numberOfKeys: 1, lua: PROMOTE_DELAYED });
    this.commands.defineCommand("sendOnce", { numberOfKeys: 2, lua: SEND_ONCE });
    this.commands.defineCommand("ackEntries", { numberOfKeys: 1, lua: ACK });
    this.commands.defineCommand("sendKeyed", { numberOfKeys: 3, lua: SEND_KEYED });
    this.commands.defineCommand("registerConsumer", { numberOfKeys: 1, lua: REGISTER });
    this.commands.defineCommand("handBack", { numberOfKeys: 2, lua: HAND_BACK });
    await this.epoch();
    this.promoteTimer = setInterval(() => void this.promote().catch(() => undefined), 50);
  }

  private async promote(): Promise<void> {
    const promote = (this.commands as unknown as { promoteDelayed(k: string, now: number, prefix: string, n: number): Promise<number> }).promoteDelayed;
    while ((await promote.call(this.commands, `${this.prefix}:delayed`, Date.now(), `${this.prefix}:s:`, 500)) === 500);
  }

  /** entries handled in this turn of the event loop, per stream, acknowledged together at its end */
  private acks = new Map<string, { ids: string[]; done: Promise<unknown> }>();

  /**
   * Acknowledges and deletes a handled entry, atomically (lua/ack.lua). Entries handled in one
   * turn of the event loop go in one call per stream (at full speed a scheduler acknowledges
   * six entries per execution: one call each was a command to build, send and parse per entry).
   */
  ack(stream: string, id: string): Promise<unknown> {
    const pending = this.acks.get(stream);
    if (pending && pending.ids.length < ACK_BATCH) {
      pending.ids.push(id);
      return pending.done;
    }
    const ids = [id];
    const done = new Promise<unknown>((resolve, reject) =>
      setImmediate(() => {
        if (this.acks.get(stream)?.ids === ids) this.acks.delete(stream);
        const ack = (this.commands as unknown as { ackEntries(stream: string, group: string, ...ids: string[]): Promise<number> }).ackEntries;
        ack.call(this.commands, stream, GROUP, ...ids).then(resolve, reject);
      }),
    );
    this.acks.set(stream, { ids, done });
    return done;
  }

  /** a consumer's own stream, where the messages of the keys it holds are routed (ConsumeOptions.keyAffinity) */
  ownStreamKey(stream: string, consumer: string): string {
    return `${stream}:c:${consumer}`;
  }

  /** the hash of a channel's live consumers with streams of their own */
  consumersKey(stream: string): string {
    return `${stream}:consumers`;
  }

  /** the consumer a key's messages are routed to */
  ownerKey(channel: string, key: string): string {
    return `${this.prefix}:o:${channel}:${key}`;
  }

  /** a consumer with a stream of its own is alive (lua/register.lua) */
  register(stream: string, consumer: string): Promise<unknown> {
    return (this.commands as unknown as { registerConsumer(k: string, name: string): Promise<number> }).registerConsumer(this.consumersKey(stream), consumer);
  }

  /** hands the own streams of dead consumers (or of `consumer`, stopping) back to the channel's stream (lua/hand-back.lua) */
  handBack(stream: string, consumer?: string): Promise<number> {
    const handBack = (this.commands as unknown as { handBack(...args: Array<string | number>): Promise<number> }).handBack;
    return handBack.call(this.commands, stream, this.consumersKey(stream), this.claimTimeoutMs, ...(consumer ? [consumer] : []));
  }

  /** the key's messages go to `consumer` from now on, while it lives */
  own(channel: string, key: string, consumer: string): Promise<unknown> {
    return this.commands.set(this.ownerKey(channel, key), consumer, "EX", OWNER_TTL_S);
  }

  private idKey(channel: string, id: string): string {
    return `${this.prefix}:id:${channel}:${id}`;
  }

  async send<T>(channel: string, message: T, options: QueueMessageOptions = {}): Promise<void> {
    const body = JSON.stringify(message);
    const delayed = options.delayMs && options.delayMs > 0;
    const member = delayed ? JSON.stringify({ c: channel, m: body, k: options.key ?? "", id: crypto.randomUUID() }) : undefined;
    if (options.id !== undefined) {
      const sendOnce = (this.commands as unknown as { sendOnce(...args: Array<string | number>): Promise<number> }).sendOnce;
      const target = delayed ? `${this.prefix}:delayed` : this.streamKey(channel);
      const args: Array<string | number> = [this.idKey(channel, options.id), target, member ?? body, options.key ?? "", ID_TTL_S];
      args.push(delayed ? Date.now() + options.delayMs! : "");
      // a keyed message may move to its consumer's own stream: only an unkeyed one is looked for in the channel's
      if (options.resend && !delayed && !options.key) args.push("1");
      await sendOnce.call(this.commands, ...args);
      return;
    }
    if (member) {
      await this.commands.zadd(`${this.prefix}:delayed`, Date.now() + options.delayMs!, member);
      return;
    }
    if (options.key) {
      // to the consumer holding the key, if any (lua/send-keyed.lua)
      const sendKeyed = (this.commands as unknown as { sendKeyed(...args: string[]): Promise<string> }).sendKeyed;
      const stream = this.streamKey(channel);
      // a key nobody holds goes to this process's consumer of the channel, if it has one
      const here = this.affinityConsumers.get(channel)?.name;
      const taker = here ? [here, OWNER_TTL_S] : [];
      await sendKeyed.call(this.commands, stream, this.ownerKey(channel, options.key), this.consumersKey(stream), body, options.key, ...taker.map(String));
      return;
    }
    await this.commands.xadd(this.streamKey(channel), "*", "m", body, "k", "");
  }

  /** send-once marks settled in this turn of the event loop, removed together at its end */
  private settles?: { keys: string[]; done: Promise<unknown> };

  /**
   * Forgets the ids' send-once marks. Marks settled in one turn of the event loop go in one
   * UNLINK (a scheduler at full speed settles the jobs of several executions in the turn that
   * reads the replies of their saves: one command each was a command to build, send and parse
   * per ended task run). Resolves once Redis has removed them, as one call of its own would.
   */
  settle(channel: string, ids: string[]): Promise<void> {
    if (!ids.length) return Promise.resolve();
    const keys = ids.map((id) => this.idKey(channel, id));
    const pending = this.settles;
    if (pending && pending.keys.length < ACK_BATCH) {
      pending.keys.push(...keys);
      return pending.done.then(() => undefined);
    }
    const batch = { keys, done: undefined as unknown as Promise<unknown> };
    batch.done = new Promise<unknown>((resolve, reject) =>
      setImmediate(() => {
        if (this.settles === batch) this.settles = undefined;
        this.commands.unlink(...batch.keys).then(resolve, reject);
      }),
    );
    this.settles = batch;
    return batch.done.then(() => undefined);
  }

  /** the key's later messages to this process's consumer of the channel (the executor started an execution it created): one SET, not awaited */
  hold(channel: string, key: string): void {
    this.affinityConsumers.get(channel)?.claimKey(key, false);
  }

  async consume<T>(channel: string, handler: (message: T, delivery: Delivery) => Promise<void>, options: ConsumeOptions = {}): Promise<Subscription> {
    const consumer = new StreamConsumer(this, this.connect(), this.commands, channel, handler as Handler, options);
    await consumer.start();
    this.consumers.add(consumer);
    if (options.keyAffinity) this.affinityConsumers.set(channel, consumer);
    return {
      close: async () => {
        this.consumers.delete(consumer);
        if (this.affinityConsumers.get(channel) === consumer) this.affinityConsumers.delete(channel);
        await consumer.stop();
      },
    };
  }

  async broadcast<T>(topic: string, message: T): Promise<void> {
    await this.commands.publish(`${this.prefix}:t:${topic}`, JSON.stringify(message));
  }

  async subscribe<T>(topic: string, handler: (message: T) => void): Promise<Subscription> {
    if (!this.subscriber) {
      this.subscriber = this.connect();
      await this.subscriber.connect();
      this.subscriber.on("message", (channel: string, text: string) => {
        const handlers = this.topicHandlers.get(channel.slice(`${this.prefix}:t:`.length));
        if (!handlers) return;
        const message = JSON.parse(text) as unknown;
        for (const h of handlers) h(message);
      });
    }
    let handlers = this.topicHandlers.get(topic);
    if (!handlers) {
      this.topicHandlers.set(topic, (handlers = new Set()));
      await this.subscriber.subscribe(`${this.prefix}:t:${topic}`);
    }
    const h = handler as (m: unknown) => void;
    handlers.add(h);
    return { close: async () => void handlers!.delete(h) };
  }

  async close(): Promise<void> {
    clearInterval(this.promoteTimer);
    for (const c of this.consumers) await c.stop();
    this.consumers.clear();
    this.subscriber?.disconnect();
    this.commands.disconnect();
  }
}

/**
 * A delivery's hold, its AbortSignal made only when the handler asks for it: the executor's
 * handlers never do, and an AbortController per event was ~1 % of a busy scheduler's CPU
 * (profile of distributed benchmark01, three events per execution). A hold lost before its
 * signal was asked for hands out a signal already aborted, with the same reason.
 */
class Lease {
  private controller?: AbortController;
  private lost?: LeaseLostError;

  lose(reason: LeaseLostError): void {
    if (this.controller) {
      if (!this.controller.signal.aborted) this.controller.abort(reason);
    } else this.lost ??= reason;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.lost) this.controller.abort(this.lost);
    }
    return this.controller.signal;
  }

  delivery(deliveries: number, release: () => void): Delivery {
    const signal = () => this.signal;
    return {
      deliveries,
      get lease() {
        return signal();
      },
      release,
    };
  }
}

/** what a read stopped by stop() gives instead of Redis's answer */
const HALTED = Symbol("halted");

/**
 * One consume() call: a blocking reader connection, in-flight bookkeeping, heartbeats.
 *
 * Fencing: what this consumer holds is claimed by another once its idle time passes the claim
 * timeout. Heartbeats run every third of it; when they have failed for half of it (Redis out
 * of reach), the consumer gives up its hold first — it aborts each delivery's lease, and the
 * handler stops its side effects — so two consumers never work on one message at once.
 *
 * Key affinity (ConsumeOptions.keyAffinity): the consumer also reads a stream of its own, and
 * marks each key it takes as its own (a key Redis forgets after OWNER_TTL_S), so that the
 * key's later messages are sent there while it lives (lua/send-keyed.lua); a key nobody holds,
 * sent by this process, is its own at once. Its heartbeats
 * keep it in the channel's live set; a consumer silent longer than the claim timeout has its
 * stream handed back to the channel's (lua/hand-back.lua) by any other, as a stopping one
 * hands its own back — the same fencing as a claim.
 */
class StreamConsumer {
  readonly name = `c-${crypto.randomUUID()}`;
  private readonly stream: string;
  /** this consumer's own stream (key affinity), else undefined */
  private readonly own?: string;
  /**
   * in-flight entries by stream and id (ids are per stream: the channel's stream and this
   * consumer's own may both hold an entry `1733000000000-0`), each with the lease its handler watches
   */
  private readonly inFlight = new Map<string, { lease: Lease; stream: string; id: string }>();
  /** keys marked as this consumer's, with when (renewed at most every half of OWNER_TTL_S) */
  private readonly owned = new Map<string, number>();
  /** when this consumer last proved it holds what it holds */
  private heldAt = Date.now();
  private beating = false;
  private readonly keyChains = new Map<string, Promise<void>>();
  private running = 0;
  /** handlers whose slot was freed before they resolved (Delivery.release), at most `concurrency` */
  private released = 0;
  private stopped = false;
  private loop?: Promise<void>;
  private heartbeat?: ReturnType<typeof setInterval>;
  private wake?: () => void;
  /**
   * ends the read in progress on stop: a read waiting on a connection that is reconnecting (Redis
   * out of reach) never answers once disconnected. One per read, never one for the consumer's life:
   * racing every read against one promise that stays pending would leave a reaction on it per read
   * (~300 bytes each, gigabytes a day at a hundred reads a second).
   */
  private haltRead?: () => void;
  private readonly concurrency: number;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly queue: RedisQueue,
    private readonly reader: Redis,
    private readonly commands: Redis,
    private readonly channel: string,
    private readonly handler: Handler,
    options: ConsumeOptions,
  ) {
    this.stream = queue.streamKey(channel);
    if (options.keyAffinity) this.own = queue.ownStreamKey(this.stream, this.name);
    this.concurrency = options.concurrency ?? 1;
    this.onError = options.onError ?? ((error) => console.error(`queue ${this.stream}: handler failed`, error));
  }

  async start(): Promise<void> {
    await this.reader.connect();
    await this.createGroups();
    if (this.own) await this.queue.register(this.stream, this.name);
    const beat = Math.max(100, Math.floor(this.queue.claimTimeoutMs / 3));
    this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), beat);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.wake?.();
    this.haltRead?.();
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
    if (!this.own) return;
    // nothing is routed here any more once handed back; what is in flight finishes and is acknowledged first (up to a claim timeout), so it is not handled twice
    const until = Date.now() + this.queue.claimTimeoutMs;
    while (this.inFlight.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    // with Redis out of reach the hand-back would wait on the offline queue for good: the claim
    // timeout hands this stream's entries on anyway (the channel's consumers reclaim them)
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.queue.handBack(this.stream, this.name).catch(() => undefined),
      new Promise((resolve) => (giveUp = setTimeout(resolve, Math.max(0, until - Date.now()) + 1000))),
    ]).finally(() => clearTimeout(giveUp));
  }

  private async createGroups(): Promise<void> {
    for (const stream of this.own ? [this.stream, this.own] : [this.stream]) {
      try {
        await this.commands.xgroup("CREATE", stream, GROUP, "0", "MKSTREAM");
      } catch (error) {
        if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
      }
    }
  }

  /** resets the idle time of what this consumer holds, so nobody claims it; gives it up when that keeps failing */
  private async beat(): Promise<void> {
    if (this.own) void this.queue.register(this.stream, this.name).catch(() => undefined);
    if (!this.inFlight.size) {
      this.heldAt = Date.now();
      return;
    }
    // ioredis holds commands while it reconnects, so a heartbeat that cannot get through
    // does not fail: it waits. The time since the last one that did is what counts.
    if (Date.now() - this.heldAt > this.queue.claimTimeoutMs / 2) this.giveUp();
    if (this.beating) return;
    this.beating = true;
    try {
      const byStream = new Map<string, string[]>();
      for (const { stream, id } of this.inFlight.values()) byStream.set(stream, [...(byStream.get(stream) ?? []), id]);
      await Promise.all([...byStream].map(([stream, ids]) => this.commands.xclaim(stream, GROUP, this.name, 0, ...ids, "JUSTID")));
      this.heldAt = Date.now();
    } catch (error) {
      // Redis answered, but lost the stream (FLUSHALL): nobody else can claim what is gone
      if (!/NOGROUP|no such key/i.test(String((error as Error).message))) throw error;
      this.heldAt = Date.now();
    } finally {
      this.beating = false;
    }
  }

  private giveUp(): void {
    const reason = new LeaseLostError(`lost the hold on ${this.stream} messages: Redis heartbeats failed for ${Date.now() - this.heldAt} ms`);
    for (const { lease } of this.inFlight.values()) lease.lose(reason);
  }

  private async run(): Promise<void> {
    let lastClaim = 0;
    while (!this.stopped) {
      if (this.running >= this.concurrency) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        const free = this.concurrency - this.running;
        if (Date.now() - lastClaim > this.queue.claimTimeoutMs / 2) {
          lastClaim = Date.now();
          // the own streams of consumers that died come back to the channel's, to be read below
          if (this.own) await this.queue.handBack(this.stream);
          let claimedAny = false;
          for (const stream of this.own ? [this.stream, this.own] : [this.stream]) {
            const [, claimed] = (await this.commands.xautoclaim(stream, GROUP, this.name, this.queue.claimTimeoutMs, "0-0", "COUNT", free)) as [string, Array<[string, string[]] | null>];
            for (const entry of claimed) if (entry) this.dispatch(stream, entry[0], entry[1], 2);
            claimedAny ||= claimed.length > 0;
          }
          if (claimedAny) continue;
        }
        // with a stream of its own, each stream may answer up to half of what is free (a soft bound: at most one more)
        const streams = this.own ? [this.stream, this.own] : [this.stream];
        const count = this.own ? Math.max(1, Math.ceil(free / 2)) : free;
        const read = this.reader.xreadgroup("GROUP", GROUP, this.name, "COUNT", count, "BLOCK", 1000, "STREAMS", ...streams, ...streams.map(() => ">")) as Promise<Array<[string, Array<[string, string[]]>]> | null>;
        // a free slot reads at once, so a consumer stopped while Redis is out of reach may be waiting here: stopping does not wait for it
        const halted = new Promise<typeof HALTED>((resolve) => {
          this.haltRead = () => resolve(HALTED);
          if (this.stopped) resolve(HALTED);
        });
        const answer = await Promise.race([read, halted]).finally(() => (this.haltRead = undefined));
        if (answer === HALTED) {
          // whatever the abandoned read ends with is nobody's to handle
          read.catch(() => undefined);
          return;
        }
        for (const [stream, entries] of answer ?? []) for (const [id, fields] of entries) this.dispatch(stream, id, fields, 1);
      } catch (error) {
        if (this.stopped) return;
        if (String((error as Error).message).includes("NOGROUP")) {
          // Redis lost the stream (restart without persistence, FLUSHALL), or this consumer's
          // own stream was handed back while it was silent: start again; the executor
          // re-dispatches what the repository says is unfinished
          await this.createGroups().catch(() => undefined);
          if (this.own) await this.queue.register(this.stream, this.name).catch(() => undefined);
          continue;
        }
        this.onError(error);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private dispatch(stream: string, id: string, fields: string[], deliveries: number): void {
    const get = (name: string) => {
      const at = fields.indexOf(name);
      return at < 0 ? undefined : fields[at + 1];
    };
    const key = get("k") || undefined;
    // handed back from a consumer that died or stopped: it may have been handling it
    if (get("r")) deliveries = Math.max(deliveries, 2);
    // from its own stream, the key is its own already: the sender routed it here, or marked it so for it (send-keyed.lua)
    if (key && this.own) this.claimKey(key, stream === this.own);
    this.running++;
    const lease = new Lease();
    const held = `${stream} ${id}`;
    this.inFlight.set(held, { lease, stream, id });
    // 0: holds a slot; 1: its slot freed early (Delivery.release); 2: done
    let slot = 0;
    const free = (early: boolean) => {
      if (slot === 2 || (early && (slot === 1 || this.released >= this.concurrency))) return;
      if (slot === 0) this.running--;
      if (slot === 1) this.released--;
      slot = early ? 1 : 2;
      if (early) this.released++;
      this.wake?.();
    };
    const work = async () => {
      try {
        await this.handler(JSON.parse(get("m")!), lease.delivery(deliveries, () => free(true)));
      } catch (error) {
        this.onError(error);
      }
      // The slot is free once the handler is done (or said it waits only on the queue), not once
      // Redis answered the ack: a worker's slot waited 10–12 ms (p50, loaded box) for that answer
      // per job, so 8 slots ran ~200 jobs/s at best and jobs queued in the stream at 100
      // executions/s (redis-cli monitor of distributed benchmark01, BENCHMARKS.md "Round 8").
      // The entry stays in flight, heartbeated, until acknowledged.
      free(false);
      // a failed ack (Redis gone, queue closing) leaves the entry pending: it is claimed again
      await this.queue.ack(stream, id).catch(this.onError);
    };
    const previous = key ? this.keyChains.get(key) : undefined;
    const done = (previous ? previous.then(work) : work()).finally(() => {
      this.inFlight.delete(held);
      if (key && this.keyChains.get(key) === done) this.keyChains.delete(key);
    });
    if (key) this.keyChains.set(key, done);
  }

  /**
   * Routes the key's later messages here (renewed at most every half of its life); a lost mark
   * only costs the routing. `routedHere`: the message came through this consumer's own stream,
   * so the key is marked as its own already, for up to OWNER_TTL_S from about now (a key seen
   * here first was marked by its sender just before, send-keyed.lua): counted from now, not written.
   */
  claimKey(key: string, routedHere: boolean): void {
    const now = Date.now();
    const at = this.owned.get(key);
    if (at !== undefined && now - at < (OWNER_TTL_S * 1000) / 2) return;
    this.owned.delete(key);
    this.owned.set(key, now);
    // bounded: the oldest marks go first (Maps iterate in insertion order); Redis forgets them anyway
    if (this.owned.size > 10_000) this.owned.delete(this.owned.keys().next().value!);
    if (routedHere && at === undefined) return;
    void this.queue.own(this.channel, key, this.name).catch(() => undefined);
  }
}

const make = ({ url, prefix, claimTimeout }: z.infer<typeof redisQueueOptions>) => new RedisQueue(url, prefix, parseDuration(claimTimeout));

/** socket errors that mean Redis is not reachable now */
const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** error replies of a Redis that cannot serve now but will (loading its data, a replica mid-failover, a busy script, out of memory) */
const NOT_NOW = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS)\b/;

/**
 * ioredis's errors in Ferry's terms: a refused, lost or closed connection, or a Redis that
 * cannot serve for now, is an OperationalError (callers retry, the API answers 503); any
 * other reply error is left as it is (a bug of ours, not the user's).
 */
export function redisError(error: unknown): Error | undefined {
  const code = driverCode(error);
  const message = (error as Error)?.message ?? String(error);
  if ((code && UNREACHABLE.has(code)) || /^Connection is closed|^Stream isn't writeable|^Reached the max retries/.test(message)) {
    return new OperationalError(`Redis is out of reach: ${message}`, { cause: error });
  }
  if (NOT_NOW.test(message)) return new OperationalError(`Redis cannot serve now: ${message}`, { cause: error });
  return undefined;
}

export const redisQueueBackend = defineBackend({
  kind: "queue",
  type: "redis",
  description: "Redis Streams: consumer groups, delays, heartbeats, pub/sub",
  configSchema: redisQueueOptions,
  create: make,
  mapError: redisError,
  /** connects and closes, as init() does: reaches Redis and logs in, writes nothing */
  check: (options) => openAndClose(make(options)),
});

/** `{ type: "redis", url, … }` → a RedisQueue (what configuration does, for code and tests) */
export function createRedisQueue(options: unknown): RedisQueue {
  return withMappedErrors(make(parseBackendOptions(redisQueueBackend, options)), redisError);
}
