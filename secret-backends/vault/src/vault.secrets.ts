import { defineBackend, openAndClose, OperationalError, parseBackendOptions, parseDuration, UserError, schema, type SecretBackend } from "@ferry/sdk";
import { z } from "zod";

/** the secrets section's keys besides `type`; strict, so a typo is refused at start */
export const vaultSecretsOptions = z
  .strictObject({
    url: z.string().url(),
    /** token auth */
    token: z.string().min(1).optional(),
    /** AppRole auth (instead of a token): the role's ids, and where the method is mounted */
    appRole: z.strictObject({ roleId: z.string().min(1), secretId: z.string().min(1), mount: z.string().default("approle") }).optional(),
    /** the KV v2 engine's mount */
    mount: z.string().default("secret"),
    /** secrets of namespace `company.team` live at `<pathPrefix>/company/team/<NAME>`, as `{ value }` */
    pathPrefix: z.string().default("ferry"),
    /** Vault Enterprise namespace (X-Vault-Namespace) */
    vaultNamespace: z.string().optional(),
    /** how long a read value is reused in this process */
    cacheTtl: schema.duration().default("PT5S"),
  })
  .refine((o) => Boolean(o.token) !== Boolean(o.appRole), { message: "give either token or appRole", path: ["token"] });

export type VaultSecretsOptions = z.infer<typeof vaultSecretsOptions>;

/** `company.team` → `company.team`, `company` */
const lineage = (namespace: string) => namespace.split(".").map((_, i, parts) => parts.slice(0, parts.length - i).join("."));
const trimSlashes = (s: string) => s.replace(/^\/+|\/+$/g, "");

/**
 * HashiCorp Vault's KV v2 engine, over its HTTP API with fetch (works the same under Node
 * and Deno; the API is four calls, so no client library). Each secret is one KV entry,
 * `<mount>/data/<pathPrefix>/<namespace as path>/<NAME>` holding `{ value }`; a secret of
 * `company` is seen from `company.team`, the closest wins. Token or AppRole auth; a
 * renewable token is renewed at two thirds of its lease. Vault out of reach is an
 * operational error (the task's retry applies); a refused token or role at start stops the
 * process with the configuration key named.
 */
export class VaultSecretBackend implements SecretBackend {
  private token?: string;
  private renewTimer?: ReturnType<typeof setTimeout>;
  private readonly cache = new Map<string, { value: string | undefined; until: number }>();
  private readonly cacheMs: number;

  constructor(private readonly options: VaultSecretsOptions) {
    this.cacheMs = parseDuration(options.cacheTtl);
  }

  async init(): Promise<void> {
    if (this.options.appRole) await this.login();
    else {
      this.token = this.options.token;
      const answer = await this.call("GET", "auth/token/lookup-self", undefined, { refusedAt: "secrets.token" });
      this.scheduleRenewal(answer?.data?.ttl, answer?.data?.renewable);
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.renewTimer);
  }

  async get(namespace: string, name: string): Promise<string | undefined> {
    for (const ns of lineage(namespace)) {
      const value = await this.read(ns, name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  async list(namespace: string): Promise<string[]> {
    const names = new Set<string>();
    for (const ns of lineage(namespace)) {
      const answer = await this.call("GET", `${this.options.mount}/metadata/${this.folder(ns)}?list=true`);
      for (const key of (answer?.data?.keys as string[] | undefined) ?? []) if (!key.endsWith("/")) names.add(key);
    }
    return [...names].sort();
  }

  async set(namespace: string, name: string, value: string): Promise<void> {
    await this.call("POST", `${this.options.mount}/data/${this.folder(namespace)}/${encodeURIComponent(name)}`, { data: { value } });
    this.cache.delete(`${namespace}/${name}`);
  }

  async delete(namespace: string, name: string): Promise<boolean> {
    const path = `${this.options.mount}/metadata/${this.folder(namespace)}/${encodeURIComponent(name)}`;
    const existed = (await this.read(namespace, name, true)) !== undefined;
    if (existed) await this.call("DELETE", path);
    this.cache.delete(`${namespace}/${name}`);
    return existed;
  }

  private async read(namespace: string, name: string, fresh = false): Promise<string | undefined> {
    const key = `${namespace}/${name}`;
    const hit = this.cache.get(key);
    if (!fresh && hit && hit.until > Date.now()) return hit.value;
    const answer = await this.call("GET", `${this.options.mount}/data/${this.folder(namespace)}/${encodeURIComponent(name)}`);
    const value = answer?.data?.data?.value;
    const found = typeof value === "string" ? value : undefined;
    this.cache.set(key, { value: found, until: Date.now() + this.cacheMs });
    return found;
  }

  private folder(namespace: string): string {
    return [trimSlashes(this.options.pathPrefix), ...namespace.split(".").map(encodeURIComponent)].filter(Boolean).join("/");
  }

  private async login(): Promise<void> {
    const { roleId, secretId, mount } = this.options.appRole!;
    const answer = await this.call("POST", `auth/${mount}/login`, { role_id: roleId, secret_id: secretId }, { anonymous: true, refusedAt: "secrets.appRole" });
    this.token = answer?.auth?.client_token;
    if (!this.token) throw new OperationalError("Vault's AppRole login answered no token");
    this.scheduleRenewal(answer?.auth?.lease_duration, answer?.auth?.renewable, true);
  }

  /** renews (or, for AppRole, logs in again) at two thirds of the lease */
  private scheduleRenewal(ttlSeconds: unknown, renewable: unknown, canLogin = false): void {
    clearTimeout(this.renewTimer);
    const ttl = Number(ttlSeconds);
    if (!ttl || (!renewable && !canLogin)) return;
    this.renewTimer = setTimeout(() => void this.renew(canLogin).catch(() => undefined), Math.max(1000, (ttl * 1000 * 2) / 3));
    (this.renewTimer as { unref?: () => void }).unref?.();
  }

  private async renew(canLogin: boolean): Promise<void> {
    try {
      const answer = await this.call("POST", "auth/token/renew-self", {});
      this.scheduleRenewal(answer?.auth?.lease_duration, answer?.auth?.renewable, canLogin);
    } catch (error) {
      if (canLogin) await this.login();
      else throw error;
    }
  }

  /** one Vault API call; 404 is "nothing there" (undefined) */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async call(method: string, path: string, body?: unknown, how: { anonymous?: boolean; refusedAt?: string } = {}): Promise<any> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (!how.anonymous && this.token) headers["x-vault-token"] = this.token;
    if (this.options.vaultNamespace) headers["x-vault-namespace"] = this.options.vaultNamespace;
    let response: Response;
    try {
      response = await fetch(`${this.options.url.replace(/\/+$/, "")}/v1/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new OperationalError(`Vault at ${this.options.url} is out of reach: ${(error as Error).cause ?? (error as Error).message}`, { cause: error });
    }
    if (response.status === 404) return undefined;
    const text = await response.text();
    if (response.status === 403 || response.status === 400 && how.refusedAt) {
      const detail = `Vault refused the credentials (${response.status}${errorsOf(text)})`;
      if (how.refusedAt) throw new UserError(`invalid configuration at ${how.refusedAt}: ${detail}`);
      throw new OperationalError(`${detail} for ${method} ${path.replace(/\/[^/]+$/, "/…")}`);
    }
    if (!response.ok) throw new OperationalError(`Vault answered ${response.status}${errorsOf(text)} to ${method} ${path.replace(/\/[^/]+$/, "/…")}`);
    return text ? JSON.parse(text) : {};
  }
}

function errorsOf(text: string): string {
  try {
    const errors = (JSON.parse(text) as { errors?: string[] }).errors;
    return errors?.length ? `: ${errors.join("; ")}` : "";
  } catch {
    return "";
  }
}

export const vaultSecretBackend = defineBackend({
  kind: "secrets",
  type: "vault",
  description: "HashiCorp Vault's KV v2 engine, with a token or AppRole",
  configSchema: vaultSecretsOptions,
  create: (options) => new VaultSecretBackend(options),
  /** logs in (AppRole) or looks the token up, as init() does: reaches Vault, reads no secret */
  check: (options) => openAndClose(new VaultSecretBackend(options)),
});

/** `{ type: "vault", url, token | appRole }` → a VaultSecretBackend (what configuration does, for code and tests) */
export function createVaultSecretBackend(options: unknown): VaultSecretBackend {
  return new VaultSecretBackend(parseBackendOptions(vaultSecretBackend, options));
}
