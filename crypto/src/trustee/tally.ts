import type { Ciphertext } from "../elgamal.js";
import { IDENTITY, L, mod, mul, mulBase, type Point } from "../group.js";
import type { Check } from "./ceremony.js";
import { type DecryptionShare, verifyDecryptionShare } from "./decryption.js";
import { type DlogTable, dlogTable } from "./dlog.js";
import type { ElectionKeyRecord } from "./election-key.js";

/** Modular inverse mod L (Fermat: L is prime). */
function invert(a: bigint): bigint {
  let result = 1n;
  let base = mod(a);
  let e = L - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % L;
    base = (base * base) % L;
    e >>= 1n;
  }
  return result;
}

/** Lagrange coefficient at 0 of trustee ℓ in the set S: w_ℓ = Π_{m∈S, m≠ℓ} m / (m − ℓ) mod L. */
export function lagrangeCoefficient(index: number, indices: readonly number[]): bigint {
  let num = 1n;
  let den = 1n;
  for (const m of indices) {
    if (m === index) continue;
    num = mod(num * BigInt(m));
    den = mod(den * BigInt(m - index));
  }
  return mod(num * invert(den));
}

export interface TallyResult {
  /** The trustees whose shares were combined, ascending. */
  readonly trustees: readonly number[];
  readonly shares: readonly DecryptionShare[];
  /** M_j = Π_ℓ M_{ℓ,j}^{w_ℓ} = A_j^s. */
  readonly combined: readonly Point[];
  readonly counts: readonly number[];
}

/**
 * Keeps the shares that verify (one per trustee) and picks the k lowest indices; a bad share is set aside with its
 * reason, so that any k good shares suffice.
 */
function chooseShares(
  record: ElectionKeyRecord,
  aggregate: readonly Ciphertext[],
  shares: readonly DecryptionShare[],
  onProgress?: (message: string) => void,
): DecryptionShare[] {
  const byIndex = new Map<number, DecryptionShare>();
  const rejected: string[] = [];
  for (const s of shares) {
    if (byIndex.has(s.trustee)) throw new Error(`shares: two shares from trustee ${s.trustee}`);
    const r = verifyDecryptionShare(record, aggregate, s);
    if (r.ok) byIndex.set(s.trustee, s);
    else {
      rejected.push(r.reason);
      onProgress?.(`set aside: ${r.reason}`);
    }
  }
  const k = record.context.threshold;
  if (byIndex.size < k)
    throw new Error(
      `shares: ${byIndex.size} trustee(s) decrypted verifiably, the threshold is ${k}: the tally cannot be computed${
        rejected.length > 0 ? ` (${rejected.join("; ")})` : ""
      }`,
    );
  return [...byIndex.values()].sort((a, b) => a.trustee - b.trustee).slice(0, k);
}

export function combineShares(shares: readonly DecryptionShare[], choices: number): Point[] {
  const indices = shares.map((s) => s.trustee);
  const weights = indices.map((i) => lagrangeCoefficient(i, indices));
  return Array.from({ length: choices }, (_, j) =>
    shares.reduce((acc, s, n) => acc.add(mul(s.choices[j]?.value ?? IDENTITY, weights[n] ?? 0n)), IDENTITY),
  );
}

/**
 * Verifies the shares, combines any k good ones by Lagrange coefficients and finds each count t_j with
 * B_j / M_j = g^{t_j}, t_j in [0, ballotCount], by baby-step giant-step.
 */
export function computeTally(
  record: ElectionKeyRecord,
  aggregate: readonly Ciphertext[],
  ballotCount: number,
  shares: readonly DecryptionShare[],
  opts: { table?: DlogTable; onProgress?: (message: string) => void } = {},
): TallyResult {
  const chosen = chooseShares(record, aggregate, shares, opts.onProgress);
  const combined = combineShares(chosen, aggregate.length);
  opts.onProgress?.(`solving ${aggregate.length} discrete logarithms bounded by ${ballotCount}`);
  const table = opts.table && opts.table.bound >= ballotCount ? opts.table : dlogTable(ballotCount);
  const counts = aggregate.map((ct, j) => {
    const t = table.solve(ct.beta.subtract(combined[j] ?? IDENTITY));
    if (t === undefined || t > ballotCount)
      throw new Error(`choice ${j}: no count in [0, ${ballotCount}] (a share or the aggregate is wrong)`);
    return t;
  });
  return { trustees: chosen.map((s) => s.trustee), shares: chosen, combined, counts };
}

/** Anyone: checks the shares, the combination and each count against the aggregate. */
export function verifyTally(
  record: ElectionKeyRecord,
  aggregate: readonly Ciphertext[],
  ballotCount: number,
  tally: TallyResult,
): Check {
  const k = record.context.threshold;
  const indices = tally.shares.map((s) => s.trustee);
  if (new Set(indices).size !== indices.length || indices.length !== k)
    return { ok: false, reason: `shares: need exactly ${k} shares of distinct trustees` };
  if (tally.trustees.length !== k || tally.trustees.some((t, i) => t !== indices[i]))
    return { ok: false, reason: "trustees: do not list the trustees of the shares in order" };
  for (const s of tally.shares) {
    const r = verifyDecryptionShare(record, aggregate, s);
    if (!r.ok) return r;
  }
  const combined = combineShares(tally.shares, aggregate.length);
  if (tally.combined.length !== aggregate.length || tally.counts.length !== aggregate.length)
    return { ok: false, reason: `combined/counts: expected ${aggregate.length} entries` };
  let total = 0;
  for (let j = 0; j < aggregate.length; j++) {
    const c = combined[j] ?? IDENTITY;
    if (!c.equals(tally.combined[j] ?? IDENTITY))
      return { ok: false, reason: `combined[${j}]: not the Lagrange combination of the shares` };
    const t = tally.counts[j] ?? -1;
    if (!Number.isSafeInteger(t) || t < 0 || t > ballotCount)
      return { ok: false, reason: `counts[${j}]: outside [0, ${ballotCount}]` };
    const ct = aggregate[j];
    if (ct === undefined || !ct.beta.subtract(c).equals(mulBase(BigInt(t))))
      return { ok: false, reason: `counts[${j}]: B / M is not g^${t}` };
    total += t;
  }
  if (total !== ballotCount)
    return { ok: false, reason: `counts: sum to ${total}, but ${ballotCount} ballots each count exactly once` };
  return { ok: true };
}
