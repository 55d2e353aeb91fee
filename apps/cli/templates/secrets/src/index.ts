import { defineBackend, z } from "@ferry/sdk";
import { AcmeSecretBackend } from "./env.secrets.js";

export { AcmeSecretBackend };

/**
 * What `secrets: { type: ./ferry-plugin-acme, prefix: … }` (or the npm name) loads. The schema
 * sees the section without `type`; keep it strict, so that a misspelt key stops the server
 * naming it instead of being ignored.
 */
export default defineBackend({
  kind: "secrets",
  type: "acme",
  description: "secrets from <prefix><NAME> environment variables (a starting point for a real secret store)",
  configSchema: z.strictObject({
    /** `{{ secret('DB_PASSWORD') }}` reads the variable <prefix>DB_PASSWORD */
    prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "letters, digits and _").default("ACME_SECRET_"),
  }),
  create: (options) => new AcmeSecretBackend(options.prefix),
  // optional, for `ferry config check --connect`: reach the store without reading a secret
  // check: async (options, ctx) => { … },
});
