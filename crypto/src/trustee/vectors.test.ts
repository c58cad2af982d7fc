import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { verifyTrusteePublic } from "./ceremony.js";
import { verifyDecryptionShare } from "./decryption.js";
import { buildElectionKey, verifyElectionKey, verifyShareProof } from "./election-key.js";
import {
  complaintFromJson,
  decryptionShareFromJson,
  electionKeyFromJson,
  shareProofFromJson,
  sharesFromJson,
  tallyFromJson,
  tallyInputFromJson,
  trusteePublicFromJson,
} from "./formats.js";
import { scalar } from "./json.js";
import { judgeComplaint, receiveShares } from "./shares.js";
import { verifyTally } from "./tally.js";
import { makeTrusteeVectors, VECTOR_CONTEXT } from "./vectors.js";

const file = JSON.parse(readFileSync(new URL("../../vectors/trustee.json", import.meta.url), "utf8"));

const get = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], o);

describe("trustee vectors (crypto/vectors/trustee.json)", () => {
  it("are what the generator writes from the fixed seed (npm run trustee:vectors -w crypto)", () => {
    expect(JSON.parse(JSON.stringify(makeTrusteeVectors()))).toEqual(file);
  });

  it("every published file parses strictly and verifies", () => {
    const record = electionKeyFromJson(get(file, "files", "electionKey"));
    expect(verifyElectionKey(record)).toEqual({ ok: true });
    for (const p of get(file, "files", "trusteePublic") as unknown[]) {
      const { context, trustee } = trusteePublicFromJson(p, VECTOR_CONTEXT);
      expect(verifyTrusteePublic(context, trustee)).toEqual({ ok: true });
    }
    const input = tallyInputFromJson(get(file, "files", "tallyInput"), VECTOR_CONTEXT);
    for (const d of get(file, "files", "decryptionShares") as unknown[]) {
      expect(verifyDecryptionShare(record, input.aggregate, decryptionShareFromJson(d).share)).toEqual({ ok: true });
    }
    const { tally } = tallyFromJson(get(file, "files", "tally"));
    expect(verifyTally(record, input.aggregate, input.ballotCount, tally)).toEqual({ ok: true });
    expect(tally.counts).toEqual([1, 1, 3]);
  });

  it("each negative vector is refused with its expected reason", () => {
    const record = electionKeyFromJson(get(file, "files", "electionKey"));
    const input = tallyInputFromJson(get(file, "files", "tallyInput"));
    const secrets = get(file, "secrets") as { coefficients: string[]; communicationSecret: string }[];
    const s1 = secrets[0];
    if (!s1) throw new Error("no secrets of trustee 1");
    const secret1 = {
      index: 1,
      coefficients: s1.coefficients.map((c, j) => scalar(c, `secrets[0].coefficients[${j}]`)),
      communicationSecret: scalar(s1.communicationSecret, "secrets[0].communicationSecret"),
    };
    const honestShares = (get(file, "files", "shares") as unknown[]).flatMap((s) => sharesFromJson(s).shares);
    const expected = (name: string) => get(file, "negative", name, "expected") as string;

    for (const name of ["badShare", "tamperedShareCiphertext"]) {
      const bad = sharesFromJson(get(file, "negative", name, "shares")).shares;
      const mixed = [...honestShares.filter((s) => s.sender !== 2), ...bad];
      const r = receiveShares(VECTOR_CONTEXT, secret1, record.trustees, mixed, () => 1n);
      expect(r.share, name).toBeUndefined();
      expect(r.reasons, name).toEqual([expected(name)]);
    }
    const { complaint } = complaintFromJson(get(file, "negative", "badShare", "complaint"));
    const badShare = sharesFromJson(get(file, "negative", "badShare", "shares")).shares.find((s) => s.recipient === 1);
    const [p1, p2] = record.trustees;
    if (!badShare || !p1 || !p2) throw new Error("missing share or records");
    expect(judgeComplaint(VECTOR_CONTEXT, complaint, badShare, p2, p1)).toEqual({
      upheld: true,
      sender: 2,
      reason: expected("badShare"),
    });

    for (const name of ["badProof", "wrongTrustee"]) {
      const { trustee } = trusteePublicFromJson(get(file, "negative", name, "trusteePublic"));
      expect(verifyTrusteePublic(VECTOR_CONTEXT, trustee)).toEqual({ ok: false, reason: expected(name) });
    }
    for (const sp of get(file, "files", "shareProofs") as unknown[]) {
      const p = shareProofFromJson(sp, VECTOR_CONTEXT);
      expect(p.publicShare.equals(record.publicShares[p.trustee - 1] ?? p.publicShare.subtract(p.publicShare))).toBe(
        true,
      );
      expect(verifyShareProof(VECTOR_CONTEXT, p.trustee, p.publicShare, p.proof)).toBe(true);
    }
    const wrong = shareProofFromJson(get(file, "negative", "wrongShareProof", "shareProof"));
    const proofs = record.shareProofs.map((p, i) => (i === 1 ? wrong.proof : p));
    expect(() => buildElectionKey(VECTOR_CONTEXT, record.trustees, proofs)).toThrow(expected("wrongShareProof"));
    expect(verifyElectionKey({ ...record, shareProofs: proofs }).ok).toBe(false);
    const { share } = decryptionShareFromJson(get(file, "negative", "wrongDecryptionTrustee", "decryptionShare"));
    expect(verifyDecryptionShare(record, input.aggregate, share)).toEqual({
      ok: false,
      reason: expected("wrongDecryptionTrustee"),
    });
    const { tally } = tallyFromJson(get(file, "negative", "tamperedTally", "tally"));
    expect(verifyTally(record, input.aggregate, input.ballotCount, tally)).toEqual({
      ok: false,
      reason: expected("tamperedTally"),
    });
    expect(() => trusteePublicFromJson(get(file, "negative", "nonCanonicalScalar", "trusteePublic"))).toThrow(
      expected("nonCanonicalScalar"),
    );
  });
});
