/**
 * How the executor and workers talk: named channels of JSON messages.
 *
 * Invariants (the queue contract suite checks them):
 * - `send` to a channel is delivered to exactly one of its consumers, at least once.
 * - Messages with the same `key` are delivered in the order they were sent, one at a
 *   time (the executor keys by execution id, so it sees an execution's events in order).
 * - `delayMs` delays delivery (retry intervals); it is a lower bound.
 * - `broadcast` reaches every current subscriber of a topic (kill signals); it is not
 *   kept for subscribers that come later.
 * - A handler that throws does not stop the consumer; the error goes to `onError`, and the
 *   message counts as handled.
 * - A message whose consumer died (stopped heartbeating) is delivered again to another
 *   consumer, with `deliveries` > 1, after the implementation's claim timeout.
 * - Never two holders at once: a consumer that cannot renew its hold on a message (its
 *   heartbeats fail) aborts that delivery's `lease` before anyone else can be given it.
 * - `epoch()` changes when, and only when, the queue lost messages it had accepted.
 * - A message sent with an `id` is outstanding until `settle` names that id: sending it again
 *   meanwhile does nothing, even after its consumer acknowledged it. So a sender that cannot
 *   tell whether an earlier send got through (it crashed between its database commit and the
 *   send; the queue lost its data) may simply send again. Ids of lost messages are lost too.
 *   A send marked `resend` is the one exception: it goes through once that message was acknowledged.
 *
 * Left out on purpose: persistence guarantees beyond the implementation's own; the
 * repository is the system of record and the executor reconciles from it.
 */
export interface QueueMessageOptions {
  delayMs?: number;
  key?: string;
  /** makes the send idempotent until settled (see the invariants); ≤ 200 characters */
  id?: string;
  /**
   * With `id`, on a message sent now (not delayed): a send again of one whose outcome may have
   * been lost after it was handled. It goes through when the message last sent with this id
   * is neither waiting nor being handled any more (acknowledged, or lost with the queue), even
   * though the id is not settled; while that message waits or is being handled it does nothing,
   * as any send with the id. The executor re-sends an attempt's job this way when the
   * reconciler finds it stale: a job its worker ended without the executor learning the outcome
   * runs again rather than never (RELIABILITY.md).
   */
  resend?: boolean;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface Delivery {
  /** 1 on first delivery; more when a consumer died holding the message */
  deliveries: number;
  /**
   * Aborted (with a LeaseLostError) when this consumer can no longer prove it holds the
   * message — its heartbeats have failed for half the claim timeout — so that another
   * consumer may soon be given it. A handler with side effects stops them at once (a worker
   * kills the task's processes): two consumers never work on one message at the same time.
   * Absent where a consumer cannot lose its hold without dying (one process).
   */
  lease?: AbortSignal;
  /**
   * The handler's own work is done and what it still awaits is the queue's answer to what it
   * sent (a worker's result): its slot of `ConsumeOptions.concurrency` is free for the next
   * message from now on, while this one stays held — heartbeated, its lease watched — until
   * the handler resolves, and is acknowledged only then, as without it. A consumer frees at
   * most `concurrency` slots this way at a time (later calls wait for the handler, as without
   * it); calling it again is a no-op. Offered where a send waits on a network round trip
   * (Redis); absent elsewhere.
   */
  release?: () => void;
  /**
   * Takes into this delivery the next messages of its key that wait now, in send order, for
   * as long as `accept` takes them (at most `max`): the handler handles them with this one,
   * and they are done with when it resolves, as it is. Lets a consumer fold a run of one key's
   * messages into one step (the executor saves several results of one execution once).
   * Offered by one-process queues, for a message with a key; absent elsewhere.
   */
  following?: (accept: (message: unknown) => boolean, max: number) => unknown[];
}

export interface ConsumeOptions {
  concurrency?: number;
  onError?: (error: unknown) => void;
  /**
   * With several consumers of the channel (processes), a key's messages go preferably to the
   * consumer that took its previous one, while that consumer lives: the executor keys events
   * by execution, and the scheduler that holds an execution in memory handles its next event
   * without reading it back; a key nobody holds yet, sent from a process with such a consumer
   * (the scheduler that created the execution), is taken by that consumer. A hint, never a
   * guarantee (any consumer may still be given a key's message); one-process queues have
   * nothing to route.
   */
  keyAffinity?: boolean;
}

export interface Queue {
  init?(): Promise<void>;
  close?(): Promise<void>;
  send<T>(channel: string, message: T, options?: QueueMessageOptions): Promise<void>;
  consume<T>(channel: string, handler: (message: T, delivery: Delivery) => Promise<void>, options?: ConsumeOptions): Promise<Subscription>;
  broadcast<T>(topic: string, message: T): Promise<void>;
  /**
   * Key affinity (ConsumeOptions.keyAffinity): this process's consumer of the channel holds
   * the key from now on, as if it had taken a message of it, so that the key's later messages
   * are routed to it. For a process that handles a key's first message itself, without sending
   * it (the scheduler that created an execution). A hint, as affinity is: a mark that is lost
   * only costs the routing. Absent in one-process queues, which have nothing to route.
   */
  hold?(channel: string, key: string): void;
  /**
   * The messages with these ids are done with (a task run's attempt ended): the ids are
   * forgotten, and a delayed one not yet due may be dropped (the memory queue does, so an
   * ended execution's wake-ups hold no timer until they are due). Implementations also forget an id on their own after a long time (days), so a
   * settle that never comes leaks nothing.
   */
  settle?(channel: string, ids: string[]): Promise<void>;
  subscribe<T>(topic: string, handler: (message: T) => void): Promise<Subscription>;
  /**
   * False while the queue cannot take messages (its server is out of reach). Sends then
   * wait for it; what answers a user (a new execution) asks first and fails fast instead.
   */
  available?(): boolean;
  /** messages of a channel not yet acknowledged (waiting or being handled), for monitoring */
  depth?(channel: string): Promise<number>;
  /**
   * An id that changes when the queue lost what it held (Redis restarted without
   * persistence, FLUSHALL): the executor then re-sends at once what the repository says was
   * in flight, instead of waiting for work to look stale. Absent: the queue never loses
   * messages while the process lives.
   */
  epoch?(): Promise<string>;
}
