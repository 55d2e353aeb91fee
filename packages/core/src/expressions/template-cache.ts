import { parseTemplate, type Template } from "./template.js";

const cache = new Map<string, Template>();
const CACHE_LIMIT = 5000;

/**
 * A template parsed once and kept (the oldest of CACHE_LIMIT dropped first), as Kestra's
 * Pebble engine caches templates. One cached under a looser maxDepth is still bounded when
 * evaluated.
 */
export function parsed(template: string, maxDepth?: number): Template {
  let t = cache.get(template);
  if (!t) {
    t = parseTemplate(template, maxDepth);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(template, t);
  }
  return t;
}
