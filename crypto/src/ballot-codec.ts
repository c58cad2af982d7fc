/**
 * The ballot's wire format (docs/ballot-spec.md section 4), version 1:
 * u8 version=1 ‖ u8 n ‖ n × (alpha ‖ beta) ‖ c ‖ n × (c0 ‖ z0 ‖ z1) ‖ zSum ‖ u8 credential flag.
 * Flag 0: no credential. Flag 1 is reserved for a 32-byte credential key and a 64-byte signature, appended
 * after the flag, and refused by version 1.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import type { GroupOps } from "./backend.js";
import { CryptoDecodeError, concat, decodeScalar, encodeScalar } from "./group.js";
import type { BallotProof, Ciphertext, ZeroOneProof } from "./proofs.js";

export const BALLOT_VERSION = 1;
export const MAX_CHOICES = 255;
export const CREDENTIAL_NONE = 0;
/** Reserved: a 32-byte key and a 64-byte signature follow the flag (the credentials issue fills it). */
export const CREDENTIAL_RESERVED = 1;

export interface Ballot<T> {
  readonly ciphertexts: readonly Ciphertext<T>[];
  readonly proof: BallotProof;
}

/** Encoded size without credential: 2 + 64·n + 32 + 96·n + 32 + 1 (707 for 4 choices). */
export function ballotSize(n: number): number {
  return 3 + 64 * n + 32 + 96 * n + 32;
}

export function encodeBallot<T>(ops: GroupOps<T>, b: Ballot<T>): Uint8Array {
  const n = b.ciphertexts.length;
  if (n < 1 || n > MAX_CHOICES) throw new RangeError(`a ballot has 1 to ${MAX_CHOICES} choices, got ${n}`);
  if (b.proof.choices.length !== n) throw new RangeError("one zero-one proof per choice");
  const parts: Uint8Array[] = [Uint8Array.of(BALLOT_VERSION, n)];
  for (const ct of b.ciphertexts) parts.push(ops.encode(ct.alpha), ops.encode(ct.beta));
  parts.push(encodeScalar(b.proof.c));
  for (const p of b.proof.choices) parts.push(encodeScalar(p.c0), encodeScalar(p.z0), encodeScalar(p.z1));
  parts.push(encodeScalar(b.proof.zSum), Uint8Array.of(CREDENTIAL_NONE));
  return concat(parts);
}

/**
 * Strict decoder: refuses a wrong version, choice count, length or credential flag, and any non-canonical point
 * or scalar (never reduced), naming the field. alpha must not be the identity (it would mean r = 0, the vote
 * in the clear); beta may be. `expectedChoices` is the election's number of choices.
 */
export function decodeBallot<T>(ops: GroupOps<T>, bytes: Uint8Array, expectedChoices?: number): Ballot<T> {
  if (bytes.length < 2) throw new CryptoDecodeError("ballot", `too short (${bytes.length} bytes)`);
  if (bytes[0] !== BALLOT_VERSION) throw new CryptoDecodeError("ballot.version", `unsupported version ${bytes[0]}`);
  const n = bytes[1] ?? 0;
  if (n < 1) throw new CryptoDecodeError("ballot.n", "at least one choice");
  if (expectedChoices !== undefined && n !== expectedChoices) {
    throw new CryptoDecodeError("ballot.n", `${n} choices, the election has ${expectedChoices}`);
  }
  if (bytes.length === ballotSize(n) + 96 && bytes[ballotSize(n) - 1] === CREDENTIAL_RESERVED) {
    throw new CryptoDecodeError("ballot.credential", `flag 1 (credential) not supported by version ${BALLOT_VERSION}`);
  }
  if (bytes.length !== ballotSize(n)) {
    throw new CryptoDecodeError("ballot", `length ${bytes.length}, expected ${ballotSize(n)} for ${n} choices`);
  }
  let o = 2;
  const take = (): Uint8Array => {
    const s = bytes.subarray(o, o + 32);
    o += 32;
    return s;
  };
  const point = (field: string, allowIdentity: boolean): T => {
    const p = ops.decode(take());
    if (p === undefined) throw new CryptoDecodeError(field, "invalid or non-canonical ristretto255 encoding");
    if (!allowIdentity && ops.isIdentity(p)) throw new CryptoDecodeError(field, "identity point not allowed");
    return p;
  };
  const ciphertexts: Ciphertext<T>[] = [];
  for (let i = 0; i < n; i++) {
    ciphertexts.push({ alpha: point(`ciphertexts[${i}].alpha`, false), beta: point(`ciphertexts[${i}].beta`, true) });
  }
  const c = decodeScalar(take(), "proof.c");
  const choices: ZeroOneProof[] = [];
  for (let i = 0; i < n; i++) {
    choices.push({
      c0: decodeScalar(take(), `proof.choices[${i}].c0`),
      z0: decodeScalar(take(), `proof.choices[${i}].z0`),
      z1: decodeScalar(take(), `proof.choices[${i}].z1`),
    });
  }
  const zSum = decodeScalar(take(), "proof.zSum");
  const last = bytes[o];
  if (last !== CREDENTIAL_NONE) {
    throw new CryptoDecodeError("ballot.credential", `flag ${last} not supported by version ${BALLOT_VERSION}`);
  }
  return { ciphertexts, proof: { c, choices, zSum } };
}

/** The voter's tracker: SHA-256 of the canonical encoding. */
export function tracker(encoded: Uint8Array): Uint8Array {
  return sha256(encoded);
}
