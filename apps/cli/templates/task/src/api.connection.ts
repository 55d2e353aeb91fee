import { defineConnectionType, UserError, z } from "@ferry/sdk";

/**
 * An example connection type: where the Acme API is and the token to call it with. A namespace
 * keeps one (`ferry connection set company acme_prod --type acme --value url=… --value
 * "token={{ secret('ACME_TOKEN') }}"`) and tasks name it; the token is stored only as that
 * reference and resolved on the worker, masked in logs and outputs.
 */
export const acmeConnectionType = defineConnectionType({
  type: "acme",
  title: "Acme API",
  description: "The Acme API's base URL and a token (a secret).",
  schema: z.strictObject({ url: z.url(), token: z.string().min(1) }),
  secretFields: ["token"],
  // what `ferry connection test` and POST …/connections/{id}/test run: open it once, change nothing
  async test(values, { signal }) {
    const response = await fetch(values.url, { headers: { authorization: `Bearer ${values.token}` }, signal });
    await response.body?.cancel();
    if (response.status >= 400) throw new UserError(`GET ${values.url} answered HTTP ${response.status}`);
  },
});
