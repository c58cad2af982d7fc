/**
 * The test vectors of docs/ballot-spec.md (crypto/vectors/ballot.json): fixed keys and seeded nonces, every
 * intermediate value, and negative vectors with the exact refusal each must get. `npm run vectors -w crypto`
 * writes them; vectors.test.ts checks the committed file is exactly what this produces and that it verifies.
 */
import type { GroupOps } from "./backend.js";
import { ballotSize, type ElectionSpec, makeBallotBuilder, makeBallotVerifier } from "./ballot.js";
import { type ElectionWire, electionToWire, toHex } from "./election-wire.js";
import { concat, encodeScalar, L, mod, mulBase } from "./group.js";
import { seededScalars } from "./random.js";

const te = new TextEncoder();
const hexScalar = (s: bigint): string => toHex(encodeScalar(s));

/** Fixed secret key of the vectors' election (never a real election's). */
export const VECTOR_SECRET = mod(0x7665726974616c6c792f766563746f72732f7365637265742d6b6579n);

export function vectorElection(choices: number): ElectionSpec {
  return {
    chainId: 31337n,
    registry: Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i),
    electionId: Uint8Array.from({ length: 32 }, (_, i) => i),
    publicKey: mulBase(VECTOR_SECRET),
    choices,
  };
}

export interface PositiveVector {
  readonly name: string;
  readonly election: ElectionWire;
  readonly choice: number;
  /** Seed of seededScalars; the draws are listed in order in `nonces`. */
  readonly seed: string;
  readonly nonces: {
    readonly perChoice: readonly { r: string; w: string; cSim: string; zSim: string }[];
    readonly wSum: string;
  };
  readonly ciphertexts: readonly { alpha: string; beta: string }[];
  readonly commitments: readonly { a0: string; b0: string; a1: string; b1: string }[];
  readonly aggregate: { readonly A: string; readonly B: string };
  readonly sumCommitments: { readonly a: string; readonly b: string };
  readonly challengeInput: string;
  readonly challenge: string;
  readonly responses: readonly { c0: string; c1: string; z0: string; z1: string }[];
  readonly zSum: string;
  readonly encoding: string;
  readonly encodingLength: number;
  readonly tracker: string;
}

export interface NegativeVector {
  readonly name: string;
  /** Index into `positive` of the election the ballot is checked against (possibly changed, see below). */
  readonly against: number;
  /** A change of the election context, when that is what is tested. */
  readonly contextChange?: { readonly field: string; readonly election: ElectionWire };
  readonly encoding: string;
  readonly reason: string;
}

export interface BallotVectors {
  readonly description: string;
  readonly secretKey: string;
  readonly positive: readonly PositiveVector[];
  readonly negative: readonly NegativeVector[];
}

const CASES = [
  { name: "4 choices, vote for choice 2", choices: 4, choice: 2 },
  { name: "4 choices, vote for choice 0", choices: 4, choice: 0 },
  { name: "2 choices, vote for choice 1", choices: 2, choice: 1 },
  { name: "1 choice", choices: 1, choice: 0 },
] as const;

function seedOf(name: string): Uint8Array {
  return te.encode(`veritally ballot vectors v1: ${name}`);
}

function positive<T>(ops: GroupOps<T>, c: (typeof CASES)[number]): PositiveVector {
  const election = vectorElection(c.choices);
  const seed = seedOf(c.name);
  const draws = seededScalars(seed);
  const drawn: bigint[] = [];
  const recording = (): bigint => {
    const s = draws();
    drawn.push(s);
    return s;
  };
  const built = makeBallotBuilder(ops, election).build(c.choice, recording);
  const hex = (p: T): string => toHex(ops.encode(p));
  const t = built.transcript;
  const proof = built.ballot.proof;
  return {
    name: c.name,
    election: electionToWire(election),
    choice: c.choice,
    seed: toHex(seed),
    nonces: {
      perChoice: Array.from({ length: c.choices }, (_, i) => ({
        r: hexScalar(drawn[4 * i] ?? 0n),
        w: hexScalar(drawn[4 * i + 1] ?? 0n),
        cSim: hexScalar(drawn[4 * i + 2] ?? 0n),
        zSim: hexScalar(drawn[4 * i + 3] ?? 0n),
      })),
      wSum: hexScalar(drawn[4 * c.choices] ?? 0n),
    },
    ciphertexts: built.ballot.ciphertexts.map((ct) => ({ alpha: hex(ct.alpha), beta: hex(ct.beta) })),
    commitments: t.commitments.map(([a0, b0, a1, b1]) => ({ a0: hex(a0), b0: hex(b0), a1: hex(a1), b1: hex(b1) })),
    aggregate: { A: hex(t.aggregate.A), B: hex(t.aggregate.B) },
    sumCommitments: { a: hex(t.sumCommitments[0]), b: hex(t.sumCommitments[1]) },
    challengeInput: toHex(t.challengeInput),
    challenge: hexScalar(t.challenge),
    responses: proof.choices.map((p) => ({
      c0: hexScalar(p.c0),
      c1: hexScalar(mod(proof.c - p.c0)),
      z0: hexScalar(p.z0),
      z1: hexScalar(p.z1),
    })),
    zSum: hexScalar(proof.zSum),
    encoding: toHex(built.encoded),
    encodingLength: built.encoded.length,
    tracker: toHex(built.tracker),
  };
}

/** Offsets in a version-1 encoding with n choices (docs/ballot-spec.md 4.1). */
export function offsets(n: number) {
  const cts = 2;
  const c = cts + 64 * n;
  const choices = c + 32;
  const zSum = choices + 96 * n;
  return {
    alpha: (i: number) => cts + 64 * i,
    beta: (i: number) => cts + 64 * i + 32,
    c,
    c0: (i: number) => choices + 96 * i,
    z0: (i: number) => choices + 96 * i + 32,
    z1: (i: number) => choices + 96 * i + 64,
    zSum,
    flag: zSum + 32,
  };
}

function fromHexLoose(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

function le(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The smallest even s whose encoding is canonical but decodes to no point (RFC 9496 decode fails the sqrt). */
function firstEvenNonPoint<T>(ops: GroupOps<T>): bigint {
  for (let s = 2n; ; s += 2n) if (ops.decode(le(s)) === undefined) return s;
}

function negatives<T>(ops: GroupOps<T>, pos: readonly PositiveVector[]): NegativeVector[] {
  const base = pos[0];
  const other = pos[1];
  if (base === undefined || other === undefined) throw new Error("vectors need two 4-choice ballots");
  const enc = fromHexLoose(base.encoding);
  const n = base.ciphertexts.length;
  const o = offsets(n);
  const election = vectorElection(n);
  const verifier = makeBallotVerifier(ops, election);
  const out: NegativeVector[] = [];
  const withBytes = (name: string, bytes: Uint8Array): void => {
    const r = verifier.verify(bytes);
    if (r.ok) throw new Error(`negative vector "${name}" verifies`);
    out.push({ name, against: 0, encoding: toHex(bytes), reason: r.reason });
  };
  const patched = (name: string, at: number, value: Uint8Array): void => {
    const b = Uint8Array.from(enc);
    b.set(value, at);
    withBytes(name, b);
  };
  const scalarPlus = (at: number, delta: bigint): Uint8Array => {
    let v = 0n;
    for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(enc[at + i] ?? 0);
    return le(mod(v + delta));
  };
  const p = (1n << 255n) - 19n;
  const gEnc = ops.encode(ops.base);
  // Malformed encodings.
  withBytes("empty", new Uint8Array(0));
  withBytes("one byte", enc.subarray(0, 1));
  patched("version 2", 0, Uint8Array.of(2));
  patched("version 0", 0, Uint8Array.of(0));
  patched("zero choices", 1, Uint8Array.of(0));
  patched("choice count differs from the election's (3 for 4)", 1, Uint8Array.of(3));
  withBytes("truncated by one byte", enc.subarray(0, enc.length - 1));
  withBytes("one trailing byte", concat([enc, Uint8Array.of(0)]));
  withBytes(
    "credential flag 1 with a 32-byte key and 64-byte signature",
    concat([enc.subarray(0, o.flag), Uint8Array.of(1), new Uint8Array(96)]),
  );
  patched("credential flag 1", o.flag, Uint8Array.of(1));
  patched("credential flag 2", o.flag, Uint8Array.of(2));
  patched("alpha[0] is the identity", o.alpha(0), new Uint8Array(32));
  patched("alpha[1] negative s (s = 1 is odd)", o.alpha(1), le(1n));
  patched("alpha[2] non-canonical field element (s = p)", o.alpha(2), le(p));
  patched(
    "alpha[3] negative s (g's encoding + 1, odd)",
    o.alpha(3),
    Uint8Array.from(gEnc, (b, i) => (i === 0 ? b + 1 : b)),
  );
  patched(
    "beta[0] high bit set",
    o.beta(0),
    Uint8Array.from(gEnc, (b, i) => (i === 31 ? b | 0x80 : b)),
  );
  patched("beta[1] all 0xff (s >= p)", o.beta(1), new Uint8Array(32).fill(0xff));
  const noPoint = firstEvenNonPoint(ops);
  patched(`beta[2] canonical even s = ${noPoint} with no square root (not a group element)`, o.beta(2), le(noPoint));
  patched("proof.c = L (non-canonical scalar)", o.c, le(L));
  patched("proof.choices[0].c0 = L + 1", o.c0(0), le(L + 1n));
  patched("proof.choices[1].z0 = 2^256 - 1", o.z0(1), new Uint8Array(32).fill(0xff));
  patched("proof.choices[2].z1 = L", o.z1(2), le(L));
  patched("proof.zSum = 2^255", o.zSum, le(1n << 255n));
  // Forged proofs: well-formed encodings whose proof does not hold.
  patched("challenge c + 1", o.c, scalarPlus(o.c, 1n));
  patched("c0 of choice 0 + 1", o.c0(0), scalarPlus(o.c0(0), 1n));
  patched("z0 of choice 1 + 1", o.z0(1), scalarPlus(o.z0(1), 1n));
  patched("z1 of choice 2 + 1", o.z1(2), scalarPlus(o.z1(2), 1n));
  patched("zSum + 1", o.zSum, scalarPlus(o.zSum, 1n));
  patched(
    "beta[0] times g (choice 0 now encrypts 1: two votes)",
    o.beta(0),
    ops.encode(ops.add(ops.decode(enc.subarray(o.beta(0), o.beta(0) + 32)) ?? ops.base, ops.base)),
  );
  patched("alpha[1] replaced by g", o.alpha(1), gEnc);
  {
    const b = Uint8Array.from(enc);
    b.set(enc.subarray(o.alpha(0), o.alpha(0) + 64), o.alpha(1));
    b.set(enc.subarray(o.alpha(1), o.alpha(1) + 64), o.alpha(0));
    withBytes("ciphertexts of choices 0 and 1 swapped", b);
  }
  {
    const oth = fromHexLoose(other.encoding);
    withBytes("ciphertexts of one ballot with the proof of another", concat([enc.subarray(0, o.c), oth.subarray(o.c)]));
  }
  // The context: the honest ballot checked against a changed election.
  const contextCases: [string, ElectionSpec][] = [
    ["chainId", { ...election, chainId: 1n }],
    ["registry", { ...election, registry: Uint8Array.from(election.registry, (b, i) => (i === 19 ? b ^ 1 : b)) }],
    ["electionId", { ...election, electionId: Uint8Array.from(election.electionId, (b, i) => (i === 0 ? b ^ 1 : b)) }],
    ["publicKey", { ...election, publicKey: mulBase(VECTOR_SECRET + 1n) }],
  ];
  for (const [field, changed] of contextCases) {
    const r = makeBallotVerifier(ops, changed).verify(enc);
    if (r.ok) throw new Error(`context change of ${field} verifies`);
    out.push({
      name: `honest ballot checked against another ${field}`,
      against: 0,
      contextChange: { field, election: electionToWire(changed) },
      encoding: base.encoding,
      reason: r.reason,
    });
  }
  if (enc.length !== ballotSize(n)) throw new Error("unexpected base length");
  return out;
}

export function generateBallotVectors<T>(ops: GroupOps<T>): BallotVectors {
  const pos = CASES.map((c) => positive(ops, c));
  return {
    description:
      "Veritally ballot test vectors, format version 1 (docs/ballot-spec.md). Nonces are seeded (never in a real election). Points and scalars are hex of their 32-byte encodings (scalars little-endian).",
    secretKey: hexScalar(VECTOR_SECRET),
    positive: pos,
    negative: negatives(ops, pos),
  };
}
