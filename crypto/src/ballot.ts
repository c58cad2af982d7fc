import { sha256 } from "@noble/hashes/sha2.js";
import { type Ciphertext, encrypt } from "./elgamal.js";
import {
  CryptoDecodeError,
  concat,
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  randomScalar,
} from "./group.js";
import { type BallotProof, type ProofContext, proveBallot, verifyBallotProof } from "./proofs.js";

export const BALLOT_VERSION = 1;
export const MAX_CHOICES = 255;

export interface Ballot {
  readonly ciphertexts: readonly Ciphertext[];
  readonly proof: BallotProof;
}

/** Encrypts a vote for `choice` among `n` choices, with its proofs bound to `ctx`. */
export function encryptBallot(ctx: ProofContext, n: number, choice: number): Ballot {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CHOICES)
    throw new RangeError(`n must be an integer in [1, ${MAX_CHOICES}]`);
  if (!Number.isInteger(choice) || choice < 0 || choice >= n)
    throw new RangeError(`choice must be an integer in [0, ${n})`);
  const votes: (0 | 1)[] = Array.from({ length: n }, (_, i) => (i === choice ? 1 : 0));
  const rs = votes.map(() => randomScalar());
  const ciphertexts = votes.map((m, i) => encrypt(ctx.publicKey, BigInt(m), rs[i]));
  return { ciphertexts, proof: proveBallot(ctx, ciphertexts, votes, rs) };
}

/** Encoded size: version, n, n ciphertexts, c, n compact proofs, zSum, credential flag. */
export function ballotSize(n: number): number {
  return 3 + 64 * n + 32 + 96 * n + 32;
}

/**
 * u8 version | u8 n | n × (alpha ‖ beta) | c | n × (c0 ‖ z0 ‖ z1) | zSum | u8 credential flag (0: absent;
 * 1 is reserved for a 32-byte public key and a 64-byte signature and refused by this version).
 */
export function encodeBallot(b: Ballot): Uint8Array {
  const n = b.ciphertexts.length;
  const parts: Uint8Array[] = [Uint8Array.of(BALLOT_VERSION, n)];
  for (const ct of b.ciphertexts) parts.push(encodePoint(ct.alpha), encodePoint(ct.beta));
  parts.push(encodeScalar(b.proof.c));
  for (const p of b.proof.choices) parts.push(encodeScalar(p.c0), encodeScalar(p.z0), encodeScalar(p.z1));
  parts.push(encodeScalar(b.proof.zSum), Uint8Array.of(0));
  return concat(parts);
}

/** Strict decoder: refuses a wrong version, length or flag, trailing bytes, and any non-canonical point or scalar. */
export function decodeBallot(bytes: Uint8Array): Ballot {
  if (bytes.length < 2) throw new CryptoDecodeError("ballot", "too short");
  if (bytes[0] !== BALLOT_VERSION) throw new CryptoDecodeError("ballot.version", `unsupported version ${bytes[0]}`);
  const n = bytes[1] ?? 0;
  if (n < 1) throw new CryptoDecodeError("ballot.n", "at least one choice");
  if (bytes.length !== ballotSize(n)) {
    throw new CryptoDecodeError("ballot", `length ${bytes.length}, expected ${ballotSize(n)} for ${n} choices`);
  }
  let o = 2;
  const take = (): Uint8Array => {
    const s = bytes.subarray(o, o + 32);
    o += 32;
    return s;
  };
  const ciphertexts: Ciphertext[] = [];
  for (let i = 0; i < n; i++) {
    ciphertexts.push({
      alpha: decodePoint(take(), `ciphertexts[${i}].alpha`),
      beta: decodePoint(take(), `ciphertexts[${i}].beta`, { allowIdentity: true }),
    });
  }
  const c = decodeScalar(take(), "proof.c");
  const choices = [];
  for (let i = 0; i < n; i++) {
    choices.push({
      c0: decodeScalar(take(), `proof.choices[${i}].c0`),
      z0: decodeScalar(take(), `proof.choices[${i}].z0`),
      z1: decodeScalar(take(), `proof.choices[${i}].z1`),
    });
  }
  const zSum = decodeScalar(take(), "proof.zSum");
  const flag = bytes[o];
  if (flag !== 0) throw new CryptoDecodeError("ballot.credential", `flag ${flag} not supported by version 1`);
  return { ciphertexts, proof: { c, choices, zSum } };
}

/** The voter's tracker: SHA-256 of the canonical encoding. */
export function tracker(encoded: Uint8Array): Uint8Array {
  return sha256(encoded);
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** Decodes and verifies one encoded ballot against its context. */
export function verifyEncodedBallot(ctx: ProofContext, encoded: Uint8Array): VerifyResult {
  let b: Ballot;
  try {
    b = decodeBallot(encoded);
  } catch (e) {
    if (e instanceof CryptoDecodeError) return { ok: false, reason: e.message };
    throw e;
  }
  return verifyBallotProof(ctx, b.ciphertexts, b.proof)
    ? { ok: true }
    : { ok: false, reason: "proof: challenge mismatch" };
}
