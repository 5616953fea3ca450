/**
 * A growable byte array: the content of one in-memory file.
 * @module
 */

/** File content with a logical size; bytes past `size` are always zero. */
export class ByteStore {
  /** Backing storage; only `[0, size)` is file content. */
  bytes: Uint8Array;
  /** The file's size in bytes. */
  size: number;

  /** Creates a store holding a copy of `initial`. */
  constructor(initial?: Uint8Array) {
    this.bytes = new Uint8Array(Math.max(initial?.length ?? 0, 64));
    this.size = initial?.length ?? 0;
    if (initial) this.bytes.set(initial);
  }

  #ensure(n: number): void {
    if (n <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.size));
    this.bytes = next;
  }

  /** Writes `data` at `offset`, growing the file (the gap reads as zeros). */
  write(data: Uint8Array, offset: number): void {
    const end = offset + data.length;
    this.#ensure(end);
    this.bytes.set(data, offset);
    if (end > this.size) this.size = end;
  }

  /** Copies up to `buf.length` bytes at `offset` into `buf`; returns how many. */
  read(buf: Uint8Array, offset: number): number {
    if (offset >= this.size) return 0;
    const n = Math.min(buf.length, this.size - offset);
    buf.set(this.bytes.subarray(offset, offset + n));
    return n;
  }

  /** Sets the size; shrinking zeroes the cut bytes so later growth reads zeros. */
  truncate(size: number): void {
    if (size < this.size) {
      this.bytes.fill(0, size, this.size);
    } else {
      this.#ensure(size);
    }
    this.size = size;
  }

  /** An independent copy. */
  clone(): ByteStore {
    return new ByteStore(this.bytes.subarray(0, this.size));
  }

  /** A copy of the content. */
  snapshot(): Uint8Array {
    return this.bytes.slice(0, this.size);
  }
}
