import { AlreadyExistsError, ConflictError, OperationalError } from "@ferry/sdk";

/**
 * The errors every dialect maps its driver's codes to (each dialect's `<dialect>Error` knows
 * which codes mean what; the words are said once here, so the three say the same thing).
 */
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** a unique or primary key another writer took first */
export const duplicateKeyConflict = (error: unknown) => new ConflictError(`a concurrent write saved the same record first; retry (${messageOf(error)})`, { cause: error });

/** the refusal of an insert whose execution id is taken (Repository.insertExecution): nothing was written */
export const executionExists = (id: string, cause?: unknown) => new AlreadyExistsError(`execution ${id} exists already`, { cause });

/** a deadlock or serialization failure the database broke by rolling one side back */
export const lostRaceConflict = (error: unknown, why: string) => new ConflictError(`a concurrent write got in the way (${why}); retry (${messageOf(error)})`, { cause: error });

/** the database refused, dropped or never answered the connection */
export const databaseOutOfReach = (dialect: string, error: unknown, code?: string) => new OperationalError(`${dialect} is out of reach${code ? ` (${code})` : ""}: ${messageOf(error)}`, { cause: error });
