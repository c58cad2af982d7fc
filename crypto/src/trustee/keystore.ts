import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { scrypt } from "@noble/hashes/scrypt.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { u32be } from "../group.js";
import type { TrusteeSecret } from "./ceremony.js";
import { contextParts, type ElectionContext, hashBytes } from "./context.js";
import { contextFromJson, contextToJson } from "./formats.js";
import {
  array,
  bytesToHex,
  FormatError,
  hex,
  integer,
  type JsonObject,
  literal,
  object,
  scalar,
  scalarHex,
} from "./json.js";

export const KEYSTORE_FORMAT = "veritally/trustee-secret/v1";
const DOMAIN_KEYSTORE = "veritally/trustee/v1/keystore";

/** scrypt cost: N = 2^17, r = 8, p = 1 (OWASP's recommendation; about 0.4 s and 128 MiB here). */
export const DEFAULT_KDF = { logN: 17, r: 8, p: 1 } as const;

/** What the keystore holds: the ceremony secret and, once shares are received, s_ℓ. */
export interface StoredSecret {
  readonly context: ElectionContext;
  readonly secret: TrusteeSecret;
  readonly share?: bigint;
}

export class WrongPassphraseError extends Error {
  override readonly name = "WrongPassphraseError";
  constructor() {
    super("wrong passphrase (or the secret file was altered): it does not decrypt");
  }
}

/** A derived key with its parameters, so that a re-seal after `receive` needs no second derivation. */
export interface KeystoreKey {
  readonly kdf: { readonly logN: number; readonly r: number; readonly p: number; readonly salt: Uint8Array };
  readonly key: Uint8Array;
}

export function deriveKey(passphrase: string, kdf: KeystoreKey["kdf"]): KeystoreKey {
  if (passphrase.length === 0) throw new Error("passphrase: must not be empty");
  const key = scrypt(passphrase.normalize("NFC"), kdf.salt, {
    N: 2 ** kdf.logN,
    r: kdf.r,
    p: kdf.p,
    dkLen: 32,
    maxmem: 2 ** 30,
  });
  return { kdf, key };
}

export function newKey(passphrase: string, params: { logN: number; r: number; p: number } = DEFAULT_KDF): KeystoreKey {
  return deriveKey(passphrase, { ...params, salt: randomBytes(16) });
}

function aad(ctx: ElectionContext, index: number): Uint8Array {
  return hashBytes(DOMAIN_KEYSTORE, [...contextParts(ctx), u32be(index)]);
}

export function sealSecret(stored: StoredSecret, key: KeystoreKey): JsonObject {
  const plain = new TextEncoder().encode(
    JSON.stringify({
      coefficients: stored.secret.coefficients.map(scalarHex),
      communicationSecret: scalarHex(stored.secret.communicationSecret),
      share: stored.share === undefined ? null : scalarHex(stored.share),
    }),
  );
  const nonce = randomBytes(24);
  const ciphertext = xchacha20poly1305(key.key, nonce, aad(stored.context, stored.secret.index)).encrypt(plain);
  return {
    format: KEYSTORE_FORMAT,
    context: contextToJson(stored.context),
    index: stored.secret.index,
    kdf: { name: "scrypt", logN: key.kdf.logN, r: key.kdf.r, p: key.kdf.p, salt: bytesToHex(key.kdf.salt) },
    nonce: bytesToHex(nonce),
    ciphertext: bytesToHex(ciphertext),
  };
}

/** Reads the envelope (no passphrase needed): the context, the index and the KDF parameters. */
export function keystoreHeader(value: unknown): {
  context: ElectionContext;
  index: number;
  kdf: KeystoreKey["kdf"];
  nonce: Uint8Array;
  ciphertext: Uint8Array;
} {
  const o = object(value, "$", ["format", "context", "index", "kdf", "nonce", "ciphertext"]);
  literal(o.format, "$.format", KEYSTORE_FORMAT);
  const context = contextFromJson(o.context, "$.context");
  const k = object(o.kdf, "$.kdf", ["name", "logN", "r", "p", "salt"]);
  literal(k.name, "$.kdf.name", "scrypt");
  if (typeof o.ciphertext !== "string" || !/^([0-9a-f]{2})+$/.test(o.ciphertext))
    throw new FormatError("$.ciphertext", "must be lowercase hex bytes");
  return {
    context,
    index: integer(o.index, "$.index", 1, context.trustees),
    kdf: {
      logN: integer(k.logN, "$.kdf.logN", 14, 22),
      r: integer(k.r, "$.kdf.r", 1, 32),
      p: integer(k.p, "$.kdf.p", 1, 16),
      salt: hex(k.salt, "$.kdf.salt", 16),
    },
    nonce: hex(o.nonce, "$.nonce", 24),
    ciphertext: hex(o.ciphertext, "$.ciphertext", o.ciphertext.length / 2),
  };
}

export function openSecret(value: unknown, passphrase: string): { stored: StoredSecret; key: KeystoreKey } {
  const h = keystoreHeader(value);
  const key = deriveKey(passphrase, h.kdf);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key.key, h.nonce, aad(h.context, h.index)).decrypt(h.ciphertext);
  } catch {
    throw new WrongPassphraseError();
  }
  const body = object(JSON.parse(new TextDecoder().decode(plain)), "secret", [
    "coefficients",
    "communicationSecret",
    "share",
  ]);
  const coefficients = array(body.coefficients, "secret.coefficients", h.context.threshold).map((c, j) =>
    scalar(c, `secret.coefficients[${j}]`),
  );
  const secret = {
    index: h.index,
    coefficients,
    communicationSecret: scalar(body.communicationSecret, "secret.communicationSecret"),
  };
  const stored: StoredSecret =
    body.share === null
      ? { context: h.context, secret }
      : { context: h.context, secret, share: scalar(body.share, "secret.share") };
  return { stored, key };
}
