/** what the FIFO holds: a message, and the key that orders it with its kin */
export interface Keyed {
  key?: string;
}

/** a first-in first-out list whose shift is constant time (an array's shift copies a large array) */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    // drop the taken slots once all are taken, or they are half a large array: memory follows what waits
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * Pending messages of one channel, handed out in send order except that a message whose key
 * is in flight waits for it to end. Taking the next message costs the same however many wait
 * behind a busy key: a ForEach's thousands of results share one execution's key, and a scan
 * of every pending message per delivery made the queue quadratic in their number.
 */
export class KeyedFifo<T extends Keyed> {
  private readonly arrived = new Fifo<T>();
  /** messages that arrived while their key was in flight or had others waiting, per key, oldest first */
  private readonly parked = new Map<string, Fifo<T>>();
  /** keys whose flight ended with messages parked: their oldest go next, before `arrived` */
  private readonly released = new Fifo<string>();
  private readonly busy = new Set<string>();
  private parkedCount = 0;

  get size(): number {
    return this.arrived.size + this.parkedCount;
  }

  push(item: T): void {
    this.arrived.push(item);
  }

  /** the next message that may run now (its key then in flight until `done`), or undefined */
  take(): T | undefined {
    const key = this.released.shift();
    if (key !== undefined) {
      const queue = this.parked.get(key)!;
      const item = queue.shift()!;
      if (!queue.size) this.parked.delete(key);
      this.parkedCount--;
      this.busy.add(key);
      return item;
    }
    for (let item = this.arrived.shift(); item; item = this.arrived.shift()) {
      if (item.key === undefined) return item;
      // a message of a key in flight, or behind parked kin, waits in order
      const queue = this.parked.get(item.key);
      if (queue || this.busy.has(item.key)) {
        if (queue) queue.push(item);
        else this.parked.set(item.key, fifoOf(item));
        this.parkedCount++;
        continue;
      }
      this.busy.add(item.key);
      return item;
    }
    return undefined;
  }

  /**
   * The messages of a key in flight that wait behind it, oldest first, taken for as long as
   * `accept` takes them (at most `max`): they go with the message in flight, ended by its `done`.
   * Only parked ones: a message of the key still in `arrived` is behind them, so order holds.
   */
  takeFollowing(key: string, accept: (item: T) => boolean, max: number): T[] {
    const queue = this.parked.get(key);
    const taken: T[] = [];
    if (!queue || !this.busy.has(key)) return taken;
    while (taken.length < max && queue.size && accept(queue.peek()!)) taken.push(queue.shift()!);
    this.parkedCount -= taken.length;
    if (!queue.size) this.parked.delete(key);
    return taken;
  }

  /** the message taken with this key ended: the key's next message may go */
  done(key: string | undefined): void {
    if (key === undefined) return;
    this.busy.delete(key);
    if (this.parked.has(key)) this.released.push(key);
  }
}

function fifoOf<T>(item: T): Fifo<T> {
  const fifo = new Fifo<T>();
  fifo.push(item);
  return fifo;
}
