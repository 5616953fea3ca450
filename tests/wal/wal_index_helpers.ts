/**
 * Helpers of the wal-index tests: index headers and a temporary database path per test.
 * @module
 */
import { type IndexHeader, WalIndexFile } from "../../src/pager/wal_index.ts";

/** An index header (H) with last frame `mxFrame` and the given salts. */
export function header(mxFrame: number, salt1 = 7, salt2 = 9): IndexHeader {
  return { salt1, salt2, checkpointSeq: 3, mxFrame, dbSize: 5, ck0: 11, ck1: 13, pageSize: 4096 };
}

/** A test body run with the path of a database in a fresh directory, removed afterwards. */
export function withIndexes(fn: (key: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "tsqlite_walindex_" });
    try {
      await fn(`${dir}/x.db`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

/** `n` index files of database `key` (one per "process"), attached with H at `mxFrame`. */
export function attached(key: string, n: number, mxFrame: number): WalIndexFile[] {
  const out: WalIndexFile[] = [];
  for (let i = 0; i < n; i++) {
    const f = WalIndexFile.open(key)!;
    f.attach(() => header(mxFrame));
    out.push(f);
  }
  return out;
}
