import * as monaco from "monaco-editor";
import { configureMonacoYaml, type MonacoYaml } from "monaco-yaml";
import EditorWorker from "monaco-editor/esm/vs/editor/editor.worker.js?worker";
import YamlWorker from "./yaml.worker?worker";
import { getJson } from "../api/client";
import { currentTheme } from "./theme-toggle";

// Monaco runs its language services in web workers, bundled here (never fetched from a CDN)
self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) => (label === "yaml" ? new YamlWorker() : new EditorWorker()),
};

let yaml: Promise<MonacoYaml> | undefined;

/**
 * monaco-yaml with the flow JSON Schema the server generates from its loaded plugins
 * (`/api/v1/plugins/schemas/flow`): completion, hover docs and validation as you type,
 * the same rules the server applies when it saves.
 */
export function setupFlowYaml(): Promise<MonacoYaml> {
  yaml ??= getJson<object>("plugins/schemas/flow").then((schema) =>
    configureMonacoYaml(monaco, {
      enableSchemaRequest: false,
      validate: true,
      completion: true,
      hover: true,
      schemas: [{ uri: `${location.origin}/api/v1/plugins/schemas/flow`, fileMatch: ["**/flow-*.yaml"], schema: schema as never }],
    }),
  );
  return yaml;
}

export const monacoTheme = () => (currentTheme() === "dark" ? "vs-dark" : "vs");

window.addEventListener("ferry-theme", () => monaco.editor.setTheme(monacoTheme()));

export { monaco };
