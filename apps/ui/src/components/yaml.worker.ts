// the YAML language service (yaml-language-server) in its own worker
import "monaco-yaml/yaml.worker.js";
