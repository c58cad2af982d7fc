/**
 * The public credential list the credential authority publishes (`veritally/credential-roll/v1`,
 * docs/credential-spec.md §7): the election, the count, the Merkle root and the credentials in roll
 * order (ascending bytes: the order of publication on chain, which says nothing of the voter list's order).
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { type CredentialContext, checkCredentialContext } from "./context.js";
import { merkleRoot } from "./merkle.js";

export const ROLL_FORMAT = "veritally/credential-roll/v1";

export interface Roll {
  readonly context: CredentialContext;
  /** Public credentials, strictly ascending. */
  readonly credentials: readonly Uint8Array[];
  readonly root: Uint8Array;
}

const hex0x = (b: Uint8Array): string => `0x${bytesToHex(b)}`;

/** Byte order of two 32-byte strings (big-endian, as the contract compares bytes32). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The roll of a set of public credentials: sorted ascending, refused if two are equal. */
export function makeRoll(context: CredentialContext, credentials: readonly Uint8Array[]): Roll {
  checkCredentialContext(context);
  const sorted = [...credentials].sort(compareBytes);
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1] as Uint8Array, sorted[i] as Uint8Array) === 0)
      throw new RangeError(`credentials: ${hex0x(sorted[i] as Uint8Array)} appears twice`);
  }
  return { context, credentials: sorted, root: merkleRoot(sorted) };
}

export function rollToJson(roll: Roll): Record<string, unknown> {
  return {
    format: ROLL_FORMAT,
    context: {
      chainId: roll.context.chainId.toString(),
      registry: hex0x(roll.context.registry),
      electionId: hex0x(roll.context.electionId),
    },
    count: roll.credentials.length,
    root: hex0x(roll.root),
    credentials: roll.credentials.map(hex0x),
  };
}

function fail(field: string, reason: string): never {
  throw new RangeError(`${field}: ${reason}`);
}

function exactKeys(value: unknown, field: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(field, "must be an object");
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) if (!keys.includes(k)) fail(`${field}.${k}`, "unknown field");
  for (const k of keys) if (!(k in record)) fail(`${field}.${k}`, "missing");
  return record;
}

function hexField(value: unknown, field: string, bytes: number): Uint8Array {
  if (typeof value !== "string" || !new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`).test(value))
    fail(field, `must be "0x" and ${bytes * 2} lowercase hex digits`);
  return hexToBytes(value.slice(2));
}

/** Reads a roll file strictly: every field checked, the order, the count and the root recomputed. */
export function rollFromJson(value: unknown): Roll {
  const r = exactKeys(value, "$", ["format", "context", "count", "root", "credentials"]);
  if (r.format !== ROLL_FORMAT) fail("$.format", `must be "${ROLL_FORMAT}"`);
  const c = exactKeys(r.context, "$.context", ["chainId", "registry", "electionId"]);
  if (typeof c.chainId !== "string" || !/^(0|[1-9][0-9]*)$/.test(c.chainId) || BigInt(c.chainId) >= 1n << 64n)
    fail("$.context.chainId", "must be a decimal string below 2^64");
  const context: CredentialContext = {
    chainId: BigInt(c.chainId),
    registry: hexField(c.registry, "$.context.registry", 20),
    electionId: hexField(c.electionId, "$.context.electionId", 32),
  };
  if (!Array.isArray(r.credentials)) fail("$.credentials", "must be an array");
  const credentials = r.credentials.map((x, i) => hexField(x, `$.credentials[${i}]`, 32));
  for (let i = 1; i < credentials.length; i++) {
    if (compareBytes(credentials[i - 1] as Uint8Array, credentials[i] as Uint8Array) >= 0)
      fail(`$.credentials[${i}]`, "not above the one before (the roll is strictly ascending)");
  }
  if (r.count !== credentials.length) fail("$.count", `must equal the number of credentials (${credentials.length})`);
  const root = hexField(r.root, "$.root", 32);
  const computed = merkleRoot(credentials);
  if (compareBytes(root, computed) !== 0) fail("$.root", `is not the credentials' Merkle root (${hex0x(computed)})`);
  return { context, credentials, root };
}
