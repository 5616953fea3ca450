/**
 * The record layer: varints, the record format, SQLite's sort order, collations, affinity and
 * value conversions. Everything above the B-tree imports from here.
 * @module
 */

export * from "./value.ts";
export * from "./varint.ts";
export * from "./utf8.ts";
export * from "./serial_type.ts";
export * from "./record.ts";
export * from "./record_reader.ts";
export * from "./collation.ts";
export * from "./compare.ts";
export * from "./affinity.ts";
export * from "./conversion.ts";
export { fp10Convert2, fpDecode, type FpDecoded, isSpace } from "./float_decimal.ts";
