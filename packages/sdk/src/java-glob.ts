import { UserError } from "./errors.js";

/*
 * Java's `glob:` PathMatcher syntax, which Kestra's namespace and local-files tasks match paths
 * with: `*` and `?` stay within one path segment, `**` crosses them (also inside a segment:
 * `**input.txt`), `{a,b}` is either, `[abc]`/`[!abc]` a character class, `\` escapes. Written
 * here because glob libraries (picomatch, minimatch) read `**` only as a whole segment.
 */
const META = new Set([..."^$.|+()[]{}\\"]);

export function javaGlobToRegExp(glob: string): RegExp {
  let out = "^";
  let inGroup = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "\\") {
      if (i + 1 >= glob.length) throw new UserError(`glob '${glob}': nothing to escape at its end`);
      const next = glob[++i];
      out += META.has(next) || "*?".includes(next) ? `\\${next}` : next;
    } else if (c === "*") {
      if (glob[i + 1] === "*") {
        out += ".*";
        i++;
      } else out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "{") {
      if (inGroup) throw new UserError(`glob '${glob}': groups {…} cannot be nested`);
      inGroup = true;
      out += "(?:";
    } else if (c === "}" && inGroup) {
      inGroup = false;
      out += ")";
    } else if (c === "," && inGroup) out += "|";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) throw new UserError(`glob '${glob}': '[' has no closing ']'`);
      let body = glob.slice(i + 1, end);
      if (body.includes("/")) throw new UserError(`glob '${glob}': a character class cannot hold '/'`);
      const negate = body.startsWith("!");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/\\/g, "\\\\").replace(/\^/g, "\\^")}]`;
      i = end;
    } else out += META.has(c) ? `\\${c}` : c;
  }
  if (inGroup) throw new UserError(`glob '${glob}': '{' has no closing '}'`);
  return new RegExp(`${out}$`);
}

const GLOB = "glob:";
const REGEX = "regex:";

/** a `glob:` or `regex:` pattern as Java's PathMatcher reads it (the whole path must match), or undefined when it has neither prefix */
function prefixed(pattern: string): RegExp | undefined {
  if (pattern.startsWith(GLOB)) return javaGlobToRegExp(pattern.slice(GLOB.length));
  if (!pattern.startsWith(REGEX)) return undefined;
  try {
    return new RegExp(`^(?:${pattern.slice(REGEX.length)})$`);
  } catch (error) {
    throw new UserError(`pattern '${pattern}': not a regular expression`, { cause: error });
  }
}

/**
 * Kestra's PathMatcherPredicate.matches(patterns), which its namespace file tasks and
 * namespaceFiles include/exclude match paths written from the root (`/scripts/main.py`) with:
 * `glob:` and `regex:` patterns as written; any other is a glob, `**\/` put before it when it
 * starts with a word character (`main.py` is any folder's main.py).
 */
export function rootedMatcher(patterns: string[]): (path: string) => boolean {
  const regexps = patterns.map((p) => prefixed(p) ?? javaGlobToRegExp(/^\w/.test(p) ? `**/${p}` : p.startsWith("/") ? p : `/${p}`));
  return (path) => {
    const rooted = path.startsWith("/") ? path : `/${path}`;
    return regexps.some((r) => r.test(rooted));
  };
}

/**
 * Kestra's WorkingDir.findAllFilesMatching (PathMatcherPredicate with the folder as base path)
 * for paths relative to the folder: a plain glob is matched from the folder; a `glob:` or
 * `regex:` one, which Kestra matches against the absolute path, is matched against the path from
 * the folder with a leading `/` (`glob:**app**` finds app.yml at any depth, as in Kestra).
 */
export function workingDirMatcher(patterns: string[]): (path: string) => boolean {
  const tests = patterns.map((p) => {
    const whole = prefixed(p);
    if (whole) return (path: string) => whole.test(`/${path}`);
    const relative = javaGlobToRegExp(p.replace(/^\/+/, ""));
    return (path: string) => relative.test(path);
  });
  return (path) => tests.some((t) => t(path));
}
