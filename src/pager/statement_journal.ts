/**
 * The statement journal: the page images savepoints need to undo a statement (or a
 * SAVEPOINT) alone. Kept in memory up to a limit, then in a temporary file, as SQLite
 * spills its statement journal to a temporary file: one UPDATE of a large table inside
 * BEGIN would otherwise hold a copy of every page it changed.
 *
 * The file is created beside the database (`<db>-tsqlite-stmt-<random>`) through the
 * database's VFS and unlinked at once where the OS allows it, so a crash leaves nothing
 * behind; it holds no committed data and is never read after the transaction. Where it
 * cannot be created (a read-only directory) the images stay in memory.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";

/** An image's place: a slot of the file (>= 0) or of the memory list (-1 - index). */
export type ImageRef = number;

/** Page images by reference, in memory up to `limit()` bytes, then in a temporary file. */
export class StatementJournal {
  readonly #vfs: Vfs;
  readonly #dbPath: string;
  readonly #limit: () => number;
  readonly #mem: (Uint8Array | null)[] = [];
  readonly #memFree: number[] = [];
  #memBytes = 0;
  #file: VfsFile | null = null;
  /** The file's path while it still has one (unlinking it failed); "" otherwise. */
  #filePath = "";
  /** The file could not be created: everything stays in memory. */
  #noFile = false;
  #slotSize = 0;
  #slots = 0;
  readonly #slotFree: number[] = [];

  /** A journal for the database at `dbPath`; `limit()` = bytes kept in memory. */
  constructor(vfs: Vfs, dbPath: string, limit: () => number) {
    this.#vfs = vfs;
    this.#dbPath = dbPath;
    this.#limit = limit;
  }

  /** Stores a copy of `img`. */
  put(img: Uint8Array): ImageRef {
    if (this.#noFile || this.#memBytes + img.length <= this.#limit()) {
      this.#memBytes += img.length;
      const copy = img.slice();
      const i = this.#memFree.pop();
      if (i !== undefined) {
        this.#mem[i] = copy;
        return -1 - i;
      }
      this.#mem.push(copy);
      return -this.#mem.length;
    }
    const f = this.#openFile();
    if (f === null) return this.put(img);
    if (this.#slotSize !== img.length) {
      // A page size of its own (a new transaction after a page size change).
      this.#slotSize = img.length;
      this.#slots = 0;
      this.#slotFree.length = 0;
    }
    const slot = this.#slotFree.pop() ?? this.#slots++;
    f.write(img, slot * this.#slotSize);
    return slot;
  }

  /** Copies image `ref` into `into`. */
  read(ref: ImageRef, into: Uint8Array): void {
    if (ref < 0) {
      into.set(this.#mem[-1 - ref]!);
      return;
    }
    const got = this.#file!.read(into, ref * this.#slotSize);
    if (got < into.length) throw new SqliteError("SQLITE_IOERR_SHORT_READ", "disk I/O error");
  }

  /** Forgets image `ref`; its place is reused. */
  release(ref: ImageRef): void {
    if (ref < 0) {
      const i = -1 - ref;
      const img = this.#mem[i];
      if (img === null || img === undefined) return;
      this.#memBytes -= img.length;
      this.#mem[i] = null;
      this.#memFree.push(i);
    } else {
      this.#slotFree.push(ref);
    }
  }

  /** Forgets every image (the transaction ended); the file is kept, emptied, for the next. */
  reset(): void {
    this.#mem.length = 0;
    this.#memFree.length = 0;
    this.#memBytes = 0;
    const used = this.#slots > 0;
    this.#slots = 0;
    this.#slotFree.length = 0;
    if (this.#file !== null && used) {
      try {
        this.#file.truncate(0);
      } catch {
        // Its content is never read again; only its size is lost.
      }
    }
  }

  /** Closes (and deletes) the file. Never throws: nobody reads the file again. */
  close(): void {
    this.reset();
    const f = this.#file;
    this.#file = null;
    try {
      f?.close();
    } catch {
      // Closing is all that was left to do with it.
    }
    if (this.#filePath !== "") {
      try {
        this.#vfs.delete(this.#filePath, false);
      } catch {
        // A temporary file left behind holds nothing anyone reads.
      }
      this.#filePath = "";
    }
  }

  #openFile(): VfsFile | null {
    if (this.#file !== null) return this.#file;
    const rnd = crypto.getRandomValues(new Uint32Array(2));
    const path = `${this.#dbPath}-tsqlite-stmt-${rnd[0].toString(16)}${rnd[1].toString(16)}`;
    try {
      this.#file = this.#vfs.open(path, { create: true, readOnly: false });
    } catch {
      this.#noFile = true;
      return null;
    }
    try {
      this.#vfs.delete(path, false);
    } catch {
      this.#filePath = path;
    }
    return this.#file;
  }
}
