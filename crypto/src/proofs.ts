/**
 * The ballot's zero-knowledge proofs (docs/ballot-spec.md section 5): per choice a disjunctive Chaum-Pedersen
 * proof that it encrypts 0 or 1, and a Chaum-Pedersen proof that the choices' sum encrypts 1, all under one
 * Fiat-Shamir challenge per ballot (AND-composition). Proofs are compact (challenges and responses only): the
 * verifier recomputes every commitment and checks that they hash to the challenge.
 */
import { sha512 } from "@noble/hashes/sha2.js";
import type { GroupOps } from "./backend.js";
import { concat, encodePoint, L, mod, type Point, u32be } from "./group.js";
import { csprngScalars, type ScalarSource } from "./random.js";

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
const DOMAIN_BYTES = new TextEncoder().encode(DOMAIN_BALLOT);

/** The context's hash parts: u64be(chainId), registry (20), electionId (32), h (32). */
export function contextParts(ctx: ProofContext): Uint8Array[] {
  if (ctx.registry.length !== 20) throw new RangeError(`registry must be 20 bytes, got ${ctx.registry.length}`);
  if (ctx.electionId.length !== 32) throw new RangeError(`electionId must be 32 bytes, got ${ctx.electionId.length}`);
  if (ctx.chainId < 0n || ctx.chainId >= 1n << 64n) throw new RangeError("chainId must fit in 64 bits");
  if (ctx.publicKey.is0()) throw new RangeError("publicKey must not be the identity");
  const chain = new Uint8Array(8);
  new DataView(chain.buffer).setBigUint64(0, ctx.chainId);
  return [chain, Uint8Array.from(ctx.registry), Uint8Array.from(ctx.electionId), encodePoint(ctx.publicKey)];
}

/** A context made ready for one arithmetic: the key as that arithmetic's element, the hash prefix built once. */
export interface PreparedContext<T> {
  readonly ctx: ProofContext;
  readonly h: T;
  readonly prefix: readonly Uint8Array[];
}

export function prepareContext<T>(ops: GroupOps<T>, ctx: ProofContext): PreparedContext<T> {
  const prefix = contextParts(ctx);
  const h = ops.decode(prefix[3] ?? new Uint8Array(0));
  if (h === undefined) throw new RangeError("publicKey does not decode");
  return { ctx, h, prefix };
}

export interface Ciphertext<T> {
  readonly alpha: T;
  readonly beta: T;
}

/** One choice's disjunctive proof: c1 = c - c0 where c is the ballot-wide challenge. */
export interface ZeroOneProof {
  readonly c0: bigint;
  readonly z0: bigint;
  readonly z1: bigint;
}

export interface BallotProof {
  readonly c: bigint;
  readonly choices: readonly ZeroOneProof[];
  /** Response of the Chaum-Pedersen proof on the aggregate. */
  readonly zSum: bigint;
}

/** Everything the challenge is computed from, kept for test vectors and diagnostics. */
export interface Transcript<T> {
  /** Per choice: a0, b0, a1, b1. */
  readonly commitments: readonly (readonly [T, T, T, T])[];
  /** A = Π alpha_i, B = Π beta_i / g. */
  readonly aggregate: { readonly A: T; readonly B: T };
  /** a, b of the aggregate's proof. */
  readonly sumCommitments: readonly [T, T];
  /** The exact bytes hashed with SHA-512. */
  readonly challengeInput: Uint8Array;
  readonly challenge: bigint;
}

/**
 * u32be(len(domain)) ‖ domain ‖ for each part u32be(len) ‖ part, the parts being the context, u32be(n),
 * per choice u32be(i), alpha, beta, a0, b0, a1, b1, then A, B, a, b.
 */
function challengeInput<T>(
  ops: GroupOps<T>,
  pc: PreparedContext<T>,
  cts: readonly Ciphertext<T>[],
  commitments: readonly (readonly T[])[],
  aggregate: { A: T; B: T },
  sumCommitments: readonly T[],
): Uint8Array {
  const parts: Uint8Array[] = [...pc.prefix, u32be(cts.length)];
  cts.forEach((ct, i) => {
    parts.push(u32be(i), ops.encode(ct.alpha), ops.encode(ct.beta), ...(commitments[i] ?? []).map(ops.encode));
  });
  parts.push(ops.encode(aggregate.A), ops.encode(aggregate.B), ...sumCommitments.map(ops.encode));
  const chunks: Uint8Array[] = [u32be(DOMAIN_BYTES.length), DOMAIN_BYTES];
  for (const p of parts) chunks.push(u32be(p.length), p);
  return concat(chunks);
}

/** SHA-512 of the input, read little-endian, mod L. */
export function challengeOf(input: Uint8Array): bigint {
  const d = sha512(input);
  let n = 0n;
  for (let i = d.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(d[i] ?? 0);
  return n % L;
}

function aggregateOf<T>(ops: GroupOps<T>, cts: readonly Ciphertext<T>[]): { A: T; B: T } {
  const [first, ...rest] = cts;
  if (first === undefined) throw new RangeError("a ballot has at least one choice");
  let A = first.alpha;
  let B = first.beta;
  for (const ct of rest) {
    A = ops.add(A, ct.alpha);
    B = ops.add(B, ct.beta);
  }
  return { A, B: ops.sub(B, ops.base) };
}

export interface ProvedBallot<T> {
  readonly ciphertexts: readonly Ciphertext<T>[];
  readonly proof: BallotProof;
  readonly transcript: Transcript<T>;
}

/**
 * Encrypts `votes` (each 0 or 1) and proves the ballot. Secret scalars are drawn from `random` in this order:
 * for each choice r_i, w_i, cSim_i, zSim_i; then wSum. Every multiplication has the fixed base g or h: the
 * simulated branch's commitments are computed with the nonce r (a_k = g^t, b_k = h^t·g^{(k-m)·cSim},
 * t = zSim - r·cSim), which equals g^zSim·alpha^-cSim and h^zSim·(beta/g^k)^-cSim.
 */
export function proveBallot<T>(
  ops: GroupOps<T>,
  pc: PreparedContext<T>,
  votes: readonly (0 | 1)[],
  random: ScalarSource = csprngScalars,
): ProvedBallot<T> {
  const { h } = pc;
  const state = votes.map((m) => {
    const r = random();
    const w = random();
    const cSim = random();
    const zSim = random();
    const alpha = ops.mulBase(r);
    const hr = ops.mul(h, r);
    const beta = m === 1 ? ops.add(ops.base, hr) : hr;
    const t = mod(zSim - r * cSim);
    const simulated: [T, T] = [ops.mulBase(t), ops.add(ops.mul(h, t), ops.mulBase(mod(BigInt(1 - 2 * m) * cSim)))];
    const real: [T, T] = [ops.mulBase(w), ops.mul(h, w)];
    const commitments: [T, T, T, T] = m === 0 ? [...real, ...simulated] : [...simulated, ...real];
    return { m, r, w, cSim, zSim, ct: { alpha, beta }, commitments };
  });
  const wSum = random();
  const sumCommitments: [T, T] = [ops.mulBase(wSum), ops.mul(h, wSum)];
  const ciphertexts = state.map((s) => s.ct);
  const aggregate = aggregateOf(ops, ciphertexts);
  const commitments = state.map((s) => s.commitments);
  const input = challengeInput(ops, pc, ciphertexts, commitments, aggregate, sumCommitments);
  const c = challengeOf(input);
  const choices = state.map((s) => {
    const cReal = mod(c - s.cSim);
    const zReal = mod(s.w + cReal * s.r);
    return s.m === 0 ? { c0: cReal, z0: zReal, z1: s.zSim } : { c0: s.cSim, z0: s.zSim, z1: zReal };
  });
  const rSum = state.reduce((a, s) => mod(a + s.r), 0n);
  return {
    ciphertexts,
    proof: { c, choices, zSum: mod(wSum + c * rSum) },
    transcript: { commitments, aggregate, sumCommitments, challengeInput: input, challenge: c },
  };
}

/**
 * Recomputes every commitment from the responses (verification equations V1-V3 of the spec):
 * a0 = g^z0·alpha^-c0, b0 = h^z0·beta^-c0, a1 = g^z1·alpha^-c1, b1 = h^z1·(beta/g)^-c1 with c1 = c - c0,
 * a = g^zSum·A^-c, b = h^zSum·B^-c; and the challenge they hash to. Inputs are public: variable-time is fine.
 */
export function recomputeTranscript<T>(
  ops: GroupOps<T>,
  pc: PreparedContext<T>,
  cts: readonly Ciphertext<T>[],
  proof: BallotProof,
): Transcript<T> {
  const { h } = pc;
  const commitments = cts.map((ct, i): [T, T, T, T] => {
    const p = proof.choices[i];
    if (p === undefined) throw new RangeError(`proof.choices[${i}] missing`);
    const c1 = mod(proof.c - p.c0);
    const betaMinusG = ops.sub(ct.beta, ops.base);
    return [
      ops.sub(ops.mulBase(p.z0), ops.mulPublic(ct.alpha, p.c0)),
      ops.sub(ops.mulPublic(h, p.z0), ops.mulPublic(ct.beta, p.c0)),
      ops.sub(ops.mulBase(p.z1), ops.mulPublic(ct.alpha, c1)),
      ops.sub(ops.mulPublic(h, p.z1), ops.mulPublic(betaMinusG, c1)),
    ];
  });
  const aggregate = aggregateOf(ops, cts);
  const sumCommitments: [T, T] = [
    ops.sub(ops.mulBase(proof.zSum), ops.mulPublic(aggregate.A, proof.c)),
    ops.sub(ops.mulPublic(h, proof.zSum), ops.mulPublic(aggregate.B, proof.c)),
  ];
  const input = challengeInput(ops, pc, cts, commitments, aggregate, sumCommitments);
  return { commitments, aggregate, sumCommitments, challengeInput: input, challenge: challengeOf(input) };
}

/** True when the recomputed commitments hash to the proof's challenge (V4). */
export function verifyBallotProof<T>(
  ops: GroupOps<T>,
  pc: PreparedContext<T>,
  cts: readonly Ciphertext<T>[],
  proof: BallotProof,
): boolean {
  if (cts.length === 0 || proof.choices.length !== cts.length) return false;
  return recomputeTranscript(ops, pc, cts, proof).challenge === proof.c;
}
