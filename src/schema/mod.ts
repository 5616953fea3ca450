/**
 * The schema layer: the sqlite_schema catalog and the table/index descriptions built
 * from it.
 * @module
 */
export * from "./types.ts";
export * from "./catalog.ts";
export * from "./build.ts";
export * from "./names.ts";
