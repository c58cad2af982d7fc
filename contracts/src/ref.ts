/**
 * Human forms of a vote's 16-byte ref and 32-byte receipt secret.
 *
 * Crockford's base32 (no I, L, O, U; case-insensitive; I/L read as 1 and O as 0) with one check
 * character computed by the Luhn mod 32 algorithm, which catches every single-character error
 * and every swap of two adjacent characters but one: "0Z" read as "Z0" or back (the first and last
 * digits, as Luhn mod 10 misses 09/90). Groups of four separated by hyphens; hyphens and
 * spaces are ignored when reading.
 */
import { InvalidInputError } from "./errors.js";

/** Crockford's base32 digits, value order. */
export const CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ALPHABET = CROCKFORD_ALPHABET;
const VALUES = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));
for (const [alias, canonical] of [
  ["I", "1"],
  ["L", "1"],
  ["O", "0"],
] as const) {
  VALUES.set(alias, VALUES.get(canonical) as number);
}

/** The value of one Crockford base32 character (upper case; I and L read as 1, O as 0), or undefined. */
export function crockfordValue(char: string): number | undefined {
  return VALUES.get(char);
}

/** Bytes of a ref (bytes16 on chain). */
export const REF_BYTES = 16;
/** Bytes of a receipt secret (bytes32). */
export const RECEIPT_BYTES = 32;

function dataLength(bytes: number): number {
  return Math.ceil((bytes * 8) / 5);
}

function checkCharacter(digits: readonly number[]): number {
  // Luhn mod N, N = 32: double every second digit counting from the right.
  let sum = 0;
  let double = true;
  for (let i = digits.length - 1; i >= 0; i--) {
    let addend = digits[i] as number;
    if (double) {
      addend *= 2;
      addend = Math.floor(addend / 32) + (addend % 32);
    }
    sum += addend;
    double = !double;
  }
  return (32 - (sum % 32)) % 32;
}

// No Buffer: this module is bundled into the portal's verify page and runs in browsers.
function toHex(bytes: Uint8Array): string {
  let hex = "0x";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function hexToBytes(field: string, hex: string, length: number): Uint8Array {
  if (!/^0x[0-9a-fA-F]*$/.test(hex) || hex.length !== 2 + length * 2) {
    throw new InvalidInputError(field, `expected 0x and ${length * 2} hex digits`);
  }
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Number.parseInt(hex.slice(2 + i * 2, 4 + i * 2), 16);
  return bytes;
}

function encodeChecked(bytes: Uint8Array): string {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const length = dataLength(bytes.length);
  const digits: number[] = [];
  for (let i = 0; i < length; i++) {
    digits.unshift(Number(value & 31n));
    value >>= 5n;
  }
  digits.push(checkCharacter(digits));
  const text = digits.map((d) => ALPHABET[d]).join("");
  return (text.match(/.{1,4}/g) ?? []).join("-");
}

function decodeChecked(field: string, text: string, byteLength: number): Uint8Array {
  if (typeof text !== "string") throw new InvalidInputError(field, "expected a string");
  const compact = text.replace(/[\s-]/g, "").toUpperCase();
  const length = dataLength(byteLength) + 1;
  if (compact.length !== length) {
    throw new InvalidInputError(
      field,
      `expected ${length} characters (hyphens and spaces aside), got ${compact.length}`,
    );
  }
  const digits: number[] = [];
  for (const [i, c] of [...compact].entries()) {
    const d = VALUES.get(c);
    if (d === undefined) throw new InvalidInputError(field, `character ${i + 1} ('${c}') is not in the alphabet`);
    digits.push(d);
  }
  const check = digits.pop() as number;
  if (checkCharacter(digits) !== check) {
    throw new InvalidInputError(field, "check character does not match: a character is mistyped");
  }
  let value = 0n;
  for (const d of digits) value = (value << 5n) | BigInt(d);
  if (value >> BigInt(byteLength * 8) !== 0n) throw new InvalidInputError(field, "value is too large");
  const bytes = new Uint8Array(byteLength);
  for (let i = byteLength - 1; i >= 0; i--) {
    bytes[i] = Number(value & 255n);
    value >>= 8n;
  }
  return bytes;
}

/** `0x` + 32 hex digits (the bytes16 on chain) → human form, e.g. `0A1B-…-7`. */
export function encodeRef(refHex: string): string {
  return encodeChecked(hexToBytes("ref", refHex, REF_BYTES));
}

/** Human form (any case, with or without hyphens) → `0x` + 32 lowercase hex digits. */
export function decodeRef(text: string): string {
  return toHex(decodeChecked("ref", text, REF_BYTES));
}

/** `0x` + 64 hex digits → the receipt as the voter keeps it. */
export function encodeReceipt(secretHex: string): string {
  return encodeChecked(hexToBytes("receipt", secretHex, RECEIPT_BYTES));
}

/** The receipt as the voter typed it → `0x` + 64 lowercase hex digits. */
export function decodeReceipt(text: string): string {
  return toHex(decodeChecked("receipt", text, RECEIPT_BYTES));
}

/**
 * Accepts a ref either as `0x…` hex or in its human form; returns hex. Hex is `0x` and hex digits
 * only: a human form may begin with "0X" too (both are Crockford digits), one ref in 1,024.
 */
export function parseRef(input: string): string {
  const trimmed = input.trim();
  if (/^0x[0-9a-f]*$/i.test(trimmed)) return toHex(hexToBytes("ref", trimmed.toLowerCase(), REF_BYTES));
  return decodeRef(trimmed);
}

/** Random bytes from the platform's CSPRNG (Node and browsers), as `0x` hex. */
export function randomHex(bytes: number): string {
  const out = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(out);
  return toHex(out);
}

export function newRef(): string {
  return randomHex(REF_BYTES);
}

export function newReceiptSecret(): string {
  return randomHex(RECEIPT_BYTES);
}
