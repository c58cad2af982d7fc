import { readFileSync } from "node:fs";
import { hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { parseCode } from "./code.js";
import { credentialContext } from "./context.js";
import { verifyInclusion } from "./merkle.js";
import { loadCredentials } from "./signing.js";
import { type CredentialVectors, makeCredentialVectors, VECTOR_CONTEXT } from "./vectors.js";

const committed = JSON.parse(
  readFileSync(new URL("../../vectors/credentials.json", import.meta.url), "utf8"),
) as CredentialVectors;
const creds = await loadCredentials();
const ctx = credentialContext(VECTOR_CONTEXT);

describe("credential vectors (crypto/vectors/credentials.json)", () => {
  it("are reproduced exactly by the generator (run `npm run credentials:vectors -w crypto` if this fails)", async () => {
    expect(JSON.parse(JSON.stringify(await makeCredentialVectors()))).toEqual(committed);
  });

  it("every typing of a code gives its seed's key; every bad code, key and ballot is refused", () => {
    for (const c of committed.codes) {
      for (const t of [c.code, ...c.typed]) expect(parseCode(t)).toBe(c.canonical);
      expect(Buffer.from(creds.publicCredential(ctx, c.code)).toString("hex")).toBe(c.publicKey);
    }
    for (const b of committed.badCodes) expect(() => parseCode(b.text)).toThrow(b.reason);
    for (const k of committed.badPublicKeys)
      expect(creds.isValidCredential(hexToBytes(k.publicKey)), k.why).toBe(false);
    expect(creds.verifyBallot(ctx, hexToBytes(committed.ballot.credentialed), 4)).toEqual({ ok: true });
    expect(committed.ballot.length - committed.ballot.plain.length / 2).toBe(96);
    for (const b of committed.badBallots) {
      expect(b.reason, b.name).not.toBe("ACCEPTED");
      const c = b.context ? credentialContext({ ...VECTOR_CONTEXT, ...b.context }) : ctx;
      expect(creds.verifyBallot(c, hexToBytes(b.ballot), 4), b.name).toEqual({ ok: false, reason: b.reason });
    }
    for (const m of committed.merkle) {
      const n = m.credentials.length;
      for (const p of m.proofs) {
        const ok = verifyInclusion(
          hexToBytes(m.roots[n - 1] as string),
          n,
          p.index,
          hexToBytes(m.credentials[p.index] as string),
          p.proof.map(hexToBytes),
        );
        expect(ok).toBe(true);
      }
    }
  });
});
