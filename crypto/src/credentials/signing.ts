/**
 * Credential keys and ballot signatures (docs/credential-spec.md §3-§5): the signing key derived from
 * the voter's code and the election, Ed25519 by libsodium (WebAssembly, Node and browsers alike), and
 * strict verification: canonical points of prime order, S below the group order, the cofactorless
 * equation. Nothing malformed is reduced or repaired.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import sodiumModule from "libsodium-wrappers-sumo";
import { parseCode } from "./code.js";
import { type CredentialContext, contextBytes } from "./context.js";

const te = new TextEncoder();
/** HKDF salt of the signing-key derivation. */
export const SEED_TAG = "veritally/credential/v1/seed";
/** Domain tag at the head of every signed ballot message. */
export const BALLOT_TAG = "veritally/credential/v1/ballot";
/** Bytes of a public credential (an Ed25519 public key). */
export const CREDENTIAL_BYTES = 32;
/** Bytes of a signature. */
export const SIGNATURE_BYTES = 64;
/** What a credential adds to a sealed ballot: the public credential and the signature. */
export const EXTRA_BALLOT_BYTES = CREDENTIAL_BYTES + SIGNATURE_BYTES;
/** The ballot's credential flag values (docs/ballot-spec.md §7). */
export const FLAG_NONE = 0;
export const FLAG_CREDENTIAL = 1;

/** Ed25519 group order. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export interface CredentialKeyPair {
  /** The 32-byte public credential, published in the roll. */
  readonly publicKey: Uint8Array;
  /** libsodium's 64-byte secret key (seed ‖ public key); stays on the voter's device. */
  readonly secretKey: Uint8Array;
}

export type CredentialCheck = { ok: true } | { ok: false; reason: string };

/** The 32-byte Ed25519 seed of a code in an election: HKDF-SHA-256(code, salt = SEED_TAG, info = context). */
export function deriveSeed(ctx: CredentialContext, code: string): Uint8Array {
  return hkdf(sha256, te.encode(parseCode(code)), te.encode(SEED_TAG), contextBytes(ctx), 32);
}

/** The bytes a sealed ballot's signature covers: tag, context, and the ballot through its flag byte. */
export function ballotMessage(ctx: CredentialContext, body: Uint8Array): Uint8Array {
  const tag = te.encode(BALLOT_TAG);
  const context = contextBytes(ctx);
  const out = new Uint8Array(4 + tag.length + context.length + 4 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, tag.length);
  out.set(tag, 4);
  out.set(context, 4 + tag.length);
  view.setUint32(4 + tag.length + context.length, body.length);
  out.set(body, 8 + tag.length + context.length);
  return out;
}

/** Length of a sealed ballot of `n` choices without a credential (docs/ballot-spec.md §7). */
export const plainBallotLength = (n: number): number => 67 + 160 * n;

function leScalar(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i] ?? 0);
  return x;
}

/** The split of a credential-carrying ballot. */
export interface CredentialedBallot {
  /** The same ballot with flag 0 and without the 96 bytes: what the ballot proofs are verified on. */
  readonly plain: Uint8Array;
  /** The signed body: the ballot through its flag byte (flag 1). */
  readonly body: Uint8Array;
  readonly credential: Uint8Array;
  readonly signature: Uint8Array;
}

/** The credential operations; libsodium is loaded once by {@link loadCredentials}. */
export interface Credentials {
  /** The key pair of a code (any accepted typing of it) in an election. */
  keyPair(ctx: CredentialContext, code: string): CredentialKeyPair;
  /** The public credential of a code in an election. */
  publicCredential(ctx: CredentialContext, code: string): Uint8Array;
  /** Whether 32 bytes are a valid public credential: canonical, of prime order, not the identity. */
  isValidCredential(bytes: Uint8Array): boolean;
  /** Signs a sealed ballot (flag 0, no credential): returns it with flag 1, the public credential and the signature. */
  signBallot(ctx: CredentialContext, keys: CredentialKeyPair, ballot: Uint8Array): Uint8Array;
  /** Splits a credential-carrying ballot of `choices` choices, refusing a malformed layout (naming the field). */
  splitBallot(bytes: Uint8Array, choices: number): CredentialedBallot;
  /** Checks the credential and the signature of a credential-carrying ballot (not its proofs, not the roll). */
  verifyBallot(ctx: CredentialContext, bytes: Uint8Array, choices: number): CredentialCheck;
}

let loading: Promise<Credentials> | undefined;

/** Loads libsodium once and returns the credential operations. */
export function loadCredentials(): Promise<Credentials> {
  // The functions live on the default export, filled in once `ready` resolves.
  loading ??= sodiumModule.ready.then(() => makeCredentials(sodiumModule));
  return loading;
}

function makeCredentials(sodium: typeof sodiumModule): Credentials {
  const isValidCredential = (bytes: Uint8Array): boolean =>
    bytes.length === CREDENTIAL_BYTES && sodium.crypto_core_ed25519_is_valid_point(bytes);

  const keyPair = (ctx: CredentialContext, code: string): CredentialKeyPair => {
    const pair = sodium.crypto_sign_seed_keypair(deriveSeed(ctx, code));
    return { publicKey: pair.publicKey, secretKey: pair.privateKey };
  };

  const splitBallot = (bytes: Uint8Array, choices: number): CredentialedBallot => {
    if (bytes.length < 2) throw new RangeError(`ballot: too short (${bytes.length} bytes)`);
    if (bytes[0] !== 1) throw new RangeError(`ballot.version: unsupported version ${bytes[0]}`);
    const n = bytes[1] ?? 0;
    if (n < 1) throw new RangeError("ballot.n: at least one choice");
    if (n !== choices) throw new RangeError(`ballot.n: ${n} choices, the election has ${choices}`);
    const plainLength = plainBallotLength(n);
    const expected = plainLength + EXTRA_BALLOT_BYTES;
    if (bytes.length !== expected)
      throw new RangeError(`ballot: length ${bytes.length}, expected ${expected} for ${n} choices with a credential`);
    const flag = bytes[plainLength - 1];
    if (flag !== FLAG_CREDENTIAL)
      throw new RangeError(`ballot.credential: flag ${flag}, a credentialed election's ballots carry flag 1`);
    const body = bytes.slice(0, plainLength);
    const plain = body.slice();
    plain[plainLength - 1] = FLAG_NONE;
    return {
      plain,
      body,
      credential: bytes.slice(plainLength, plainLength + CREDENTIAL_BYTES),
      signature: bytes.slice(plainLength + CREDENTIAL_BYTES),
    };
  };

  return {
    keyPair,
    publicCredential: (ctx, code) => keyPair(ctx, code).publicKey,
    isValidCredential,
    signBallot(ctx, keys, ballot) {
      const n = ballot[1] ?? 0;
      if (ballot[0] !== 1 || n < 1 || ballot.length !== plainBallotLength(n))
        throw new RangeError("ballot: not a version-1 sealed ballot without a credential");
      if (ballot[ballot.length - 1] !== FLAG_NONE)
        throw new RangeError("ballot.credential: flag must be 0 before signing");
      const body = ballot.slice();
      body[body.length - 1] = FLAG_CREDENTIAL;
      const signature = sodium.crypto_sign_detached(ballotMessage(ctx, body), keys.secretKey);
      const out = new Uint8Array(body.length + EXTRA_BALLOT_BYTES);
      out.set(body);
      out.set(keys.publicKey, body.length);
      out.set(signature, body.length + CREDENTIAL_BYTES);
      return out;
    },
    splitBallot,
    verifyBallot(ctx, bytes, choices) {
      let split: CredentialedBallot;
      try {
        split = splitBallot(bytes, choices);
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      if (!isValidCredential(split.credential))
        return { ok: false, reason: "credential: not a canonical Ed25519 point of prime order" };
      const r = split.signature.subarray(0, 32);
      if (!sodium.crypto_core_ed25519_is_valid_point(r))
        return { ok: false, reason: "signature.R: not a canonical Ed25519 point of prime order" };
      if (leScalar(split.signature.subarray(32)) >= L)
        return { ok: false, reason: "signature.S: non-canonical scalar (>= group order)" };
      // libsodium checks [S]B = R + [k]A without the cofactor and compares R's encoding.
      if (!sodium.crypto_sign_verify_detached(split.signature, ballotMessage(ctx, split.body), split.credential))
        return { ok: false, reason: "signature: does not verify (another ballot, election or credential)" };
      return { ok: true };
    },
  };
}
