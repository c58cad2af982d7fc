import { IDENTITY } from "../group.js";
import { generateTrustee, type TrusteePublic, type TrusteeSecret } from "./ceremony.js";
import type { ElectionContext, ScalarSource } from "./context.js";
import { buildElectionKey, type ElectionKeyRecord, proveShare, publicSharesOf } from "./election-key.js";
import { type EncryptedShare, makeShares, receiveShares } from "./shares.js";

/** Test and benchmark support: an honest in-memory ceremony of every trustee. */
export interface HonestCeremony {
  readonly secrets: readonly TrusteeSecret[];
  readonly publics: readonly TrusteePublic[];
  readonly shares: readonly EncryptedShare[];
  /** secretShares[ℓ-1] = s_ℓ. */
  readonly secretShares: readonly bigint[];
  readonly record: ElectionKeyRecord;
}

export function runHonestCeremony(ctx: ElectionContext, rng: ScalarSource): HonestCeremony {
  const trustees = Array.from({ length: ctx.trustees }, (_, i) => generateTrustee(ctx, i + 1, rng));
  const secrets = trustees.map((t) => t.secret);
  const publics = trustees.map((t) => t.public);
  const shares = secrets.flatMap((s) => makeShares(ctx, s, publics, rng));
  const secretShares = secrets.map((s) => {
    const r = receiveShares(ctx, s, publics, shares, rng);
    if (r.share === undefined) throw new Error(`honest ceremony: ${r.reasons.join("; ")}`);
    return r.share;
  });
  const publicShares = publicSharesOf(ctx, publics);
  const proofs = secretShares.map((s, i) => proveShare(ctx, i + 1, s, publicShares[i] ?? IDENTITY, rng));
  return { secrets, publics, shares, secretShares, record: buildElectionKey(ctx, publics, proofs) };
}

export const testContext = (trustees: number, threshold: number): ElectionContext => ({
  chainId: 31337n,
  registry: new Uint8Array(20).fill(0x11),
  electionId: new Uint8Array(32).fill(0x22),
  trustees,
  threshold,
});
