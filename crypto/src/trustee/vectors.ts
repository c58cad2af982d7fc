import { encrypt } from "../elgamal.js";
import { mod, mul, mulBase, type Point } from "../group.js";
import { aggregateBallots } from "./aggregate.js";
import { commitmentAt, evaluatePolynomial, generateTrustee, type TrusteePublic } from "./ceremony.js";
import { type ElectionContext, seededScalars } from "./context.js";
import { partialDecrypt } from "./decryption.js";
import { buildElectionKey, proveShare, publicSharesOf } from "./election-key.js";
import {
  complaintToJson,
  contextToJson,
  decryptionShareToJson,
  electionKeyToJson,
  shareProofToJson,
  sharesToJson,
  type TallyInput,
  tallyInputToJson,
  tallyToJson,
  trusteePublicToJson,
} from "./formats.js";
import { bytesToHex, type JsonObject, pointHex, scalarHex } from "./json.js";
import { encryptShare, makeComplaint, makeShares, receiveShares, shareKey } from "./shares.js";
import type { SigmaProof } from "./sigma.js";
import { computeTally, lagrangeCoefficient } from "./tally.js";

export const VECTOR_SEED = "veritally trustee vectors v1";

export const VECTOR_CONTEXT: ElectionContext = {
  chainId: 31337n,
  registry: Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i),
  electionId: Uint8Array.from({ length: 32 }, (_, i) => i),
  trustees: 3,
  threshold: 2,
};

/** One-hot votes of five voters over three choices; the ciphertexts are plain exponential ElGamal. */
export const VECTOR_VOTES = [0, 2, 1, 2, 2];
const CHOICES = 3;

const schnorrCommitment = (X: Point, p: SigmaProof) => pointHex(mulBase(p.z).subtract(mul(X, p.c)));

/**
 * The trustee test vectors, all randomness drawn in a fixed order from seededScalars(VECTOR_SEED):
 * trustees 1..n (k coefficients, ζ, k coefficient-proof nonces, the ζ-proof nonce), then each sender's share
 * ephemerals (recipients ascending), then the share-proof nonces (trustee by trustee), then the ballots' nonces (voter by voter, choice by choice), then the
 * decryption-proof nonces (trustee by trustee, choice by choice), then the negative vectors' draws.
 */
export function makeTrusteeVectors(): JsonObject {
  const ctx = VECTOR_CONTEXT;
  const rng = seededScalars(VECTOR_SEED);
  const trustees = [1, 2, 3].map((i) => generateTrustee(ctx, i, rng));
  const publics = trustees.map((t) => t.public);
  const sharesBySender = trustees.map((t) => makeShares(ctx, t.secret, publics, rng));
  const allShares = sharesBySender.flat();
  const secretShares = trustees.map((t) => {
    const r = receiveShares(ctx, t.secret, publics, allShares, rng);
    if (r.share === undefined) throw new Error("vectors: honest shares refused");
    return r.share;
  });
  const publicShares = publicSharesOf(ctx, publics);
  const shareProofs = secretShares.map((s, i) => proveShare(ctx, i + 1, s, publicShares[i] ?? mulBase(1n), rng));
  const record = buildElectionKey(ctx, publics, shareProofs);
  const ballots = VECTOR_VOTES.map((v) =>
    Array.from({ length: CHOICES }, (_, j) => encrypt(record.jointKey, j === v ? 1n : 0n, rng())),
  );
  const aggregate = aggregateBallots(ballots, CHOICES);
  const input: TallyInput = { context: ctx, jointKey: record.jointKey, ballotCount: VECTOR_VOTES.length, aggregate };
  const decryptions = secretShares.map((s, i) => partialDecrypt(record, i + 1, s, aggregate, rng));
  const subset = [decryptions[0], decryptions[2]].filter((d) => d !== undefined);
  const tally = computeTally(record, aggregate, VECTOR_VOTES.length, subset);

  // Negative vectors.
  const [t1, t2] = trustees;
  const [p1, p2] = publics;
  if (!t1 || !t2 || !p1 || !p2) throw new Error("vectors: missing trustees");
  const honest21 = allShares.find((s) => s.sender === 2 && s.recipient === 1);
  if (!honest21) throw new Error("vectors: no share 2→1");
  const wrongValue = encryptShare(ctx, 2, p1, evaluatePolynomial(t2.secret.coefficients, 1) + 1n, rng);
  const complaint = makeComplaint(ctx, t1.secret, p1, wrongValue, rng);
  const badProof = { ...p2, proofs: p2.proofs.map((p, j) => (j === 1 ? { ...p, z: mod(p.z + 1n) } : p)) };
  const wrongTrustee: TrusteePublic = { ...p2, index: 3 };
  const d1 = decryptions[0];
  if (!d1) throw new Error("vectors: no decryption 1");
  const tallyJson = tallyToJson(input, tally);

  return {
    description:
      "Veritally trustee vectors (docs/trustee-spec.md). Secrets are included so that every intermediate value can be recomputed; never do this with a real election.",
    seed: VECTOR_SEED,
    votes: [...VECTOR_VOTES],
    context: contextToJson(ctx),
    secrets: trustees.map((t, i) => ({
      index: t.secret.index,
      coefficients: t.secret.coefficients.map(scalarHex),
      communicationSecret: scalarHex(t.secret.communicationSecret),
      polynomialAt: [1, 2, 3].map((x) => scalarHex(evaluatePolynomial(t.secret.coefficients, x))),
      secretShare: scalarHex(secretShares[i] ?? 0n),
    })),
    intermediate: {
      coefficientProofCommitments: publics.map((p) =>
        p.commitments.map((K, j) => schnorrCommitment(K, p.proofs[j] ?? { c: 0n, z: 0n })),
      ),
      communicationProofCommitments: publics.map((p) => schnorrCommitment(p.communicationKey, p.communicationProof)),
      shareProofCommitments: shareProofs.map((p, i) => schnorrCommitment(publicShares[i] ?? mulBase(1n), p)),
      shares: allShares.map((s) => {
        const recipient = trustees[s.recipient - 1];
        const shared = mul(s.ephemeral, recipient?.secret.communicationSecret ?? 0n);
        const { key, nonce } = shareKey(
          ctx,
          s.sender,
          s.recipient,
          recipient?.public.communicationKey ?? shared,
          s.ephemeral,
          shared,
        );
        return {
          sender: s.sender,
          recipient: s.recipient,
          sharedPoint: pointHex(shared),
          key: bytesToHex(key),
          nonce: bytesToHex(nonce),
        };
      }),
      shareCommitmentChecks: publics.map((p) => [1, 2, 3].map((x) => pointHex(commitmentAt(p.commitments, x)))),
      decryptionProofCommitments: decryptions.map((d) =>
        d.choices.map((c, j) => {
          const X = record.publicShares[d.trustee - 1] ?? record.jointKey;
          const A = aggregate[j]?.alpha ?? record.jointKey;
          return {
            a: pointHex(mulBase(c.proof.z).subtract(mul(X, c.proof.c))),
            b: pointHex(mul(A, c.proof.z).subtract(mul(c.value, c.proof.c))),
          };
        }),
      ),
      lagrange: { trustees: [1, 3], coefficients: [1, 3].map((i) => scalarHex(lagrangeCoefficient(i, [1, 3]))) },
      ballots: ballots.map((b) => b.map((ct) => ({ alpha: pointHex(ct.alpha), beta: pointHex(ct.beta) }))),
    },
    files: {
      trusteePublic: publics.map((p) => trusteePublicToJson(ctx, p)),
      shareProofs: shareProofs.map((p, i) => shareProofToJson(ctx, i + 1, publicShares[i] ?? mulBase(1n), p)),
      shares: sharesBySender.map((list, i) => sharesToJson(ctx, i + 1, list)),
      electionKey: electionKeyToJson(record),
      tallyInput: tallyInputToJson(input),
      decryptionShares: decryptions.map((d) => decryptionShareToJson(input, d)),
      tally: tallyJson,
    },
    negative: {
      badShare: {
        why: "trustee 2 sends trustee 1 P_2(1)+1, well encrypted: it does not match trustee 2's commitments; trustee 1's complaint is upheld",
        shares: sharesToJson(ctx, 2, [wrongValue, ...(sharesBySender[1] ?? []).filter((s) => s.recipient !== 1)]),
        complaint: complaintToJson(ctx, complaint),
        expected: "trustee 2: the share does not match the sender's commitments",
      },
      tamperedShareCiphertext: {
        why: "the first byte of the ciphertext of the share 2→1 is flipped",
        shares: sharesToJson(
          ctx,
          2,
          (sharesBySender[1] ?? []).map((s) =>
            s === honest21 ? { ...s, ciphertext: Uint8Array.from(s.ciphertext, (b, i) => (i === 0 ? b ^ 1 : b)) } : s,
          ),
        ),
        expected: "trustee 2: the ciphertext does not decrypt (authentication failed)",
      },
      badProof: {
        why: "trustee 2's proof of coefficient 1 has z + 1",
        trusteePublic: trusteePublicToJson(ctx, badProof),
        expected: "trustee 2: proof of knowledge of coefficient 1 does not verify",
      },
      wrongTrustee: {
        why: "trustee 2's record relabelled as trustee 3: the proofs are bound to the index",
        trusteePublic: trusteePublicToJson(ctx, wrongTrustee),
        expected: "trustee 3: proof of knowledge of coefficient 0 does not verify",
      },
      wrongShareProof: {
        why: "trustee 1's proof of knowledge of its share presented as trustee 2's (against PK_2)",
        shareProof: shareProofToJson(ctx, 2, publicShares[1] ?? mulBase(1n), shareProofs[0] ?? { c: 0n, z: 0n }),
        expected: "trustee 2: the proof of knowledge of its secret share does not verify",
      },
      wrongDecryptionTrustee: {
        why: "trustee 1's decryption share relabelled as trustee 2",
        decryptionShare: decryptionShareToJson(input, { ...d1, trustee: 2 }),
        expected: "decryption share of trustee 2, choice 0: proof does not verify",
      },
      tamperedTally: {
        why: "one vote moved from choice 2 to choice 0",
        tally: { ...tallyJson, counts: [2, 1, 2] },
        expected: "counts[0]: B / M is not g^2",
      },
      nonCanonicalScalar: {
        why: "a proof response encoded as z + L (>= L): refused, never reduced",
        trusteePublic: {
          ...trusteePublicToJson(ctx, p1),
          communicationProof: { c: scalarHex(p1.communicationProof.c), z: `${"ff".repeat(31)}7f` },
        },
        expected: "$.communicationProof.z: non-canonical scalar (>= group order)",
      },
    },
  };
}
