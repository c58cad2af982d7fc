/**
 * The private credential code a voter receives by letter: 19 random Crockford base32 symbols and one
 * check symbol, written in five groups of four (`XXXX-XXXX-XXXX-XXXX-XXXX`). 95 random bits: enough that
 * no one can find a code from the public credentials (docs/credential-spec.md §2).
 *
 * The alphabet and the Luhn mod 32 check are those of the vote refs and receipts (@veritally/contracts
 * `ref.ts`); this package depends on no other of ours (it is the library an independent verifier and
 * the browser load), so the 32 symbols are repeated here rather than imported.
 */

/** Crockford's base32 symbols in value order (no I, L, O, U). */
export const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Random symbols of a code. */
export const CODE_DATA_SYMBOLS = 19;
/** Symbols of a code, the check symbol included (hyphens aside). */
export const CODE_SYMBOLS = CODE_DATA_SYMBOLS + 1;

const VALUES = new Map<string, number>([...CODE_ALPHABET].map((c, i) => [c, i]));
// Crockford's reading rules: I and L are read as 1, O as 0.
VALUES.set("I", 1);
VALUES.set("L", 1);
VALUES.set("O", 0);

/** A code that does not parse: `reason` says which symbol or rule. */
export class CredentialCodeError extends Error {
  override readonly name = "CredentialCodeError";
}

/** Luhn mod 32 over symbol values: doubles every second value counting from the right (the check's neighbour first). */
export function checkSymbol(values: readonly number[]): number {
  let sum = 0;
  let double = true;
  for (let i = values.length - 1; i >= 0; i--) {
    let addend = values[i] ?? 0;
    if (double) {
      addend *= 2;
      addend = Math.floor(addend / 32) + (addend % 32);
    }
    sum += addend;
    double = !double;
  }
  return (32 - (sum % 32)) % 32;
}

/** The printed form of 19 data symbol values: the check symbol appended, groups of four joined by hyphens. */
export function formatCode(values: readonly number[]): string {
  if (values.length !== CODE_DATA_SYMBOLS || values.some((v) => !Number.isInteger(v) || v < 0 || v > 31))
    throw new CredentialCodeError(`a code has ${CODE_DATA_SYMBOLS} symbol values in [0, 32)`);
  const text = [...values, checkSymbol(values)].map((v) => CODE_ALPHABET[v]).join("");
  return (text.match(/.{1,4}/g) ?? []).join("-");
}

/** A fresh code from the platform's CSPRNG (each byte's low 5 bits: 256 is a multiple of 32, so uniform). */
export function generateCode(random: (n: number) => Uint8Array = csprngBytes): string {
  const bytes = random(CODE_DATA_SYMBOLS);
  if (bytes.length !== CODE_DATA_SYMBOLS) throw new RangeError(`random source gave ${bytes.length} bytes`);
  return formatCode([...bytes].map((b) => b & 31));
}

export function csprngBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/**
 * Reads a code as a voter types it: ASCII hyphens and spaces are ignored, letters of either case,
 * I and L read as 1, O as 0. Returns the 19 data symbols in canonical form (upper case, the
 * alphabet's own symbols), the key derivation's input. Any other symbol, another length or a check
 * symbol that does not match is refused, naming the position.
 */
export function parseCode(text: string): string {
  if (typeof text !== "string") throw new CredentialCodeError("credential code: expected a string");
  const compact = text.replace(/[ -]/g, "").toUpperCase();
  if (compact.length !== CODE_SYMBOLS)
    throw new CredentialCodeError(
      `credential code: expected ${CODE_SYMBOLS} symbols (hyphens and spaces aside), got ${compact.length}`,
    );
  const values: number[] = [];
  for (const [i, c] of [...compact].entries()) {
    const v = VALUES.get(c);
    if (v === undefined)
      throw new CredentialCodeError(`credential code: symbol ${i + 1} ('${c}') is not in the alphabet`);
    values.push(v);
  }
  const check = values.pop();
  if (check !== checkSymbol(values))
    throw new CredentialCodeError("credential code: the check symbol does not match (a symbol is mistyped)");
  return values.map((v) => CODE_ALPHABET[v]).join("");
}
