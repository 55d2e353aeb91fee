import { useState, type FormEvent } from "react";
import { ApiError, request } from "../api/client";
import { authorizationFor, credentials } from "../api/credentials";
import { Logo } from "./logo";

/** asks for a server.auth user (Basic) or token (Bearer), and keeps it once the API accepts it */
export function LoginForm({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [mode, setMode] = useState<"user" | "token">("user");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const previous = credentials.get();
    credentials.set(authorizationFor(mode === "token" ? { token } : { username, password }));
    try {
      await request("namespaces");
      onLoggedIn();
    } catch (e) {
      credentials.set(previous);
      setError(e instanceof ApiError && e.status === 401 ? "Wrong user name, password or token." : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <form className="card login" onSubmit={submit} aria-label="Sign in">
        <h1>
          <Logo />
          Ferry
        </h1>
        <p className="muted">This server asks for credentials (server.auth).</p>
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === "user"} className={mode === "user" ? "tab active" : "tab"} onClick={() => setMode("user")}>
            User
          </button>
          <button type="button" role="tab" aria-selected={mode === "token"} className={mode === "token" ? "tab active" : "tab"} onClick={() => setMode("token")}>
            Token
          </button>
        </div>
        {mode === "user" ? (
          <>
            <label>
              User name
              <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </>
        ) : (
          <label>
            Token
            <input name="token" type="password" value={token} onChange={(e) => setToken(e.target.value)} autoFocus required />
          </label>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </div>
  );
}
