export { VaultSecretBackend, createVaultSecretBackend, vaultSecretsOptions, type VaultSecretsOptions } from "./vault.secrets.js";
