/**
 * The Authorization header the UI sends, kept in sessionStorage: it lasts as long as the tab
 * and is never written to disk or sent anywhere but this server's /api/v1. Not a cookie, so no
 * other site can make the browser send it (no CSRF).
 */
const KEY = "ferry.authorization";
const listeners = new Set<() => void>();

export const credentials = {
  get: (): string | undefined => sessionStorage.getItem(KEY) ?? undefined,
  set(value: string | undefined) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
    listeners.forEach((l) => l());
  },
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** `Basic …` for a user, `Bearer …` for a token */
export function authorizationFor(login: { username?: string; password?: string; token?: string }): string {
  if (login.token) return `Bearer ${login.token}`;
  const bytes = new TextEncoder().encode(`${login.username ?? ""}:${login.password ?? ""}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}
