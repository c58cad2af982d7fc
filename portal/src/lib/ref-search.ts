/**
 * A search box over an election's references: what a voter types (the start of the reference in
 * its human form, or 0x and hex digits) becomes the range of refs that start that way, so the
 * database walks its ref index. The human form is Crockford base32 of the 128-bit ref, padded to
 * 130 bits at the top, so a prefix of k characters fixes the top 5k bits.
 */
import { crockfordValue, InvalidInputError } from "@veritally/contracts";

const DIGITS = 26;
const MAX = (1n << 128n) - 1n;

const hex = (v: bigint) => `0x${v.toString(16).padStart(32, "0")}`;

/** The refs (0x + 32 lower-case hex digits, inclusive bounds) that start with `query`. */
export function refRangeOf(query: string): { from: string; to: string } {
  const trimmed = query.trim();
  if (/^0x/i.test(trimmed)) {
    const digits = trimmed.slice(2).toLowerCase();
    if (!/^[0-9a-f]{1,32}$/.test(digits)) {
      throw new InvalidInputError("search", "after 0x, type 1 to 32 hex digits (0-9, a-f)");
    }
    return { from: `0x${digits.padEnd(32, "0")}`, to: `0x${digits.padEnd(32, "f")}` };
  }
  const compact = trimmed.replace(/[\s-]/g, "").toUpperCase().slice(0, DIGITS);
  if (compact === "") throw new InvalidInputError("search", "type the first characters of a reference");
  let value = 0n;
  for (const [i, c] of [...compact].entries()) {
    const d = crockfordValue(c);
    if (d === undefined) {
      throw new InvalidInputError("search", `character ${i + 1} ('${c}') cannot be in a reference`);
    }
    value = (value << 5n) | BigInt(d);
  }
  const rest = BigInt(5 * (DIGITS - compact.length));
  const from = value << rest;
  const to = ((value + 1n) << rest) - 1n;
  if (from > MAX) throw new InvalidInputError("search", "no reference starts this way (the first character is 0 to 7)");
  return { from: hex(from), to: hex(to > MAX ? MAX : to) };
}
