import { UserError } from "@ferry/sdk";

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

/** a matcher for paths written with a leading `/` (`/scripts/main.py`), as Kestra checks namespace files */
export function rootedMatcher(globs: string[]): (path: string) => boolean {
  const patterns = globs.map((g) => javaGlobToRegExp(g.startsWith("/") ? g : `/${g}`));
  return (path) => {
    const rooted = path.startsWith("/") ? path : `/${path}`;
    return patterns.some((p) => p.test(rooted));
  };
}
