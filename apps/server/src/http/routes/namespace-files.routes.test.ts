import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

const files = (namespace: string, query: string, init?: RequestInit) => t.api(`/namespaces/${namespace}/files${query}`, init);

describe("namespace files", () => {
  it("writes (raw or multipart), reads, lists by directory and deletes", async () => {
    const put = await files("nsf.test", "?path=/scripts/main.ts", { method: "PUT", body: "export default () => ({ from: 'a file' });" });
    expect(await put.json()).toEqual({ namespace: "nsf.test", path: "/scripts/main.ts", size: 42 });
    const form = new FormData();
    form.append("fileContent", new File(["a,b\n1,2\n"], "data.csv"));
    expect((await files("nsf.test", "?path=data/input.csv", { method: "POST", body: form })).status).toBe(200);
    await files("nsf.test", "?path=readme.md", { method: "POST", body: "# hi" });

    expect(await (await files("nsf.test", "?path=/scripts/main.ts")).text()).toBe("export default () => ({ from: 'a file' });");
    expect(await (await files("nsf.test", "?path=data/input.csv")).text()).toBe("a,b\n1,2\n");
    expect(await (await files("nsf.test", "/directory")).json()).toEqual([
      { type: "Directory", fileName: "data" },
      { type: "File", fileName: "readme.md", size: 4 },
      { type: "Directory", fileName: "scripts" },
    ]);
    expect(await (await files("nsf.test", "/directory?path=/scripts")).json()).toEqual([{ type: "File", fileName: "main.ts", size: 42 }]);

    expect((await files("nsf.test", "?path=data", { method: "DELETE" })).status).toBe(204);
    expect((await files("nsf.test", "?path=data/input.csv")).status).toBe(404);
    expect((await files("nsf.test", "?path=readme.md", { method: "DELETE" })).status).toBe(204);
    expect((await files("nsf.test", "?path=readme.md", { method: "DELETE" })).status).toBe(404);
  });

  it("refuses paths that leave the namespace and bad namespaces with 400 JSON; a missing file is 404 JSON", async () => {
    for (const query of ["?path=../other/_files/x", "?path=a/../../x", "?path=", "?path=a//b"]) {
      const response = await files("nsf.test", query);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toHaveProperty("message");
    }
    expect((await files("not..ns", "?path=x")).status).toBe(400);
    const missing = await files("nsf.test", "?path=nope.txt");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: "no file 'nope.txt' in namespace nsf.test" });
  });

  it("are what script tasks run and read: a Deno script from a file, helpers and data copied into the working folder", async () => {
    await files("nsf.run", "?path=scripts/main.ts", { method: "PUT", body: `import { double } from "./lib/math.ts";\nexport default ({ n }: { n: number }) => ({ doubled: double(n), data: Deno.readTextFileSync("data.txt").trim() });` });
    await files("nsf.run", "?path=lib/math.ts", { method: "PUT", body: "export const double = (x: number) => x * 2;" });
    await files("nsf.run", "?path=data.txt", { method: "PUT", body: "from the namespace\n" });
    await files("nsf.run", "?path=secret/skip.txt", { method: "PUT", body: "not copied" });
    await t.deploy(`id: uses-files
namespace: nsf.run
tasks:
  - id: deno
    type: script.Deno
    namespaceFile: scripts/main.ts
    namespaceFiles: { enabled: true, exclude: ["scripts/**"] }
    inputs: { n: 21 }
  - id: shell
    type: script.Shell
    namespaceFiles: { include: ["*.txt", "secret/**"], exclude: ["secret/**"] }
    commands:
      - cat data.txt
      - ls secret 2>/dev/null || echo "no secret folder"
`);
    const ended = (await (await t.api("/executions/nsf.run/uses-files?wait=true", { method: "POST" })).json()) as any;
    expect(ended.state.current).toBe("SUCCESS");
    expect(ended.taskRunList[0].outputs).toEqual({ doubled: 42, data: "from the namespace" });
    const logs = ((await (await t.api(`/logs/${ended.id}?taskId=shell`)).json()) as Array<{ message: string }>).map((l) => l.message);
    expect(logs).toEqual(["from the namespace", "no secret folder"]);
  }, 60_000);
});
