import { type Ciphertext, sum } from "./elgamal.js";
import { encodePoint, G, hashToScalar, mod, mul, mulBase, type Point, randomScalar, u32be } from "./group.js";

/** What every challenge is bound to: the chain, the registry contract, the election and its key. */
export interface ProofContext {
  readonly chainId: bigint;
  /** 20-byte registry contract address. */
  readonly registry: Uint8Array;
  /** 32-byte election id. */
  readonly electionId: Uint8Array;
  readonly publicKey: Point;
}

export const DOMAIN_BALLOT = "veritally/ballot/v1/proof";

function contextBytes(ctx: ProofContext): Uint8Array[] {
  if (ctx.registry.length !== 20) throw new RangeError("registry must be 20 bytes");
  if (ctx.electionId.length !== 32) throw new RangeError("electionId must be 32 bytes");
  if (ctx.chainId < 0n || ctx.chainId >= 1n << 64n) throw new RangeError("chainId must fit in 64 bits");
  const chain = new Uint8Array(8);
  new DataView(chain.buffer).setBigUint64(0, ctx.chainId);
  return [chain, ctx.registry, ctx.electionId, encodePoint(ctx.publicKey)];
}

/**
 * One choice's disjunctive Chaum-Pedersen proof that its ciphertext encrypts 0 or 1.
 * Compact: c1 = c - c0 where c is the ballot-wide challenge.
 */
export interface ZeroOneProof {
  readonly c0: bigint;
  readonly z0: bigint;
  readonly z1: bigint;
}

/**
 * All proofs of one ballot share one Fiat-Shamir challenge c (AND-composition of sigma protocols):
 * each choice proves 0-or-1 with c0 + c1 = c, and the aggregate proves "encrypts 1" with challenge c.
 */
export interface BallotProof {
  readonly c: bigint;
  readonly choices: readonly ZeroOneProof[];
  /** Response of the Chaum-Pedersen proof on the aggregate. */
  readonly zSum: bigint;
}

/** Commitments of a Chaum-Pedersen branch for (alpha, beta / g^k): a = g^z · alpha^-c, b = h^z · (beta / g^k)^-c. */
function commitments(h: Point, alpha: Point, betaK: Point, c: bigint, z: bigint): [Point, Point] {
  return [mulBase(z).subtract(mul(alpha, c)), mul(h, z).subtract(mul(betaK, c))];
}

function aggregate(cts: readonly Ciphertext[]): { A: Point; B: Point } {
  const s = sum(cts);
  return { A: s.alpha, B: s.beta.subtract(G) };
}

/** The ballot challenge: domain, context, n, then per choice (index, alpha, beta, a0, b0, a1, b1), then (A, B, a, b). */
function ballotChallenge(
  ctx: ProofContext,
  cts: readonly Ciphertext[],
  commits: readonly Point[][],
  sumCommit: readonly Point[],
): bigint {
  const parts: Uint8Array[] = [...contextBytes(ctx), u32be(cts.length)];
  cts.forEach((ct, i) => {
    parts.push(u32be(i), encodePoint(ct.alpha), encodePoint(ct.beta), ...(commits[i] ?? []).map(encodePoint));
  });
  const { A, B } = aggregate(cts);
  parts.push(encodePoint(A), encodePoint(B), ...sumCommit.map(encodePoint));
  return hashToScalar(DOMAIN_BALLOT, parts);
}

export function proveBallot(
  ctx: ProofContext,
  cts: readonly Ciphertext[],
  votes: readonly (0 | 1)[],
  rs: readonly bigint[],
): BallotProof {
  const h = ctx.publicKey;
  const state = cts.map((ct, i) => {
    const m = votes[i] ?? 0;
    const w = randomScalar();
    const cSim = randomScalar();
    const zSim = randomScalar();
    const other = m === 0 ? 1 : 0;
    const sim = commitments(h, ct.alpha, other === 1 ? ct.beta.subtract(G) : ct.beta, cSim, zSim);
    const real: [Point, Point] = [mulBase(w), mul(h, w)];
    return { m, w, cSim, zSim, commits: m === 0 ? [...real, ...sim] : [...sim, ...real] };
  });
  const wSum = randomScalar();
  const sumCommit = [mulBase(wSum), mul(h, wSum)];
  const c = ballotChallenge(
    ctx,
    cts,
    state.map((s) => s.commits),
    sumCommit,
  );
  const choices = state.map((s, i) => {
    const cReal = mod(c - s.cSim);
    const zReal = mod(s.w + cReal * (rs[i] ?? 0n));
    return s.m === 0 ? { c0: cReal, z0: zReal, z1: s.zSim } : { c0: s.cSim, z0: s.zSim, z1: zReal };
  });
  const R = rs.reduce((a, r) => mod(a + r), 0n);
  return { c, choices, zSum: mod(wSum + c * R) };
}

/** Recomputes every commitment from the responses and checks they hash to c. */
export function verifyBallotProof(ctx: ProofContext, cts: readonly Ciphertext[], proof: BallotProof): boolean {
  if (proof.choices.length !== cts.length || cts.length === 0) return false;
  const h = ctx.publicKey;
  const commits = cts.map((ct, i) => {
    const p = proof.choices[i] ?? { c0: 0n, z0: 0n, z1: 0n };
    const c1 = mod(proof.c - p.c0);
    return [
      ...commitments(h, ct.alpha, ct.beta, p.c0, p.z0),
      ...commitments(h, ct.alpha, ct.beta.subtract(G), c1, p.z1),
    ];
  });
  const { A, B } = aggregate(cts);
  const sumCommit = commitments(h, A, B, proof.c, proof.zSum);
  return ballotChallenge(ctx, cts, commits, sumCommit) === proof.c;
}
