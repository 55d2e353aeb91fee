import { credentials } from "./credentials";

export interface ErrorDetail {
  path?: string;
  message: string;
  line?: number;
}

/** an answer of the API that is not 2xx: its status and the server's `{message, errors?}` */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: ErrorDetail[] = [],
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

/** fired when the API answers 401: the app shows its login form */
export const unauthorized = new EventTarget();

export const API = "/api/v1";

/** a request to the public REST API, with the stored credentials; never the browser's own Basic prompt */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("X-Requested-With", "XMLHttpRequest");
  const authorization = credentials.get();
  if (authorization) headers.set("Authorization", authorization);
  const response = await fetch(path.startsWith("/") ? path : `${API}/${path}`, { ...init, headers });
  if (response.ok) return response;
  let body: { message?: string; errors?: ErrorDetail[] } | undefined;
  try {
    body = (await response.json()) as typeof body;
  } catch {
    body = undefined;
  }
  if (response.status === 401) unauthorized.dispatchEvent(new Event("unauthorized"));
  throw new ApiError(response.status, body?.message ?? `HTTP ${response.status}`, body?.errors ?? [], body);
}

export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await request(path, init);
  return (await response.json()) as T;
}

export async function sendJson<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await request(path, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** `{a: 1, b: [x, y]}` → `a=1&b=x&b=y`, leaving out empty values */
export function query(params: Record<string, string | number | boolean | string[] | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
