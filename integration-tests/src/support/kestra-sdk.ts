import Module, { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Kestra's JavaScript SDK (`@kestra-io/kestra-sdk`, generated from Kestra's OpenAPI document),
 * loaded as a Node user would load it, for tests that drive Ferry only through it.
 *
 * Version 0.24.1, the only one published, requires five model modules it does not ship
 * (`SLALabels`, `MiscControllerEdition`, `LeftSidebarConfiguration`, `RightSidebarConfiguration`,
 * `RightSidebarConfigurationCustomLink`): `require("@kestra-io/kestra-sdk")` and its FlowsApi
 * throw "Cannot find module" before any call. Those names resolve to a pass-through model here
 * (none of them is in a shape the tests read); everything else is the SDK as published.
 */
const MISSING_MODELS = new Set(["SLALabels", "MiscControllerEdition", "LeftSidebarConfiguration", "RightSidebarConfiguration", "RightSidebarConfigurationCustomLink"]);
const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), "kestra-sdk-missing-model.cjs");

type Resolve = (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string;
const modules = Module as unknown as { _resolveFilename: Resolve };

export interface SdkAnswer<T = unknown> {
  /** what the SDK handed its callback: an HTTP error, or its own failure to read the answer */
  error: (Error & { status?: number }) | null;
  data: T;
  status: number | undefined;
  /** the answer as Ferry sent it (superagent's parsed body, or its text) */
  body: any;
  text: string | undefined;
  headers: Record<string, string>;
}

/** a generated API method, callback last */
type SdkMethod = (...args: any[]) => unknown;

/** calls one SDK method and resolves with what its callback got */
export function call<T = any>(method: SdkMethod, ...args: unknown[]): Promise<SdkAnswer<T>> {
  return new Promise((resolve) => {
    method(...args, (error: SdkAnswer["error"], data: T, response?: { status: number; body: unknown; text?: string; headers: Record<string, string> }) =>
      resolve({ error, data, status: response?.status, body: response?.body, text: response?.text, headers: response?.headers ?? {} }),
    );
  });
}

/** loads the SDK's entry with the missing models stood in for; `restore` takes the resolver hook away */
export function loadKestraSdk(): { sdk: any; restore(): void } {
  const original = modules._resolveFilename;
  modules._resolveFilename = function (this: unknown, request, parent, ...rest) {
    if (parent?.filename?.includes("@kestra-io/kestra-sdk") && MISSING_MODELS.has(basename(request))) return STAND_IN;
    return original.call(this, request, parent, ...rest);
  };
  const sdk = createRequire(import.meta.url)("@kestra-io/kestra-sdk");
  return { sdk, restore: () => void (modules._resolveFilename = original) };
}
