import { assertSafeKey, ConflictError, defineBackend, OperationalError, parseBackendOptions, UserError, withMappedErrors, type PutOptions, type Storage, type StorageBody } from "@ferry/sdk";
import { LRUCache } from "lru-cache";
import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { access, constants, mkdir, readFile, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { z } from "zod";

/** a write in progress (`<file>.<pid>.<n>.tmp`, see put): hidden from list, while a user's `report.tmp` is not */
const TEMP_FILE = /\.\d+\.\d+\.tmp$/;

/**
 * Bodies up to this size are written synchronously. An asynchronous write is four trips
 * through libuv's thread pool (open, write, close, rename); measured on a loaded 2-core VM,
 * 1.6 ms of latency and 0.8 ms of CPU per small file, against 0.08 ms and 0.03 ms for the
 * same calls made synchronously (no fsync: the page cache takes them). Outputs of a task are
 * mostly this small, and a ForEach over many values writes one per value.
 */
const SYNC_WRITE_MAX_BYTES = 64 * 1024;

/**
 * Files up to this size are read synchronously, for the same reason: `readFile` is open,
 * fstat, read and close, each a trip through the thread pool. In distributed mode at full
 * speed those trips were a quarter of the worker's busy CPU (it reads the inputs and the
 * earlier outputs each task names) and a tenth of the scheduler's (it reads the outputs for
 * the answer of a call that waits). Stored files are never written in place (a rename puts
 * them there), so the size read first is the size of what is read.
 */
const SYNC_READ_MAX_BYTES = 64 * 1024;

/** the storage section's keys besides `type`; strict, so a typo is refused at start */
export const localStorageOptions = z.strictObject({ path: z.string().min(1).default("./.ferry/storage") });

async function toBytes(body: StorageBody): Promise<Uint8Array> {
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/**
 * Internal storage in a folder. Writes go to a temporary file renamed into place, so a
 * reader never sees half an object.
 */
export class LocalStorage implements Storage {
  /** folders known to exist, so a write skips its mkdir: bounded, as every execution adds its own */
  private readonly knownDirs = new LRUCache<string, true>({ max: 10_000 });
  private counter = 0;

  constructor(private readonly root: string) {}

  private file(key: string): string {
    return join(this.root, ...assertSafeKey(key).split("/"));
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async put(key: string, body: StorageBody, options?: PutOptions): Promise<{ size: number }> {
    try {
      return await this.write(key, body, options?.fresh === true);
    } catch (error) {
      // a folder cannot also be a file: `a` and `a/b` cannot both be keys here
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR" || code === "EEXIST" || code === "EISDIR") {
        throw new ConflictError(`storage key '${key}' collides with another: one of its folders is a file, or it is a folder of other keys`, { cause: error });
      }
      throw error;
    }
  }

  private async write(key: string, body: StorageBody, fresh: boolean): Promise<{ size: number }> {
    const file = this.file(key);
    const dir = dirname(file);
    const bytes = await toBytes(body);
    const tmp = `${file}.${process.pid}.${++this.counter}.tmp`;
    if (bytes.byteLength <= SYNC_WRITE_MAX_BYTES) {
      // a new execution's folder, made in one synchronous call too: the promise's trip through
      // libuv's thread pool was 10 % of local mode's busy time at full speed (profile of benchmark01)
      if (!this.knownDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.knownDirs.set(dir, true);
      }
      if (fresh && this.writeNew(dir, file, bytes)) return { size: bytes.byteLength };
      return this.writeSmall(dir, file, tmp, bytes);
    }
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.knownDirs.set(dir, true);
    }
    try {
      await writeFile(tmp, bytes);
    } catch (error) {
      // the folder may have been removed by a purge since we cached it
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.knownDirs.delete(dir);
      await mkdir(dir, { recursive: true });
      await writeFile(tmp, bytes);
    }
    await rename(tmp, file).catch(async (error: unknown) => {
      await unlink(tmp).catch(() => undefined);
      throw error;
    });
    return { size: bytes.byteLength };
  }

  /**
   * A fresh key (PutOptions.fresh) that does not exist yet, written in place: created
   * exclusively, so an existing file is never touched (false: the caller replaces it atomically).
   * The rename saved was a tenth of the storage's time in benchmark01 (three new files per
   * execution). Synchronous, so no read of this process comes between the create and the write;
   * a write that fails removes what it created.
   */
  private writeNew(dir: string, file: string, bytes: Uint8Array): boolean {
    let fd = this.createNew(file);
    if (fd === null) {
      this.madeAgain(dir);
      fd = this.createNew(file);
    }
    // the key exists (or its folder went again): replaced atomically by the caller
    if (fd === undefined || fd === null) return false;
    try {
      for (let written = 0; written < bytes.byteLength; ) written += writeSync(fd, bytes, written, bytes.byteLength - written);
    } catch (error) {
      closeSync(fd);
      try {
        unlinkSync(file);
      } catch {
        // the write's error is the one to report
      }
      throw error;
    }
    closeSync(fd);
    return true;
  }

  /** the new file's descriptor; undefined when the key exists, null when its folder does not (a purge removed it since we cached it) */
  private createNew(file: string): number | undefined | null {
    try {
      return openSync(file, "wx");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return undefined;
      if (code === "ENOENT") return null;
      throw error;
    }
  }

  /** the key's folder made again, after a purge removed it */
  private madeAgain(dir: string): void {
    this.knownDirs.delete(dir);
    mkdirSync(dir, { recursive: true });
    this.knownDirs.set(dir, true);
  }

  /** write then rename, as `write` does, in synchronous calls (see SYNC_WRITE_MAX_BYTES) */
  private writeSmall(dir: string, file: string, tmp: string, bytes: Uint8Array): { size: number } {
    try {
      writeFileSync(tmp, bytes);
    } catch (error) {
      // the folder may have been removed by a purge since we cached it
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.knownDirs.delete(dir);
      mkdirSync(dir, { recursive: true });
      writeFileSync(tmp, bytes);
    }
    try {
      renameSync(tmp, file);
    } catch (error) {
      try {
        unlinkSync(tmp);
      } catch {
        // the rename's error is the one to report
      }
      throw error;
    }
    return { size: bytes.byteLength };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.file(key);
    try {
      return this.readSmall(file) ?? new Uint8Array(await readFile(file));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** the file's bytes when it is a small file (see SYNC_READ_MAX_BYTES); undefined leaves it to readFile */
  private readSmall(file: string): Uint8Array | undefined {
    const fd = openSync(file, "r");
    try {
      // a folder opens too: readFile answers it (EISDIR, missing), as before
      const stats = fstatSync(fd);
      if (!stats.isFile() || stats.size > SYNC_READ_MAX_BYTES) return undefined;
      const bytes = new Uint8Array(stats.size);
      let read = 0;
      while (read < bytes.length) {
        const n = readSync(fd, bytes, read, bytes.length - read, read);
        if (n === 0) break;
        read += n;
      }
      return read === bytes.length ? bytes : bytes.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }

  async getStream(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const file = this.file(key);
    if (!(await this.exists(key))) return undefined;
    return Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const s = await stat(this.file(key));
      return s.isFile() ? s.size : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix ? join(this.root, ...assertSafeKey(prefix.replace(/\/+$/, "")).split("/")) : this.root;
    const out: string[] = [];
    const walk = async (dir: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!TEMP_FILE.test(e.name)) out.push(relative(this.root, full).split(sep).join("/"));
      }
    };
    await walk(base);
    return out.sort();
  }

  async delete(key: string): Promise<boolean> {
    try {
      await unlink(this.file(key));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    const dir = join(this.root, ...assertSafeKey(prefix.replace(/\/+$/, "")).split("/"));
    await rm(dir, { recursive: true, force: true });
    for (const known of [...this.knownDirs.keys()]) if (known === dir || known.startsWith(dir + sep)) this.knownDirs.delete(known);
    return keys.length;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

/** the file system failing under the storage (full, out of handles, denied, read-only): not the caller's doing, so an OperationalError */
const FILE_SYSTEM = new Set(["ENOSPC", "EDQUOT", "EMFILE", "ENFILE", "EIO", "EAGAIN", "EBUSY", "EACCES", "EPERM", "EROFS"]);

/** node:fs errors in Ferry's terms (what each method does not handle itself) */
export function localStorageError(error: unknown): Error | undefined {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code && FILE_SYSTEM.has(code)) return new OperationalError(`local storage: ${(error as Error).message}`, { cause: error });
  return undefined;
}

/**
 * What `--connect` can know without writing: the folder, or the closest folder above it that
 * exists, is a folder this process may write in. Creates nothing.
 */
async function checkFolder(root: string): Promise<void> {
  let at = root;
  for (;;) {
    // ENOTDIR: a file above it; the walk up finds and names it
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" || error.code === "ENOTDIR" ? undefined : Promise.reject(error)));
    if (found) {
      if (!found.isDirectory()) throw new UserError(`invalid configuration at storage.path: ${at} is not a folder (the storage would live ${at === root ? "in" : "below"} it)`);
      await access(at, constants.W_OK | constants.X_OK).catch((error: Error) => {
        throw new UserError(`invalid configuration at storage.path: this process may not write in ${at}: ${error.message}`, { cause: error });
      });
      return;
    }
    if (dirname(at) === at) return;
    at = dirname(at);
  }
}

export const localStorageBackend = defineBackend({
  kind: "storage",
  type: "local",
  description: "files under a folder of this machine (relative paths from the configuration's folder)",
  configSchema: localStorageOptions,
  create: ({ path }, { baseDir }) => new LocalStorage(resolve(baseDir, path)),
  mapError: localStorageError,
  check: ({ path }, { baseDir }) => checkFolder(resolve(baseDir, path)),
});

/** `{ type: "local", path }` → a LocalStorage (what configuration does, for code and tests) */
export function createLocalStorage(options: unknown, baseDir = process.cwd()): LocalStorage {
  const { path } = parseBackendOptions(localStorageBackend, options);
  return withMappedErrors(new LocalStorage(resolve(baseDir, path)), localStorageError);
}
