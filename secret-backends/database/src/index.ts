export { DatabaseSecretBackend, createDatabaseSecretBackend, databaseSecretsOptions } from "./database.secrets.js";
export { AesGcm } from "./aes-gcm.js";
