import { createServer, type IncomingMessage, type Server } from "node:http";
import { randomUUID } from "node:crypto";

/**
 * A FAKE Vault: a Vault-API-compatible server for tests and the benchmark, because no Vault server can be
 * installed on these machines (the suite also runs against a real Vault through
 * testcontainers when a container engine answers). It implements what Ferry calls, as Vault
 * answers it: token lookup and renewal, AppRole login, and the KV v2 engine at `secret/`
 * (versions, soft delete, metadata delete, list), with 403 on a bad token and 404 on a
 * missing path.
 */
export class FakeVault {
  readonly rootToken = `root-${randomUUID()}`;
  readonly role = { roleId: "ferry-role", secretId: `secret-${randomUUID()}` };
  /** AppRole tokens expire after this (short, so renewal is exercised) */
  approleTtlSeconds = 3;
  renewals = 0;
  logins = 0;
  private readonly tokens = new Map<string, { expires: number; ttl: number }>();
  private readonly kv = new Map<string, Array<{ data: Record<string, unknown> | null; created: string }>>();
  private server?: Server;
  url = "";

  async start(): Promise<this> {
    this.tokens.set(this.rootToken, { expires: Infinity, ttl: 0 });
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body === undefined ? "" : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** what is stored at a KV path (latest version), for tests that look behind the API */
  stored(path: string): Record<string, unknown> | null | undefined {
    return this.kv.get(path)?.at(-1)?.data;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const url = new URL(req.url!, "http://vault");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
    const path = url.pathname.replace(/^\/v1\//, "");
    const method = req.method === "LIST" ? "LIST" : req.method!;
    const denied = { status: 403, body: { errors: ["permission denied"] } };

    if (path === "auth/approle/login" && method === "POST") {
      if (body.role_id !== this.role.roleId || body.secret_id !== this.role.secretId) return { status: 400, body: { errors: ["invalid role or secret ID"] } };
      this.logins++;
      const token = `approle-${randomUUID()}`;
      this.tokens.set(token, { expires: Date.now() + this.approleTtlSeconds * 1000, ttl: this.approleTtlSeconds });
      return { status: 200, body: { auth: { client_token: token, lease_duration: this.approleTtlSeconds, renewable: true } } };
    }
    const token = req.headers["x-vault-token"];
    const session = typeof token === "string" ? this.tokens.get(token) : undefined;
    if (!session || session.expires < Date.now()) return denied;

    if (path === "auth/token/lookup-self") return { status: 200, body: { data: { ttl: session.ttl, renewable: session.ttl > 0 } } };
    if (path === "auth/token/renew-self" && method === "POST") {
      this.renewals++;
      session.expires = Date.now() + session.ttl * 1000;
      return { status: 200, body: { auth: { client_token: token, lease_duration: session.ttl, renewable: true } } };
    }

    const data = /^secret\/data\/(.+)$/.exec(path)?.[1];
    if (data) {
      const versions = this.kv.get(data);
      if (method === "GET") {
        const wanted = url.searchParams.get("version");
        const version = versions?.[wanted ? Number(wanted) - 1 : (versions?.length ?? 0) - 1];
        if (!version?.data) return { status: 404, body: { errors: [] } };
        return { status: 200, body: { data: { data: version.data, metadata: { version: versions!.indexOf(version) + 1, created_time: version.created } } } };
      }
      if (method === "POST" || method === "PUT") {
        const list = versions ?? [];
        list.push({ data: (body.data as Record<string, unknown>) ?? {}, created: new Date().toISOString() });
        this.kv.set(data, list);
        return { status: 200, body: { data: { version: list.length, created_time: list.at(-1)!.created } } };
      }
      if (method === "DELETE") {
        if (versions?.length) versions[versions.length - 1].data = null; // soft delete of the latest version
        return { status: 204 };
      }
    }
    const metadata = /^secret\/metadata\/(.+?)\/?$/.exec(path)?.[1];
    if (metadata) {
      if (method === "LIST" || (method === "GET" && url.searchParams.get("list") === "true")) {
        const keys = new Set<string>();
        for (const [key, versions] of this.kv) {
          if (!key.startsWith(`${metadata}/`) || !versions.some((v) => v.data)) continue;
          const [first, ...rest] = key.slice(metadata.length + 1).split("/");
          keys.add(rest.length ? `${first}/` : first);
        }
        return keys.size ? { status: 200, body: { data: { keys: [...keys].sort() } } } : { status: 404, body: { errors: [] } };
      }
      if (method === "DELETE") {
        this.kv.delete(metadata);
        return { status: 204 };
      }
    }
    return { status: 404, body: { errors: [`no handler for route "${path}"`] } };
  }
}
