import { isUnavailable } from "@ferry/sdk";

/**
 * Runs `start` until the services it needs answer: an unreachable database or Redis at
 * start is one clear line per try and a growing pause (1 s, 2 s, … 30 s), not a crash loop.
 * Errors that no retry can fix (bad configuration) are thrown at once.
 */
export async function retryWhileUnavailable<T>(start: () => Promise<T>, log: (line: string) => void, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (!isUnavailable(error) || signal?.aborted) throw error;
      const waitS = Math.min(30, 2 ** (attempt - 1));
      log(`${(error as Error).message.split("\n")[0]}; retrying in ${waitS} s (attempt ${attempt})`);
      await new Promise((r) => setTimeout(r, waitS * 1000));
    }
  }
}
