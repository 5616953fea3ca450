/**
 * Buffered byte output for the shell. Text and raw bytes (blobs printed as they are) go
 * through the same buffer, so their order is kept; the buffer is flushed to its sink when
 * it grows large and whenever the shell is about to wait for input.
 * @module
 */

/** Where flushed bytes go. */
export type ByteSink = (bytes: Uint8Array) => void;

const encoder = new TextEncoder();

/** A sink writing synchronously to a Deno file (stdout, stderr, or a file). */
export function fileSink(file: { writeSync(p: Uint8Array): number }): ByteSink {
  return (bytes) => {
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
  };
}

/** An output stream with a write buffer. */
export class Output {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #sink: ByteSink;

  /** Writes to `sink`. */
  constructor(sink: ByteSink) {
    this.#sink = sink;
  }

  /** Replaces the sink (after flushing what is buffered). */
  redirect(sink: ByteSink): void {
    this.flush();
    this.#sink = sink;
  }

  /** Appends text (UTF-8) or raw bytes. */
  write(s: string | Uint8Array): void {
    if (typeof s === "string") {
      if (s.length === 0) return;
      s = encoder.encode(s);
    }
    this.#chunks.push(s);
    this.#size += s.length;
    if (this.#size >= 65536) this.flush();
  }

  /** Sends the buffered bytes to the sink. */
  flush(): void {
    if (this.#size === 0) return;
    const all = this.#chunks.length === 1 ? this.#chunks[0] : concat(this.#chunks, this.#size);
    this.#chunks = [];
    this.#size = 0;
    this.#sink(all);
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** A sink that collects everything into memory (for tests and `.once`-style capture). */
export class MemorySink {
  #chunks: Uint8Array[] = [];

  /** The sink function. */
  readonly sink: ByteSink = (b) => {
    this.#chunks.push(b.slice());
  };

  /** Everything written so far, as bytes. */
  bytes(): Uint8Array {
    return concat(this.#chunks, this.#chunks.reduce((n, c) => n + c.length, 0));
  }

  /** Everything written so far, decoded as UTF-8. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
