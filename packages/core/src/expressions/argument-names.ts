/**
 * The argument names each built-in filter and function takes (Pebble's getArgumentNames and
 * Kestra's), so that a named argument no filter reads (`date(fromat='yyyy')`) is refused, at
 * deploy and when it renders, as Pebble refuses it, instead of being ignored. Positional
 * arguments take these names in order.
 */
const DATE = ["format", "timeZone", "existingFormat", "locale"];
const FILE = ["path", "namespace"];

export const FILTER_ARGUMENTS: Record<string, readonly string[]> = {
  abbreviate: ["length"], abs: [], base64decode: [], base64encode: [], capitalize: [], chunk: ["size"], className: [], condense: [],
  date: DATE, dateAdd: ["amount", "unit", ...DATE], default: ["default"], distinct: [], duration: [], endsWith: ["value"], escapeChar: ["type"],
  first: [], flatten: [], indent: ["amount", "prefix"], nindent: ["amount", "prefix"], jq: ["expression"], join: ["separator"], json: [], keys: [], last: [],
  length: [], lower: [], md5: [], merge: ["items"], number: ["type"], numberFormat: ["format"], replace: ["replace_pairs", "regexp"], reverse: [], round: ["precision"],
  regexExtract: ["regex", "group"], regexMatch: ["regex"], regexReplace: ["regex", "replacement"], rsort: [], sha1: [], sha256: [], sha512: [], sh: [], slice: ["fromIndex", "toIndex"], slugify: [], sort: [], split: ["delimiter", "limit"], startsWith: ["value"],
  string: [], substringAfter: ["separator"], substringAfterLast: ["separator"], substringBefore: ["separator"], substringBeforeLast: ["separator"],
  timestamp: ["timeZone", "existingFormat"], timestampMicro: ["timeZone", "existingFormat"], timestampMilli: ["timeZone", "existingFormat"],
  timestampNano: ["timeZone", "existingFormat"], title: [], toIon: [], toJson: [], trim: [], unique: [], upper: [], urldecode: [], urlencode: [], values: [], yaml: [],
};

/** the functions Ferry answers (the engine's too: kv, secret, the file functions, subflow) */
export const FUNCTION_ARGUMENTS: Record<string, readonly string[]> = {
  now: DATE, fromJson: ["json"], json: ["json"], yaml: ["input"], fromIon: ["ion", "allRows"], loopOutputs: ["outputs", "name"], range: ["start", "end", "increment"], uuid: [], nanoId: ["length", "alphabet"], ksuid: [], id: [], encrypt: ["key", "plaintext"], decrypt: ["key", "encrypted"], randomInt: ["lower", "upper"],
  randomPort: [], http: ["uri", "method", "query", "body", "contentType", "headers", "options", "accept"], render: ["toRender", "recursive"], renderOnce: ["toRender"],
  printContext: [], dump: [], fetchContext: [], currentEachOutput: ["outputs"], parentOutput: ["index"], iterationOutput: ["taskId", "iteration"], outputFromIteration: ["index"], iterationOutputs: ["iteration", "taskId"], block: ["name"], parent: [], read: ["path", "namespace", "version"], fileURI: ["path"],
  dayOfWeek: ["date"], dayOfMonth: ["date"], monthOfYear: ["date"], hourOfDay: ["date"], isWeekend: ["date"], isDayWeekInMonth: ["date", "dayOfWeek", "position"],
  isLastWorkingDay: ["date", "workingDays"], isDateAfter: ["date", "reference"], isDateBefore: ["date", "reference"], isDateBetween: ["date", "after", "before"], isPublicHoliday: ["date", "countryCode", "subDivision"],
  fileExists: FILE, fileSize: FILE, isFileEmpty: FILE, fileEmpty: FILE, errorLogs: [], tasksWithState: ["state"], env: ["name", "default"],
  subflow: ["namespace", "id", "inputs", "revision", "labels", "timeout"], datafaker: ["expr", "locale"], kv: ["key", "namespace", "errorOnMissing"], secret: ["key", "namespace", "subkey", "full"],
};

// functions of any number of positional arguments
const VARIADIC = new Set(["max", "min"]);

/** what is wrong with these arguments of filter or function `name`, or undefined */
export function argumentProblem(kind: "filter" | "function", name: string, positional: number, named: string[]): string | undefined {
  if (kind === "function" && VARIADIC.has(name)) return named.length ? `function '${name}' takes no named argument ('${named[0]}')` : undefined;
  const known = (kind === "filter" ? FILTER_ARGUMENTS : FUNCTION_ARGUMENTS)[name];
  if (!known) return undefined;
  const unknown = named.find((n) => !known.includes(n));
  if (unknown !== undefined) return `${kind} '${name}' has no argument '${unknown}'${known.length ? ` (${known.join(", ")})` : " (it takes none)"}`;
  if (positional > known.length) return `${kind} '${name}' takes ${known.length === 0 ? "no arguments" : `at most ${known.length} (${known.join(", ")})`}, got ${positional}`;
  const twice = named.find((n) => known.indexOf(n) < positional);
  if (twice !== undefined) return `${kind} '${name}': argument '${twice}' is given twice (by position and by name)`;
  return undefined;
}
