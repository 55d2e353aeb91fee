import { useEffect, useRef, useState } from "react";
import type { ErrorDetail } from "../api/client";
import { monaco, monacoTheme, setupFlowYaml } from "./monaco-setup";

let counter = 0;

export interface YamlEditorProps {
  value: string;
  onChange?: (value: string) => void;
  /** the server's errors (422), shown on their lines beside the schema's own */
  serverErrors?: ErrorDetail[];
  /** checks the text against the flow schema (a flow file); off for other YAML and plain text */
  flowSchema?: boolean;
  language?: string;
  readOnly?: boolean;
  /** Ctrl/Cmd+S */
  onSave?: () => void;
}

/** Monaco with monaco-yaml: the flow editor, and the namespace file editor */
export function YamlEditor({ value, onChange, serverErrors, flowSchema = true, language = "yaml", readOnly, onSave }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor>(null);
  const [problems, setProblems] = useState<monaco.editor.IMarker[]>([]);
  const latest = useRef({ onChange, onSave });
  latest.current = { onChange, onSave };

  useEffect(() => {
    if (flowSchema) void setupFlowYaml();
    // flow files match the schema's fileMatch; other files do not
    const uri = monaco.Uri.parse(`file:///${flowSchema ? "flow" : "file"}-${++counter}.${language === "yaml" ? "yaml" : "txt"}`);
    const model = monaco.editor.createModel(value, language, uri);
    const instance = monaco.editor.create(host.current!, {
      model,
      theme: monacoTheme(),
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      tabSize: 2,
      scrollBeyondLastLine: false,
      readOnly,
      quickSuggestions: { other: true, comments: false, strings: true },
    });
    editor.current = instance;
    const sub = instance.onDidChangeModelContent(() => latest.current.onChange?.(instance.getValue()));
    // every problem on the model, the schema's (as you type) and the server's (on save), listed under the editor
    const markers = monaco.editor.onDidChangeMarkers((uris) => {
      if (uris.some((u) => u.toString() === uri.toString())) setProblems(monaco.editor.getModelMarkers({ resource: uri }));
    });
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => latest.current.onSave?.());
    return () => {
      sub.dispose();
      markers.dispose();
      instance.dispose();
      model.dispose();
    };
    // the editor is made once; value changes from outside are applied below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const instance = editor.current;
    if (instance && instance.getValue() !== value) instance.setValue(value);
  }, [value]);

  useEffect(() => {
    const model = editor.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      "server",
      (serverErrors ?? []).map((e) => {
        const line = Math.min(Math.max(e.line ?? 1, 1), model.getLineCount());
        return {
          severity: monaco.MarkerSeverity.Error,
          message: `${e.path ? `${e.path}: ` : ""}${e.message}`,
          startLineNumber: line,
          endLineNumber: line,
          startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
          endColumn: model.getLineMaxColumn(line),
        };
      }),
    );
  }, [serverErrors]);

  const goTo = (marker: monaco.editor.IMarker) => {
    editor.current?.revealLineInCenter(marker.startLineNumber);
    editor.current?.setPosition({ lineNumber: marker.startLineNumber, column: marker.startColumn });
    editor.current?.focus();
  };
  return (
    <>
      <div ref={host} className="editor-frame" data-testid="yaml-editor" />
      {problems.length > 0 && (
        <ul className="problems card" aria-label="Problems" data-testid="problems">
          {[...problems]
            .sort((a, b) => a.startLineNumber - b.startLineNumber)
            .map((m, i) => (
              <li key={i}>
                <button className="link-button" onClick={() => goTo(m)}>
                  <span style={{ color: m.severity === monaco.MarkerSeverity.Error ? "var(--ERROR)" : "var(--WARN)" }}>line {m.startLineNumber}</span>: {m.message}
                  {m.owner === "server" ? " (server)" : ""}
                </button>
              </li>
            ))}
        </ul>
      )}
    </>
  );
}
