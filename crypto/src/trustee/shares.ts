import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import {
  CryptoDecodeError,
  decodeScalar,
  encodePoint,
  encodeScalar,
  mod,
  mul,
  mulBase,
  type Point,
  u32be,
} from "../group.js";
import { commitmentAt, evaluatePolynomial, type TrusteePublic, type TrusteeSecret } from "./ceremony.js";
import { checkIndex, contextParts, type ElectionContext, hashBytes, type ScalarSource } from "./context.js";
import { proveEqualLogs, type SigmaProof, verifyEqualLogs } from "./sigma.js";

export const DOMAIN_SHARE_KEY = "veritally/trustee/v1/share-key";
export const DOMAIN_COMPLAINT = "veritally/trustee/v1/complaint";

/** P_i(ℓ) encrypted from sender i to recipient ℓ: ephemeral R = g^r and the AEAD ciphertext (48 bytes). */
export interface EncryptedShare {
  readonly sender: number;
  readonly recipient: number;
  readonly ephemeral: Point;
  readonly ciphertext: Uint8Array;
}

/**
 * Key and nonce of one share: SHA-512(DOMAIN_SHARE_KEY, context, u32be(i), u32be(ℓ), κ_ℓ, R, S) with S = κ_ℓ^r
 * (= R^ζ_ℓ); bytes 0..31 are the XChaCha20-Poly1305 key, 32..55 its nonce.
 */
export function shareKey(
  ctx: ElectionContext,
  sender: number,
  recipient: number,
  recipientKey: Point,
  ephemeral: Point,
  shared: Point,
): { key: Uint8Array; nonce: Uint8Array } {
  const h = hashBytes(DOMAIN_SHARE_KEY, [
    ...contextParts(ctx),
    u32be(sender),
    u32be(recipient),
    encodePoint(recipientKey),
    encodePoint(ephemeral),
    encodePoint(shared),
  ]);
  return { key: h.subarray(0, 32), nonce: h.subarray(32, 56) };
}

export function encryptShare(
  ctx: ElectionContext,
  sender: number,
  recipient: TrusteePublic,
  value: bigint,
  rng: ScalarSource,
): EncryptedShare {
  const r = rng();
  const ephemeral = mulBase(r);
  const shared = mul(recipient.communicationKey, r);
  const { key, nonce } = shareKey(ctx, sender, recipient.index, recipient.communicationKey, ephemeral, shared);
  const ciphertext = xchacha20poly1305(key, nonce).encrypt(encodeScalar(value));
  return { sender, recipient: recipient.index, ephemeral, ciphertext };
}

/** Sender i's shares P_i(ℓ) for every other trustee ℓ, encrypted to each one's communication key. */
export function makeShares(
  ctx: ElectionContext,
  secret: TrusteeSecret,
  recipients: readonly TrusteePublic[],
  rng: ScalarSource,
): EncryptedShare[] {
  return [...recipients]
    .filter((p) => p.index !== secret.index)
    .sort((a, b) => a.index - b.index)
    .map((p) => encryptShare(ctx, secret.index, p, evaluatePolynomial(secret.coefficients, p.index), rng));
}

/** Why a received share is bad, or its value. */
export type OpenedShare = { ok: true; value: bigint } | { ok: false; reason: string };

/** Decrypts a share with the shared point and checks g^value = Π_j K_{i,j}^{ℓ^j}. */
export function openShare(
  ctx: ElectionContext,
  share: EncryptedShare,
  senderPublic: TrusteePublic,
  recipientKey: Point,
  shared: Point,
): OpenedShare {
  const { key, nonce } = shareKey(ctx, share.sender, share.recipient, recipientKey, share.ephemeral, shared);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, nonce).decrypt(share.ciphertext);
  } catch {
    return { ok: false, reason: "the ciphertext does not decrypt (authentication failed)" };
  }
  let value: bigint;
  try {
    value = decodeScalar(plain, "share");
  } catch (e) {
    if (e instanceof CryptoDecodeError) return { ok: false, reason: "the plaintext is not a canonical scalar" };
    throw e;
  }
  if (!mulBase(value).equals(commitmentAt(senderPublic.commitments, share.recipient)))
    return { ok: false, reason: "the share does not match the sender's commitments" };
  return { ok: true, value };
}

/**
 * A recipient's public accusation: it reveals S = R^ζ with a Chaum-Pedersen proof that log_g κ = log_R S, so
 * that anyone can derive the key, decrypt the share and see that it is bad.
 */
export interface Complaint {
  readonly sender: number;
  readonly recipient: number;
  readonly shared: Point;
  readonly proof: SigmaProof;
}

function complaintBound(ctx: ElectionContext, sender: number, recipient: number): Uint8Array[] {
  return [...contextParts(ctx), u32be(sender), u32be(recipient)];
}

export function makeComplaint(
  ctx: ElectionContext,
  recipient: TrusteeSecret,
  recipientPublic: TrusteePublic,
  share: EncryptedShare,
  rng: ScalarSource,
): Complaint {
  const shared = mul(share.ephemeral, recipient.communicationSecret);
  const proof = proveEqualLogs(
    DOMAIN_COMPLAINT,
    complaintBound(ctx, share.sender, share.recipient),
    recipient.communicationSecret,
    recipientPublic.communicationKey,
    share.ephemeral,
    shared,
    rng,
  );
  return { sender: share.sender, recipient: share.recipient, shared, proof };
}

/** Upheld: the sender sent a bad share (the ceremony must exclude or restart it). Refused: the complaint is false. */
export type ComplaintVerdict = { upheld: true; sender: number; reason: string } | { upheld: false; reason: string };

export function judgeComplaint(
  ctx: ElectionContext,
  complaint: Complaint,
  share: EncryptedShare,
  senderPublic: TrusteePublic,
  recipientPublic: TrusteePublic,
): ComplaintVerdict {
  if (complaint.sender !== share.sender || complaint.recipient !== share.recipient)
    return { upheld: false, reason: "the complaint names another share than the one given" };
  if (senderPublic.index !== share.sender || recipientPublic.index !== share.recipient)
    return { upheld: false, reason: "the public records given are not the sender's and the recipient's" };
  const proofOk = verifyEqualLogs(
    DOMAIN_COMPLAINT,
    complaintBound(ctx, share.sender, share.recipient),
    recipientPublic.communicationKey,
    share.ephemeral,
    complaint.shared,
    complaint.proof,
  );
  if (!proofOk) return { upheld: false, reason: "the proof of the revealed shared point does not verify" };
  const opened = openShare(ctx, share, senderPublic, recipientPublic.communicationKey, complaint.shared);
  return opened.ok
    ? { upheld: false, reason: `the share of trustee ${share.sender} is valid` }
    : { upheld: true, sender: share.sender, reason: `trustee ${share.sender}: ${opened.reason}` };
}

export interface ReceivedShares {
  /** s_ℓ = Σ_i P_i(ℓ), the recipient's share of the election secret (only when no complaint). */
  readonly share?: bigint;
  readonly complaints: readonly Complaint[];
  /** Reason for each complaint, same order. */
  readonly reasons: readonly string[];
}

/**
 * Recipient ℓ opens the share of every other trustee, checks it against the sender's commitments and sums them
 * with its own P_ℓ(ℓ); every bad share yields a complaint naming its sender.
 */
export function receiveShares(
  ctx: ElectionContext,
  secret: TrusteeSecret,
  publics: readonly TrusteePublic[],
  shares: readonly EncryptedShare[],
  rng: ScalarSource,
): ReceivedShares {
  checkIndex(ctx, secret.index, "index");
  const own = publics.find((p) => p.index === secret.index);
  if (own === undefined) throw new Error(`publics: the record of trustee ${secret.index} itself is missing`);
  let total = evaluatePolynomial(secret.coefficients, secret.index);
  const complaints: Complaint[] = [];
  const reasons: string[] = [];
  for (let i = 1; i <= ctx.trustees; i++) {
    if (i === secret.index) continue;
    const senderPublic = publics.find((p) => p.index === i);
    if (senderPublic === undefined) throw new Error(`publics: the record of trustee ${i} is missing`);
    const share = shares.find((s) => s.sender === i && s.recipient === secret.index);
    if (share === undefined) throw new Error(`shares: no share from trustee ${i} for trustee ${secret.index}`);
    const shared = mul(share.ephemeral, secret.communicationSecret);
    const opened = openShare(ctx, share, senderPublic, own.communicationKey, shared);
    if (opened.ok) total = mod(total + opened.value);
    else {
      complaints.push(makeComplaint(ctx, secret, own, share, rng));
      reasons.push(`trustee ${i}: ${opened.reason}`);
    }
  }
  return complaints.length === 0 ? { share: total, complaints, reasons } : { complaints, reasons };
}
