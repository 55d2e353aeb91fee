export { DatabaseSecretBackend, createDatabaseSecretBackend, databaseSecretsOptions } from "./database.secrets.js";

