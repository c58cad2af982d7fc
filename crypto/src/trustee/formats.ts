import type { Ciphertext } from "../elgamal.js";
import type { Point } from "../group.js";
import type { TrusteePublic } from "./ceremony.js";
import { type ElectionContext, MAX_TRUSTEES, sameContext } from "./context.js";
import type { DecryptionShare } from "./decryption.js";
import type { ElectionKeyRecord } from "./election-key.js";
import {
  array,
  bytesToHex,
  FormatError,
  hex,
  integer,
  type Json,
  type JsonObject,
  literal,
  object,
  point,
  pointHex,
  scalar,
  scalarHex,
} from "./json.js";
import type { Complaint, EncryptedShare } from "./shares.js";
import type { SigmaProof } from "./sigma.js";
import type { TallyResult } from "./tally.js";

/** Every public artefact names its format; a reader refuses any other. */
export const FORMATS = {
  trusteePublic: "veritally/trustee-public/v1",
  shares: "veritally/trustee-shares/v1",
  complaint: "veritally/trustee-complaint/v1",
  shareProof: "veritally/trustee-share-proof/v1",
  electionKey: "veritally/election-key/v1",
  ballots: "veritally/ballots/v1",
  tallyInput: "veritally/tally-input/v1",
  decryptionShare: "veritally/decryption-share/v1",
  tally: "veritally/tally/v1",
} as const;

const MAX_COUNT = Number.MAX_SAFE_INTEGER;

// ---- context ----

export function contextToJson(ctx: ElectionContext): JsonObject {
  return {
    chainId: ctx.chainId.toString(),
    registry: `0x${bytesToHex(ctx.registry)}`,
    electionId: `0x${bytesToHex(ctx.electionId)}`,
    trustees: ctx.trustees,
    threshold: ctx.threshold,
  };
}

export function contextFromJson(value: unknown, field = "context"): ElectionContext {
  const o = object(value, field, ["chainId", "registry", "electionId", "trustees", "threshold"]);
  if (typeof o.chainId !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(o.chainId) || BigInt(o.chainId) >= 1n << 64n)
    throw new FormatError(`${field}.chainId`, "must be a decimal string of an integer in [0, 2^64)");
  const trustees = integer(o.trustees, `${field}.trustees`, 1, MAX_TRUSTEES);
  return {
    chainId: BigInt(o.chainId),
    registry: hex(o.registry, `${field}.registry`, 20, "0x"),
    electionId: hex(o.electionId, `${field}.electionId`, 32, "0x"),
    trustees,
    threshold: integer(o.threshold, `${field}.threshold`, 1, trustees),
  };
}

function expectContext(value: unknown, field: string, expected: ElectionContext | undefined): ElectionContext {
  const ctx = contextFromJson(value, field);
  if (expected && !sameContext(ctx, expected)) throw new FormatError(field, "belongs to another election");
  return ctx;
}

// ---- proofs and points ----

const proofToJson = (p: SigmaProof): JsonObject => ({ c: scalarHex(p.c), z: scalarHex(p.z) });

function proofFromJson(value: unknown, field: string): SigmaProof {
  const o = object(value, field, ["c", "z"]);
  return { c: scalar(o.c, `${field}.c`), z: scalar(o.z, `${field}.z`) };
}

const ciphertextToJson = (c: Ciphertext): JsonObject => ({ alpha: pointHex(c.alpha), beta: pointHex(c.beta) });

function ciphertextFromJson(value: unknown, field: string): Ciphertext {
  const o = object(value, field, ["alpha", "beta"]);
  return {
    alpha: point(o.alpha, `${field}.alpha`, { allowIdentity: true }),
    beta: point(o.beta, `${field}.beta`, { allowIdentity: true }),
  };
}

// ---- trustee public record ----

function trusteeBody(p: TrusteePublic): JsonObject {
  return {
    index: p.index,
    communicationKey: pointHex(p.communicationKey),
    communicationProof: proofToJson(p.communicationProof),
    commitments: p.commitments.map(pointHex),
    proofs: p.proofs.map(proofToJson),
  };
}

function trusteeBodyFromJson(o: Record<string, unknown>, field: string, ctx: ElectionContext): TrusteePublic {
  const k = ctx.threshold;
  return {
    index: integer(o.index, `${field}.index`, 1, ctx.trustees),
    communicationKey: point(o.communicationKey, `${field}.communicationKey`),
    communicationProof: proofFromJson(o.communicationProof, `${field}.communicationProof`),
    commitments: array(o.commitments, `${field}.commitments`, k).map((c, j) => point(c, `${field}.commitments[${j}]`)),
    proofs: array(o.proofs, `${field}.proofs`, k).map((p, j) => proofFromJson(p, `${field}.proofs[${j}]`)),
  };
}

const TRUSTEE_KEYS = ["index", "communicationKey", "communicationProof", "commitments", "proofs"];

export function trusteePublicToJson(ctx: ElectionContext, p: TrusteePublic): JsonObject {
  return { format: FORMATS.trusteePublic, context: contextToJson(ctx), ...trusteeBody(p) };
}

export function trusteePublicFromJson(
  value: unknown,
  expected?: ElectionContext,
): { context: ElectionContext; trustee: TrusteePublic } {
  const o = object(value, "$", ["format", "context", ...TRUSTEE_KEYS]);
  literal(o.format, "$.format", FORMATS.trusteePublic);
  const context = expectContext(o.context, "$.context", expected);
  return { context, trustee: trusteeBodyFromJson(o, "$", context) };
}

// ---- encrypted shares ----

export function sharesToJson(ctx: ElectionContext, sender: number, shares: readonly EncryptedShare[]): JsonObject {
  return {
    format: FORMATS.shares,
    context: contextToJson(ctx),
    sender,
    shares: shares.map((s) => ({
      recipient: s.recipient,
      ephemeral: pointHex(s.ephemeral),
      ciphertext: bytesToHex(s.ciphertext),
    })),
  };
}

export function sharesFromJson(
  value: unknown,
  expected?: ElectionContext,
): { context: ElectionContext; sender: number; shares: EncryptedShare[] } {
  const o = object(value, "$", ["format", "context", "sender", "shares"]);
  literal(o.format, "$.format", FORMATS.shares);
  const context = expectContext(o.context, "$.context", expected);
  const sender = integer(o.sender, "$.sender", 1, context.trustees);
  const list = array(o.shares, "$.shares", context.trustees - 1);
  const others = Array.from({ length: context.trustees }, (_, i) => i + 1).filter((i) => i !== sender);
  const shares = list.map((s, n) => {
    const f = `$.shares[${n}]`;
    const e = object(s, f, ["recipient", "ephemeral", "ciphertext"]);
    const recipient = integer(e.recipient, `${f}.recipient`, 1, context.trustees);
    if (recipient !== others[n])
      throw new FormatError(`${f}.recipient`, `must be ${others[n]} (ascending, not the sender)`);
    return {
      sender,
      recipient,
      ephemeral: point(e.ephemeral, `${f}.ephemeral`),
      ciphertext: hex(e.ciphertext, `${f}.ciphertext`, 48),
    };
  });
  return { context, sender, shares };
}

// ---- complaint ----

export function complaintToJson(ctx: ElectionContext, c: Complaint): JsonObject {
  return {
    format: FORMATS.complaint,
    context: contextToJson(ctx),
    sender: c.sender,
    recipient: c.recipient,
    sharedPoint: pointHex(c.shared),
    proof: proofToJson(c.proof),
  };
}

export function complaintFromJson(
  value: unknown,
  expected?: ElectionContext,
): { context: ElectionContext; complaint: Complaint } {
  const o = object(value, "$", ["format", "context", "sender", "recipient", "sharedPoint", "proof"]);
  literal(o.format, "$.format", FORMATS.complaint);
  const context = expectContext(o.context, "$.context", expected);
  return {
    context,
    complaint: {
      sender: integer(o.sender, "$.sender", 1, context.trustees),
      recipient: integer(o.recipient, "$.recipient", 1, context.trustees),
      shared: point(o.sharedPoint, "$.sharedPoint"),
      proof: proofFromJson(o.proof, "$.proof"),
    },
  };
}

// ---- share proof: trustee ℓ holds s_ℓ ----

export function shareProofToJson(
  ctx: ElectionContext,
  trustee: number,
  publicShare: Point,
  proof: SigmaProof,
): JsonObject {
  return {
    format: FORMATS.shareProof,
    context: contextToJson(ctx),
    trustee,
    publicShare: pointHex(publicShare),
    proof: proofToJson(proof),
  };
}

export function shareProofFromJson(
  value: unknown,
  expected?: ElectionContext,
): { context: ElectionContext; trustee: number; publicShare: Point; proof: SigmaProof } {
  const o = object(value, "$", ["format", "context", "trustee", "publicShare", "proof"]);
  literal(o.format, "$.format", FORMATS.shareProof);
  const context = expectContext(o.context, "$.context", expected);
  return {
    context,
    trustee: integer(o.trustee, "$.trustee", 1, context.trustees),
    publicShare: point(o.publicShare, "$.publicShare"),
    proof: proofFromJson(o.proof, "$.proof"),
  };
}

// ---- election key record ----

export function electionKeyToJson(r: ElectionKeyRecord): JsonObject {
  return {
    format: FORMATS.electionKey,
    context: contextToJson(r.context),
    jointKey: pointHex(r.jointKey),
    publicShares: r.publicShares.map(pointHex),
    shareProofs: r.shareProofs.map(proofToJson),
    trustees: r.trustees.map(trusteeBody),
  };
}

export function electionKeyFromJson(value: unknown): ElectionKeyRecord {
  const o = object(value, "$", ["format", "context", "jointKey", "publicShares", "shareProofs", "trustees"]);
  literal(o.format, "$.format", FORMATS.electionKey);
  const context = contextFromJson(o.context, "$.context");
  const n = context.trustees;
  return {
    context,
    jointKey: point(o.jointKey, "$.jointKey"),
    publicShares: array(o.publicShares, "$.publicShares", n).map((p, i) => point(p, `$.publicShares[${i}]`)),
    shareProofs: array(o.shareProofs, "$.shareProofs", n).map((p, i) => proofFromJson(p, `$.shareProofs[${i}]`)),
    trustees: array(o.trustees, "$.trustees", n).map((t, i) =>
      trusteeBodyFromJson(object(t, `$.trustees[${i}]`, TRUSTEE_KEYS), `$.trustees[${i}]`, context),
    ),
  };
}

// ---- ballots (input of the aggregation) ----

export function ballotsToJson(ctx: ElectionContext, encoded: readonly Uint8Array[]): JsonObject {
  return { format: FORMATS.ballots, context: contextToJson(ctx), ballots: encoded.map(bytesToHex) };
}

export function ballotsFromJson(
  value: unknown,
  expected?: ElectionContext,
): { context: ElectionContext; ballots: Uint8Array[] } {
  const o = object(value, "$", ["format", "context", "ballots"]);
  literal(o.format, "$.format", FORMATS.ballots);
  const context = expectContext(o.context, "$.context", expected);
  const ballots = array(o.ballots, "$.ballots").map((b, i) => {
    if (typeof b !== "string" || !/^([0-9a-f]{2})+$/.test(b))
      throw new FormatError(`$.ballots[${i}]`, "must be lowercase hex bytes");
    return hex(b, `$.ballots[${i}]`, b.length / 2);
  });
  return { context, ballots };
}

// ---- tally input: the aggregate to decrypt ----

export interface TallyInput {
  readonly context: ElectionContext;
  readonly jointKey: Point;
  readonly ballotCount: number;
  readonly aggregate: readonly Ciphertext[];
}

export function tallyInputToJson(t: TallyInput): JsonObject {
  return {
    format: FORMATS.tallyInput,
    context: contextToJson(t.context),
    jointKey: pointHex(t.jointKey),
    ballotCount: t.ballotCount,
    aggregate: t.aggregate.map(ciphertextToJson),
  };
}

function tallyInputBody(o: Record<string, unknown>, field: string): Omit<TallyInput, "context"> {
  const aggregate = array(o.aggregate, `${field}.aggregate`).map((c, j) =>
    ciphertextFromJson(c, `${field}.aggregate[${j}]`),
  );
  if (aggregate.length < 1 || aggregate.length > 255)
    throw new FormatError(`${field}.aggregate`, "must have 1 to 255 choices");
  return {
    jointKey: point(o.jointKey, `${field}.jointKey`),
    ballotCount: integer(o.ballotCount, `${field}.ballotCount`, 0, MAX_COUNT),
    aggregate,
  };
}

export function tallyInputFromJson(value: unknown, expected?: ElectionContext): TallyInput {
  const o = object(value, "$", ["format", "context", "jointKey", "ballotCount", "aggregate"]);
  literal(o.format, "$.format", FORMATS.tallyInput);
  const context = expectContext(o.context, "$.context", expected);
  return { context, ...tallyInputBody(o, "$") };
}

// ---- decryption share ----

function decryptionShareBody(s: DecryptionShare): JsonObject {
  return {
    trustee: s.trustee,
    choices: s.choices.map((c) => ({ value: pointHex(c.value), proof: proofToJson(c.proof) })),
  };
}

function decryptionShareBodyFromJson(o: Record<string, unknown>, field: string, ctx: ElectionContext): DecryptionShare {
  return {
    trustee: integer(o.trustee, `${field}.trustee`, 1, ctx.trustees),
    choices: array(o.choices, `${field}.choices`).map((c, j) => {
      const e = object(c, `${field}.choices[${j}]`, ["value", "proof"]);
      return {
        value: point(e.value, `${field}.choices[${j}].value`, { allowIdentity: true }),
        proof: proofFromJson(e.proof, `${field}.choices[${j}].proof`),
      };
    }),
  };
}

export function decryptionShareToJson(input: TallyInput, s: DecryptionShare): JsonObject {
  return {
    format: FORMATS.decryptionShare,
    context: contextToJson(input.context),
    jointKey: pointHex(input.jointKey),
    ...decryptionShareBody(s),
  };
}

export function decryptionShareFromJson(
  value: unknown,
  expected?: ElectionContext,
): { context: ElectionContext; jointKey: Point; share: DecryptionShare } {
  const o = object(value, "$", ["format", "context", "jointKey", "trustee", "choices"]);
  literal(o.format, "$.format", FORMATS.decryptionShare);
  const context = expectContext(o.context, "$.context", expected);
  const jointKey = point(o.jointKey, "$.jointKey");
  return { context, jointKey, share: decryptionShareBodyFromJson(o, "$", context) };
}

// ---- tally ----

export function tallyToJson(input: TallyInput, t: TallyResult): JsonObject {
  return {
    format: FORMATS.tally,
    context: contextToJson(input.context),
    jointKey: pointHex(input.jointKey),
    ballotCount: input.ballotCount,
    aggregate: input.aggregate.map(ciphertextToJson),
    counts: [...t.counts],
    trustees: [...t.trustees],
    combined: t.combined.map(pointHex),
    shares: t.shares.map(decryptionShareBody),
  };
}

export function tallyFromJson(value: unknown, expected?: ElectionContext): { input: TallyInput; tally: TallyResult } {
  const o = object(value, "$", [
    "format",
    "context",
    "jointKey",
    "ballotCount",
    "aggregate",
    "counts",
    "trustees",
    "combined",
    "shares",
  ]);
  literal(o.format, "$.format", FORMATS.tally);
  const context = expectContext(o.context, "$.context", expected);
  const input = { context, ...tallyInputBody(o, "$") };
  const m = input.aggregate.length;
  const tally: TallyResult = {
    counts: array(o.counts, "$.counts", m).map((c, j) => integer(c, `$.counts[${j}]`, 0, MAX_COUNT)),
    trustees: array(o.trustees, "$.trustees").map((t, i) => integer(t, `$.trustees[${i}]`, 1, context.trustees)),
    combined: array(o.combined, "$.combined", m).map((c, j) => point(c, `$.combined[${j}]`, { allowIdentity: true })),
    shares: array(o.shares, "$.shares").map((s, i) =>
      decryptionShareBodyFromJson(object(s, `$.shares[${i}]`, ["trustee", "choices"]), `$.shares[${i}]`, context),
    ),
  };
  return { input, tally };
}

export type { Json };
