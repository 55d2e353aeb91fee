/** Kestra's TruthUtils: a rendered condition is false when '', 'false', '0' or '-0'. */
export function isTruthyText(value: string): boolean {
  const t = value.trim().toLowerCase();
  return !(t === "" || t === "false" || t === "0" || t === "-0");
}
