/**
 * The Benaloh challenge, checked on the reader's device: a voting booth that encrypted a ballot
 * may be asked to *audit* it instead of casting it, and then reveals the randomness of each
 * choice's ciphertext. Re-encrypting the choice shown with that randomness under the election key
 * (docs/ballot-spec.md: alpha = g^r, beta = g^m · h^r) must give back the ballot's ciphertexts,
 * byte for byte. Pure @noble/curves arithmetic from the crypto library (no WebAssembly, so the
 * portal's CSP stays `script-src 'self'`); bundled into the verify page.
 *
 * The audit record is the booth's JSON (a proposal until the booth's own format is fixed):
 * `{ "format": "veritally/audited-ballot/v1", "electionId": "30", "ballot": "0x…", "choice": 1,
 *    "randomness": ["0x…", …] }`, randomness one 32-byte little-endian scalar per choice.
 */
import { InvalidInputError } from "@veritally/contracts";
import { nobleOps } from "@veritally/crypto/backend";
import { type Ballot, decodeBallot, tracker } from "@veritally/crypto/ballot-codec";
import { encrypt } from "@veritally/crypto/elgamal";
import { decodePoint, decodeScalar, type Point } from "@veritally/crypto/group";

export const AUDIT_FORMAT = "veritally/audited-ballot/v1";

export interface AuditRecord {
  electionId: string;
  /** The encoded ballot, as the booth showed it before the audit. */
  ballot: Uint8Array;
  /** The choice the booth says it encrypted (0-based). */
  choice: number;
  /** One scalar per choice, as revealed. */
  randomness: bigint[];
}

export type AuditOutcome =
  | { kind: "match"; tracker: string; choice: number }
  | { kind: "mismatch"; tracker: string; choice: number; firstWrong: number };

function bytesOf(hex: string, field: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})+$/.test(hex)) throw new InvalidInputError(field, "expected 0x followed by hex bytes");
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

function hexOf(bytes: Uint8Array): string {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The audit record pasted or carried by a link; an InvalidInputError names the field that is wrong. */
export function readAuditRecord(text: string): AuditRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidInputError("audit", "not JSON: paste the audit record exactly as the voting booth gave it");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError("audit", "expected a JSON object");
  }
  const r = parsed as Record<string, unknown>;
  if (r.format !== undefined && r.format !== AUDIT_FORMAT) {
    throw new InvalidInputError("audit.format", `expected "${AUDIT_FORMAT}"`);
  }
  if (typeof r.electionId !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(r.electionId)) {
    throw new InvalidInputError("audit.electionId", "expected the election id as a decimal string");
  }
  if (typeof r.ballot !== "string") throw new InvalidInputError("audit.ballot", "expected 0x-hex bytes");
  const ballot = bytesOf(r.ballot, "audit.ballot");
  if (typeof r.choice !== "number" || !Number.isInteger(r.choice) || r.choice < 0) {
    throw new InvalidInputError("audit.choice", "expected the choice's number, 0 for the first");
  }
  if (!Array.isArray(r.randomness) || r.randomness.length === 0) {
    throw new InvalidInputError("audit.randomness", "expected one 0x-hex scalar per choice");
  }
  const randomness = r.randomness.map((x, i) => {
    const field = `audit.randomness[${i}]`;
    if (typeof x !== "string") throw new InvalidInputError(field, "expected 0x and 64 hex digits");
    const bytes = bytesOf(x, field);
    if (bytes.length !== 32) throw new InvalidInputError(field, `expected 32 bytes, got ${bytes.length}`);
    try {
      return decodeScalar(bytes, field);
    } catch (error) {
      throw new InvalidInputError(field, (error as Error).message);
    }
  });
  return { electionId: r.electionId, ballot, choice: r.choice, randomness };
}

/**
 * Re-encrypts the record's choice with its randomness under the election key (0x-hex, as the
 * chain holds it) and compares with the ballot's ciphertexts. Throws an InvalidInputError naming
 * the field when the record cannot be checked (a malformed ballot, a count that does not fit).
 */
export function checkAudit(record: AuditRecord, electionKey: string, choiceCount: number): AuditOutcome {
  if (record.choice >= choiceCount) {
    throw new InvalidInputError("audit.choice", `${record.choice}, but the election has ${choiceCount} choices`);
  }
  if (record.randomness.length !== choiceCount) {
    throw new InvalidInputError(
      "audit.randomness",
      `${record.randomness.length} scalars, the election has ${choiceCount} choices`,
    );
  }
  let ciphertexts: Ballot<Point>["ciphertexts"];
  try {
    ciphertexts = decodeBallot(nobleOps, record.ballot, choiceCount).ciphertexts;
  } catch (error) {
    throw new InvalidInputError("audit.ballot", (error as Error).message);
  }
  const key = decodePoint(bytesOf(electionKey, "electionKey"), "electionKey");
  const trackerHex = hexOf(tracker(record.ballot));
  for (let j = 0; j < choiceCount; j++) {
    const r = record.randomness[j] ?? 0n;
    const ct = ciphertexts[j];
    const again = encrypt(key, j === record.choice ? 1n : 0n, r);
    if (!ct || !again.alpha.equals(ct.alpha) || !again.beta.equals(ct.beta)) {
      return { kind: "mismatch", tracker: trackerHex, choice: record.choice, firstWrong: j };
    }
  }
  return { kind: "match", tracker: trackerHex, choice: record.choice };
}

/** An audit record carried by a link's fragment (#audit=<base64url of the JSON>), never sent to a server. */
export function auditFromFragment(hash: string): string | null {
  const match = /^#(?:.*&)?audit=([^&]*)/.exec(hash);
  if (!match) return null;
  try {
    const b64 = (match[1] ?? "").replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}
