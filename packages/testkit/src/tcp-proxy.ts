import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A free port for a server another process will bind. Chosen below the kernel's ephemeral
 * range (32768–60999 on Linux), because between our check and the child's bind, a test
 * server listening on port 0 elsewhere in the run may be handed the same ephemeral port —
 * and a health check would then pass against the wrong server (seen in CI).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(candidate, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return candidate;
  }
}

/**
 * A TCP proxy the test can cut and restore: a database or Redis "going away" for real
 * (connections reset, new ones refused) without stopping the machine's shared service.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** armed by loseNextAnswer / loseNextRequest: what the next chunk of that direction meets */
  private losing?: { direction: "answer" | "request"; holdMs: number; cut: () => void };

  private constructor(readonly port: number, private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    // outside the ephemeral range: the port must still be ours when a cut proxy is restored
    const proxy = new TcpProxy(await freePort(), target);
    await proxy.restore();
    return proxy;
  }

  /** accepts and forwards connections again, on the same port */
  async restore(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      // each direction by hand, so that a chunk can be held back and its connection cut (loseNext…)
      const forward = (from: Socket, to: Socket, direction: "answer" | "request") => {
        let lost = false;
        from.on("data", (chunk: Buffer) => {
          if (!lost && this.losing?.direction === direction) {
            const { holdMs, cut } = this.losing;
            this.losing = undefined;
            lost = true;
            // the chunk never reaches the other side; after holdMs (the server finishing what it
            // was sent) both sockets are reset, as a connection cut on the wire would leave them
            setTimeout(() => {
              client.resetAndDestroy();
              upstream.resetAndDestroy();
              cut();
            }, holdMs);
          }
          if (!lost) to.write(chunk);
        });
      };
      forward(client, upstream, "request");
      forward(upstream, client, "answer");
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  /**
   * The server's next answer on any connection is held back, and that connection cut `holdMs`
   * later: a request that reached the server (a COMMIT) whose answer is lost. Resolves once cut.
   */
  loseNextAnswer(holdMs = 500): Promise<void> {
    return new Promise((cut) => (this.losing = { direction: "answer", holdMs, cut }));
  }

  /** the next request on any connection is dropped and that connection cut: a request that never reached the server */
  loseNextRequest(): Promise<void> {
    return new Promise((cut) => (this.losing = { direction: "request", holdMs: 0, cut }));
  }

  /** resets every open connection and refuses new ones */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.resetAndDestroy();
    if (server) await new Promise((r) => server.close(r));
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
