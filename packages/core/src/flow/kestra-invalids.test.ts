import corePlugin from "@ferry/plugin-core";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlow } from "./parse-flow.js";

/*
 * The refusals Kestra's tests assert on its flows/invalids/ folder (FlowValidationTest, FlowTest,
 * YamlParserTest, DagTest), each written here as a small flow of its own: the path and the words
 * Ferry answers, close to the violation Kestra's test reads.
 */
const registry = new PluginRegistry([corePlugin]);

function refusal(source: string): Array<{ path: string; message: string; line?: number }> {
  try {
    parseFlow(source, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).errors as Array<{ path: string; message: string; line?: number }>;
  }
  throw new Error("expected the flow to be refused");
}

const head = "id: invalids\nnamespace: qa.invalids\n";
const log = (id: string, message = "hi") => `  - { id: ${id}, type: io.kestra.plugin.core.log.Log, message: "${message}" }\n`;

describe("FlowValidator's checks Ferry lacked", () => {
  it("two Flow triggers' preconditions with one id (duplicate-preconditions.yaml)", () => {
    const trigger = (id: string, state: string) =>
      `  - id: ${id}\n    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      id: flows\n      flows:\n        - { namespace: qa.invalids, flowId: upstream, states: [${state}] }\n`;
    const errors = refusal(`${head}tasks:\n${log("hello")}triggers:\n${trigger("on_completion", "SUCCESS")}${trigger("on_failure", "FAILED")}`);
    expect(errors).toEqual([expect.objectContaining({ path: "triggers[1].preconditions.id", message: expect.stringContaining("Duplicate preconditions with id [flows]"), line: 15 })]);
  });

  it("a dashed task id read with a dot, in tasks and in flow outputs (outputs-key-with-subtraction-symbol-validation.yaml)", () => {
    const source = `${head}tasks:\n  - { id: produce-output, type: io.kestra.plugin.core.debug.Return, format: "my output" }\n${log("use_output", "{{ outputs.produce-output.value }}")}outputs:\n  - { id: final, type: STRING, value: "{{ outputs.produce-output.value }}" }\n`;
    const errors = refusal(source);
    const advice = "Invalid output reference: use outputs[key-name] instead of outputs.key-name — keys with dashes require bracket notation";
    expect(errors).toEqual([
      expect.objectContaining({ path: "tasks[1]", message: `${advice}, offending tasks: [use_output]` }),
      expect.objectContaining({ path: "outputs[0]", message: `${advice}, offending outputs: [final]` }),
    ]);
  });

  it("a dashed read in what every task inherits (description, runIf…) deploys: Kestra's validator scans the fields the task's class declares", () => {
    expect(() =>
      parseFlow(`${head}tasks:\n  - { id: my-task, type: io.kestra.plugin.core.debug.Return, format: x }\n  - { id: log, type: io.kestra.plugin.core.log.Log, message: hi, description: "reads {{ outputs.my-task.value }}" }\n`, registry),
    ).not.toThrow();
  });

  it("reading a dashed task's outputs with brackets deploys", () => {
    expect(() =>
      parseFlow(`${head}tasks:\n  - { id: produce-output, type: io.kestra.plugin.core.debug.Return, format: x }\n${log("use_output", "{{ outputs['produce-output'].value }}")}`, registry),
    ).not.toThrow();
  });
});

describe("SwitchTaskValidator, in Kestra's words", () => {
  const switchTask = (branches: string) => `${head}tasks:\n  - id: impossible\n    type: io.kestra.plugin.core.flow.Switch\n    value: A\n${branches}`;

  it("no case and null defaults (switch-invalid.yaml)", () => {
    expect(refusal(switchTask("    cases: {}\n    defaults: null\n"))).toEqual([expect.objectContaining({ path: "tasks[0]", message: "No task defined, neither cases or default have any tasks" })]);
  });

  it("an empty case (switch-empty-case-invalid.yaml)", () => {
    expect(refusal(switchTask("    cases:\n      A: []\n      B:\n        - { id: b, type: io.kestra.plugin.core.debug.Return, format: B }\n"))).toEqual([expect.objectContaining({ path: "tasks[0].cases.A", message: "The case 'A' must define at least one task." })]);
  });

  it("empty defaults (switch-empty-defaults-invalid.yaml)", () => {
    expect(refusal(switchTask("    cases:\n      A:\n        - { id: a, type: io.kestra.plugin.core.debug.Return, format: A }\n    defaults: []\n"))).toEqual([expect.objectContaining({ path: "tasks[0].defaults", message: "The 'defaults' property cannot be empty." })]);
  });
});

describe("inputs (FlowTest.inputValidation)", () => {
  const fileInput = (defaults: string) => `${head}inputs:\n  - { id: file, type: FILE, defaults: "${defaults}" }\ntasks:\n${log("hello")}`;

  it("a FILE default that is no file URI is refused", () => {
    expect(refusal(fileInput("something"))).toEqual([
      expect.objectContaining({ path: "inputs[0].defaults", message: expect.stringContaining("inputs of type 'FILE' only support `defaults` as local files using a file URI or as namespace files using a nsfile URI") }),
    ]);
  });

  it("a namespace file and a local file deploy (Kestra checks a local path only when the file is read: FileInputValidator, LocalPath)", () => {
    expect(() => parseFlow(fileInput("nsfile:///data/in.csv"), registry)).not.toThrow();
    expect(() => parseFlow(fileInput("file:///tmp/in.csv"), registry)).not.toThrow();
  });

  it("a TABLE column declares no dependsOn (RecordFieldsValidator, as an OBJECT's properties)", () => {
    const source = `${head}inputs:\n  - id: table2\n    type: TABLE\n    columns:\n      - { id: region, type: STRING, dependsOn: { inputs: [size] } }\n      - { id: size, type: INT }\ntasks:\n${log("hello")}`;
    expect(refusal(source)).toEqual([expect.objectContaining({ path: "inputs[0].columns[0].dependsOn", message: "input 'table2' (TABLE): a column cannot declare dependsOn" })]);
  });
});

describe("what a property left out, null or empty is called", () => {
  it("names the missing property, at the single task of a Dag entry without an index (dag-invalid-subtask.yaml)", () => {
    const source = `${head}tasks:\n  - id: dag\n    type: io.kestra.plugin.core.flow.Dag\n    tasks:\n      - task: { id: task1, type: io.kestra.plugin.core.log.Log }\n      - task: { id: task2, type: io.kestra.plugin.core.log.Log, message: ok }\n        dependsOn: [task1]\n`;
    expect(refusal(source)).toEqual([expect.objectContaining({ path: "tasks[0].tasks[0].task.message", message: "missing required property 'message'" })]);
  });

  it("says 'must not be empty' and 'must not be null' as Kestra does (invalid-parallel.yaml, workingdirectory-no-tasks.yaml)", () => {
    const parallel = (id: string, tasks: string) => `  - id: ${id}\n    type: io.kestra.plugin.core.flow.Parallel\n${tasks}`;
    const errors = refusal(`${head}tasks:\n${parallel("para2", "")}${parallel("para3", "    tasks: []\n")}${parallel("para4", "    tasks: null\n")}  - { id: wd, type: io.kestra.plugin.core.flow.WorkingDirectory }\n`);
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "tasks[0].tasks: missing required property 'tasks'",
      "tasks[1].tasks: 'tasks' must not be empty",
      "tasks[2].tasks: 'tasks' must not be null",
      "tasks[3].tasks: missing required property 'tasks'",
    ]);
  });

  it("a flow without id or namespace names them (Kestra's top-level invalid.yaml)", () => {
    const errors = refusal(`tasks:\n${log("hello")}`);
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual(["id: missing required property 'id'", "namespace: missing required property 'namespace'"]);
  });
});

describe("YamlParserTest and the plugin defaults", () => {
  it("a key written twice is named (duplicate-key.yaml: Duplicate field 'variables.tf')", () => {
    const source = `${head}tasks:\n  - id: bad-task\n    type: io.kestra.plugin.core.state.Set\n    data:\n      variables.tf: |\n        test\n      variables.tf: |\n        test\n    name: unit\n`;
    expect(() => parseFlow(source, registry)).toThrow(/^invalid YAML: Duplicate field 'variables\.tf': the keys of a map must be unique \(line 9\)$/);
  });

  it("an unknown property in a plugin default is refused where the default writes it, not at the task it reaches (invalid-task-defaults.yaml)", () => {
    const source = `${head}taskDefaults:\n  - type: io.kestra.plugin.core.log.Log\n    values:\n      level: WARN\n      invalid: Default\ntasks:\n${log("first")}`;
    expect(refusal(source)).toEqual([
      expect.objectContaining({ path: "taskDefaults[0].values.invalid", message: "Invalid Plugin Default: No property 'invalid' exists in plugin 'io.kestra.plugin.core.log.Log'", line: 7 }),
    ]);
  });

  it("a trigger's default may set what every trigger takes (allowConcurrent, stopAfter, disabled)", () => {
    const source = `${head}pluginDefaults:\n  - { type: io.kestra.plugin.core.trigger.Schedule, values: { allowConcurrent: true, stopAfter: [FAILED], disabled: true } }\ntasks:\n${log("first")}triggers:\n  - { id: nightly, type: io.kestra.plugin.core.trigger.Schedule, cron: "0 3 * * *" }\n`;
    expect(() => parseFlow(source, registry)).not.toThrow();
  });

  it("a default for a prefix gives each type the properties it has, and none it lacks (Kestra's non-strict parse after injecting)", () => {
    const source = `${head}pluginDefaults:\n  - { type: io.kestra.plugin.core, values: { level: WARN } }\ntasks:\n${log("first")}  - { id: back, type: io.kestra.plugin.core.debug.Return, format: x }\n`;
    const flow = parseFlow(source, registry);
    expect(flow.tasks[0]).toMatchObject({ level: "WARN" });
    expect(flow.tasks[1]).not.toHaveProperty("level");
  });

  it("a default for a prefix, or for common task options, is not held to one type's properties", () => {
    const source = `${head}pluginDefaults:\n  - { type: io.kestra.plugin.scripts, values: { anything: x } }\n  - { type: io.kestra.plugin.core.log.Log, values: { level: WARN, timeout: PT1M, retry: { type: constant, interval: PT1S, maxAttempt: 2 } } }\ntasks:\n${log("first")}`;
    expect(() => parseFlow(source, registry)).not.toThrow();
  });
});
