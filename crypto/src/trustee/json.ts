import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { CryptoDecodeError, decodePoint, decodeScalar, encodePoint, encodeScalar, type Point } from "../group.js";

/** A malformed file: `field` is the JSON path of the offending value. */
export class FormatError extends Error {
  override readonly name = "FormatError";
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An object with exactly these keys (unknown keys are refused so that a typo is never silently ignored). */
export function object(value: unknown, field: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FormatError(field, "must be an object");
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    if (!keys.includes(k)) throw new FormatError(`${field}.${k}`, "unknown field");
  }
  for (const k of keys) {
    if (!(k in record)) throw new FormatError(`${field}.${k}`, "missing");
  }
  return record;
}

export function array(value: unknown, field: string, length?: number): unknown[] {
  if (!Array.isArray(value)) throw new FormatError(field, "must be an array");
  if (length !== undefined && value.length !== length)
    throw new FormatError(field, `must have ${length} entries, has ${value.length}`);
  return value;
}

export function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max)
    throw new FormatError(field, `must be an integer in [${min}, ${max}]`);
  return value;
}

export function literal(value: unknown, field: string, expected: string): void {
  if (value !== expected) throw new FormatError(field, `must be "${expected}"`);
}

export function hex(value: unknown, field: string, bytes: number, prefix = ""): Uint8Array {
  const re = new RegExp(`^${prefix}[0-9a-f]{${bytes * 2}}$`);
  if (typeof value !== "string" || !re.test(value))
    throw new FormatError(field, `must be ${prefix ? `"${prefix}" and ` : ""}${bytes * 2} lowercase hex digits`);
  return hexToBytes(value.slice(prefix.length));
}

export function point(value: unknown, field: string, opts: { allowIdentity?: boolean } = {}): Point {
  try {
    return decodePoint(hex(value, field, 32), field, opts);
  } catch (e) {
    if (e instanceof CryptoDecodeError) throw new FormatError(field, e.message.slice(field.length + 2));
    throw e;
  }
}

export function scalar(value: unknown, field: string): bigint {
  try {
    return decodeScalar(hex(value, field, 32), field);
  } catch (e) {
    if (e instanceof CryptoDecodeError) throw new FormatError(field, e.message.slice(field.length + 2));
    throw e;
  }
}

export const pointHex = (p: Point): string => bytesToHex(encodePoint(p));
export const scalarHex = (s: bigint): string => bytesToHex(encodeScalar(s));
export { bytesToHex };
