import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/ferry-process.js";

/*
 * Turbo orders builds by every workspace dependency, devDependencies too, so a backend whose
 * tests use @ferry/testkit would wait for testkit, which waits for the engine. A package's own
 * turbo.json lists what its build waits on instead: the workspace packages in its
 * `dependencies` (its tests read sources and run after the whole build). A dependency added to
 * package.json and missing here would build in a race, so this holds the two together.
 */
type Manifest = { name: string; dependencies?: Record<string, string>; scripts?: Record<string, string> };

const folders = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { workspaces: string[] }).workspaces.flatMap((pattern) =>
  pattern.endsWith("/*") ? readdirSync(join(REPO_ROOT, pattern.slice(0, -2)), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(pattern.slice(0, -2), e.name)) : [pattern],
);
const manifests = new Map<string, Manifest>(
  folders.filter((f) => existsSync(join(REPO_ROOT, f, "package.json"))).map((f) => [f, JSON.parse(readFileSync(join(REPO_ROOT, f, "package.json"), "utf8")) as Manifest]),
);
const built = new Set([...manifests.values()].filter((m) => m.scripts?.build).map((m) => m.name));
const withOwnGraph = [...manifests.keys()].filter((f) => existsSync(join(REPO_ROOT, f, "turbo.json")));

describe("the build graph", () => {
  it("has packages that wait on their dependencies' builds only", () => {
    expect(withOwnGraph.length).toBeGreaterThan(0);
  });
  it.each(withOwnGraph)("%s waits on the build of each workspace package it depends on, and on no other", (folder) => {
    const turbo = JSON.parse(readFileSync(join(REPO_ROOT, folder, "turbo.json"), "utf8")) as { extends: string[]; tasks: { build: { dependsOn: string[] } } };
    expect(turbo.extends).toEqual(["//"]);
    const wanted = Object.keys(manifests.get(folder)!.dependencies ?? {}).filter((name) => built.has(name)).map((name) => `${name}#build`);
    expect([...turbo.tasks.build.dependsOn].sort()).toEqual(wanted.sort());
  });
});
