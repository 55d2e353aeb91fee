import type { Queue, Subscription } from "@ferry/sdk";
import { WORKERS_TOPIC, type WorkerAnnouncement } from "./messages.js";

/** Live workers, as their announcements tell: one missing for `staleMs` is gone. */
export class WorkerDirectory {
  private readonly workers = new Map<string, { announcement: WorkerAnnouncement; seen: number }>();
  private subscription?: Subscription;

  constructor(private readonly queue: Queue, private readonly staleMs = 10_000) {}

  async start(): Promise<void> {
    this.subscription = await this.queue.subscribe<WorkerAnnouncement>(WORKERS_TOPIC, (a) => {
      if (a.stopping) this.workers.delete(a.id);
      else this.workers.set(a.id, { announcement: a, seen: Date.now() });
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }

  list(): WorkerAnnouncement[] {
    const now = Date.now();
    for (const [id, w] of this.workers) if (now - w.seen > this.staleMs) this.workers.delete(id);
    return [...this.workers.values()].map((w) => w.announcement).sort((a, b) => a.id.localeCompare(b.id));
  }
}
