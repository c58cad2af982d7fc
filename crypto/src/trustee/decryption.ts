import type { Ciphertext } from "../elgamal.js";
import { encodePoint, mul, type Point, u32be } from "../group.js";
import type { Check } from "./ceremony.js";
import { contextParts, type ElectionContext, type ScalarSource } from "./context.js";
import type { ElectionKeyRecord } from "./election-key.js";
import { proveEqualLogs, type SigmaProof, verifyEqualLogs } from "./sigma.js";

export const DOMAIN_DECRYPTION = "veritally/trustee/v1/decryption";

/** Trustee ℓ's partial decryption of choice j: M = A_j^{s_ℓ}, with a Chaum-Pedersen proof against g^{s_ℓ}. */
export interface PartialDecryption {
  readonly value: Point;
  readonly proof: SigmaProof;
}

export interface DecryptionShare {
  readonly trustee: number;
  /** One per choice of the aggregate, in order. */
  readonly choices: readonly PartialDecryption[];
}

function decryptionBound(ctx: ElectionContext, jointKey: Point, trustee: number, choice: number, beta: Point) {
  return [...contextParts(ctx), encodePoint(jointKey), u32be(trustee), u32be(choice), encodePoint(beta)];
}

export function partialDecrypt(
  record: ElectionKeyRecord,
  trustee: number,
  share: bigint,
  aggregate: readonly Ciphertext[],
  rng: ScalarSource,
): DecryptionShare {
  const publicShare = record.publicShares[trustee - 1];
  if (publicShare === undefined) throw new RangeError(`trustee: no public share for trustee ${trustee}`);
  const choices = aggregate.map((ct, j) => {
    const value = mul(ct.alpha, share);
    const proof = proveEqualLogs(
      DOMAIN_DECRYPTION,
      decryptionBound(record.context, record.jointKey, trustee, j, ct.beta),
      share,
      publicShare,
      ct.alpha,
      value,
      rng,
    );
    return { value, proof };
  });
  return { trustee, choices };
}

/** Checks every choice's proof; the failure names the trustee and the choice. */
export function verifyDecryptionShare(
  record: ElectionKeyRecord,
  aggregate: readonly Ciphertext[],
  share: DecryptionShare,
): Check {
  const who = `decryption share of trustee ${share.trustee}`;
  const publicShare = record.publicShares[share.trustee - 1];
  if (!Number.isInteger(share.trustee) || publicShare === undefined)
    return { ok: false, reason: `${who}: no such trustee` };
  if (share.choices.length !== aggregate.length)
    return { ok: false, reason: `${who}: ${share.choices.length} choices, the aggregate has ${aggregate.length}` };
  for (let j = 0; j < aggregate.length; j++) {
    const ct = aggregate[j];
    const d = share.choices[j];
    if (ct === undefined || d === undefined) return { ok: false, reason: `${who}, choice ${j}: missing` };
    const ok = verifyEqualLogs(
      DOMAIN_DECRYPTION,
      decryptionBound(record.context, record.jointKey, share.trustee, j, ct.beta),
      publicShare,
      ct.alpha,
      d.value,
      d.proof,
    );
    if (!ok) return { ok: false, reason: `${who}, choice ${j}: proof does not verify` };
  }
  return { ok: true };
}
