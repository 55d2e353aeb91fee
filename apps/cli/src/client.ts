import { UserError } from "@ferry/sdk";

/**
 * A small client for a Ferry server's REST API, used by the CLI's commands. Credentials for a
 * server with `server.auth`: `FERRY_SERVER_TOKEN` (bearer), or a user in the URL
 * (`https://user:password@ferry.internal`, sent as basic auth).
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly authorization?: string;

  constructor(url: string, token = process.env.FERRY_SERVER_TOKEN) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UserError(`'${url}' is not a server URL (for example http://127.0.0.1:8080)`);
    }
    if (parsed.username) {
      this.authorization = `Basic ${btoa(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`)}`;
      parsed.username = "";
      parsed.password = "";
    } else if (token) this.authorization = `Bearer ${token}`;
    this.baseUrl = parsed.toString();
  }

  /** a response's bytes as they are (a file), or undefined on 404 */
  async bytes(path: string): Promise<Uint8Array | undefined> {
    const response = await this.fetch("GET", path);
    if (response.status === 404) return undefined;
    if (response.status >= 400) throw new UserError(`GET ${path}: HTTP ${response.status}: ${await response.text()}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  private async fetch(method: string, path: string, body?: BodyInit, contentType?: string, extra: Record<string, string> = {}): Promise<Response> {
    const headers: Record<string, string> = { ...extra };
    if (contentType) headers["content-type"] = contentType;
    if (this.authorization) headers.authorization = this.authorization;
    try {
      return await fetch(new URL(path, this.baseUrl), { method, body, headers });
    } catch (error) {
      throw new UserError(`cannot reach the Ferry server at ${this.baseUrl} (${(error as Error).cause ?? (error as Error).message}); start one with 'ferry server local' or pass --server URL`);
    }
  }

  async request<T>(method: string, path: string, body?: BodyInit, contentType?: string): Promise<{ status: number; body: T }> {
    const response = await this.fetch(method, path, body, contentType);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T };
  }

  /** as expect, with more headers */
  async expectWith<T>(method: string, path: string, body: BodyInit, headers: Record<string, string>): Promise<T> {
    const response = await this.fetch(method, path, body, undefined, headers);
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : undefined) as (T & { message?: string }) | undefined;
    if (response.status >= 400) throw new UserError(`${method} ${path}: HTTP ${response.status}: ${parsed?.message ?? text}`);
    return parsed as T;
  }

  async expect<T>(method: string, path: string, body?: BodyInit, contentType?: string): Promise<T> {
    const answer = await this.request<T & { message?: string }>(method, path, body, contentType);
    if (answer.status >= 400) throw new UserError(`${method} ${path}: HTTP ${answer.status}: ${answer.body?.message ?? JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

export function serverUrl(option?: string): string {
  return option ?? process.env.FERRY_SERVER_URL ?? "http://127.0.0.1:8080";
}
