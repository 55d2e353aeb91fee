export { EnvSecretBackend, createEnvSecretBackend, envSecretBackend, envSecretBackend as backend, envSecretBackend as default } from "./env.secrets.js";
