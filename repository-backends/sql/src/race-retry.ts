import { ConflictError } from "@ferry/sdk";

/**
 * How many times a write that lost a race is run again. A lost race (a unique key taken by a
 * concurrent insert, a deadlock the database broke, a serialization failure) means another
 * writer committed first; running the whole transaction again re-reads what it committed.
 * Each round lets at least one writer through, so N concurrent writers need at most N rounds;
 * past the bound the caller gets a 409 to retry, never a driver error.
 */
export const RACE_ATTEMPTS = 40;

/**
 * Runs `write` (a whole transaction) until it commits or fails for another reason than a
 * lost race (`lostRace` decides, per dialect). A short random pause spreads the retries.
 */
export async function retryingLostRaces<T>(what: string, lostRace: (error: unknown) => boolean, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!lostRace(error)) throw error;
      if (attempt >= RACE_ATTEMPTS) throw new ConflictError(`${what} lost ${RACE_ATTEMPTS} races with concurrent writes; retry`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
    }
  }
}
