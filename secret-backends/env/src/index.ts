export { EnvSecretBackend, createEnvSecretBackend } from "./env.secrets.js";
