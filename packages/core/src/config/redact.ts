/** keys whose values are credentials, wherever they sit in the configuration */
const SECRET_KEY = /(password|passwd|token|secret|secretId|key|credentials?)$/i;

/**
 * The configuration as it may be shown (`ferry config print`): credential values and the
 * password of any URL replaced by `******`.
 */
export function redactConfig(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (key && SECRET_KEY.test(key)) return "******";
    return value.replace(/\/\/([^:/@\s]+):[^@\s]*@/g, "//$1:******@");
  }
  // a list's items are named by its key in the singular: `tokens` holds tokens
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, key.replace(/s$/, "")));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  return value;
}
