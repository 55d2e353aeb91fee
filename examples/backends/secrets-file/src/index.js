// @ts-check
// `secrets: { type: ./examples/backends/secrets-file, path: … }` imports this file and takes its default export.
export { FileSecretBackend, readSecretsFile, fileSecretBackend as default } from "./file.secrets.js";
