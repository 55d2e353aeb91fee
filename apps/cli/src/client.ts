import { UserError } from "@ferry/sdk";

/** A small client for a Ferry server's REST API, used by the deploy and execute commands. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T>(method: string, path: string, body?: string | FormData, contentType?: string): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), { method, body, headers: contentType ? { "content-type": contentType } : undefined });
    } catch (error) {
      throw new UserError(`cannot reach the Ferry server at ${this.baseUrl} (${(error as Error).cause ?? (error as Error).message}); start one with 'ferry server local' or pass --server URL`);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T };
  }

  async expect<T>(method: string, path: string, body?: string | FormData, contentType?: string): Promise<T> {
    const answer = await this.request<T & { message?: string }>(method, path, body, contentType);
    if (answer.status >= 400) throw new UserError(`${method} ${path}: HTTP ${answer.status}: ${answer.body?.message ?? JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

export function serverUrl(option?: string): string {
  return option ?? process.env.FERRY_SERVER_URL ?? "http://127.0.0.1:8080";
}
