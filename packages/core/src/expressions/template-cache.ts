import { BoundedCache } from "../bounded-cache.js";
import { parseTemplate, type Template } from "./template.js";

const CACHE_LIMIT = 5000;
const cache = new BoundedCache<string, Template>(CACHE_LIMIT);

/**
 * A template parsed once and kept (the least recently used of CACHE_LIMIT dropped first), as Kestra's
 * Pebble engine caches templates. One cached under a looser maxDepth is still bounded when
 * evaluated.
 */
export function parsed(template: string, maxDepth?: number): Template {
  let t = cache.get(template);
  if (!t) {
    t = parseTemplate(template, maxDepth);
    cache.set(template, t);
  }
  return t;
}
