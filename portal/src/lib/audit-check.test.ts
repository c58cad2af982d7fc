/**
 * The audited ballot's check against real ballots built by the crypto library (testing/audited-ballot.ts
 * records the randomness a builder drew, as a booth reveals it on an audit); the check re-encrypts.
 */
import { InvalidInputError } from "@veritally/contracts";
import { generateKeyPair } from "@veritally/crypto/elgamal";
import { encodePoint, G } from "@veritally/crypto/group";
import { describe, expect, it } from "vitest";
import { auditedBallot } from "../testing/audited-ballot.js";
import { auditFromFragment, checkAudit, readAuditRecord } from "./audit-check.js";

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
const CHOICES = 4;
const { publicKey } = generateKeyPair();
const electionKey = hex(encodePoint(publicKey));

function audited(choice: number) {
  const a = auditedBallot({ publicKey, electionId: "30", choices: CHOICES, choice });
  return { built: { tracker: a.tracker }, record: a.record };
}

describe("an audited ballot", () => {
  it("re-encrypts to the same ciphertexts for the choice shown, and says which tracker it was", () => {
    const { built, record } = audited(2);
    expect(checkAudit(readAuditRecord(JSON.stringify(record)), electionKey, CHOICES)).toEqual({
      kind: "match",
      tracker: built.tracker,
      choice: 2,
    });
  });

  it("catches a booth that encrypted another choice than it shows", () => {
    const { record } = audited(1);
    const claimed = readAuditRecord(JSON.stringify({ ...record, choice: 3 }));
    expect(checkAudit(claimed, electionKey, CHOICES)).toMatchObject({ kind: "mismatch", choice: 3, firstWrong: 1 });
  });

  it("catches revealed randomness that is not the ballot's, or another election key", () => {
    const { record } = audited(0);
    const swapped = [...record.randomness];
    [swapped[0], swapped[1]] = [swapped[1] ?? "", swapped[0] ?? ""];
    expect(
      checkAudit(readAuditRecord(JSON.stringify({ ...record, randomness: swapped })), electionKey, CHOICES).kind,
    ).toBe("mismatch");
    const otherKey = hex(encodePoint(G.multiply(5n)));
    expect(checkAudit(readAuditRecord(JSON.stringify(record)), otherKey, CHOICES).kind).toBe("mismatch");
  });

  it("refuses a malformed record naming the field", () => {
    const { record } = audited(0);
    const cases: [unknown, string][] = [
      ["{", "audit: not JSON"],
      [{ ...record, format: "other" }, "audit.format:"],
      [{ ...record, electionId: 30 }, "audit.electionId:"],
      [{ ...record, ballot: "0xzz" }, "audit.ballot:"],
      [{ ...record, choice: -1 }, "audit.choice:"],
      [{ ...record, randomness: ["0x01"] }, "audit.randomness[0]: expected 32 bytes, got 1"],
      [{ ...record, randomness: [`0x${"ff".repeat(32)}`] }, "audit.randomness[0]:"],
    ];
    for (const [input, message] of cases) {
      const text = typeof input === "string" ? input : JSON.stringify(input);
      expect(() => readAuditRecord(text), message).toThrow(InvalidInputError);
      expect(() => readAuditRecord(text), message).toThrow(message);
    }
    const short = readAuditRecord(JSON.stringify({ ...record, randomness: record.randomness.slice(1) }));
    expect(() => checkAudit(short, electionKey, CHOICES)).toThrow("audit.randomness: 3 scalars, the election has 4");
    const cut = readAuditRecord(JSON.stringify({ ...record, ballot: record.ballot.slice(0, 100) }));
    expect(() => checkAudit(cut, electionKey, CHOICES)).toThrow(/^audit\.ballot: /);
    const far = readAuditRecord(JSON.stringify({ ...record, choice: 9 }));
    expect(() => checkAudit(far, electionKey, CHOICES)).toThrow("audit.choice: 9, but the election has 4 choices");
  });

  it("reads a record from a link's fragment (base64url JSON)", () => {
    const { record } = audited(1);
    const text = JSON.stringify(record);
    const b64 = Buffer.from(text).toString("base64url");
    expect(auditFromFragment(`#audit=${b64}`)).toBe(text);
    expect(auditFromFragment(`#tracker=0x1&audit=${b64}`)).toBe(text);
    expect(auditFromFragment("#tracker=0x1")).toBeNull();
  });
});
