import { readFileSync } from "node:fs";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { nobleOps } from "./backend.js";
import { ballotCiphertexts, makeBallotVerifier } from "./ballot.js";
import { electionFromWire, fromHex, toHex } from "./election-wire.js";
import { decryptToPoint } from "./elgamal.js";
import { decodeScalar, G, IDENTITY } from "./group.js";
import { challengeOf } from "./proofs.js";
import { loadSodiumOps } from "./sodium.js";
import { type BallotVectors, generateBallotVectors } from "./vectors.js";

const committed = JSON.parse(readFileSync(new URL("../vectors/ballot.json", import.meta.url), "utf8")) as BallotVectors;

describe("test vectors (crypto/vectors/ballot.json)", () => {
  it("are reproduced exactly from their fixed key and seeds, by libsodium and by @noble/curves", async () => {
    expect(generateBallotVectors(await loadSodiumOps())).toEqual(committed);
    expect(generateBallotVectors(nobleOps)).toEqual(committed);
  });

  it("every positive vector verifies, hashes to its challenge, decrypts to its choice and has its tracker", async () => {
    const sodium = await loadSodiumOps();
    const secret = decodeScalar(fromHex(committed.secretKey, "secretKey"), "secretKey");
    expect(committed.positive.length).toBeGreaterThan(0);
    for (const v of committed.positive) {
      const election = electionFromWire(v.election);
      const encoded = fromHex(v.encoding, "encoding");
      expect(makeBallotVerifier(sodium, election).verify(encoded)).toEqual({ ok: true });
      expect(makeBallotVerifier(nobleOps, election).verify(encoded)).toEqual({ ok: true });
      expect(toHex(sha256(encoded))).toBe(v.tracker);
      const c = challengeOf(fromHex(v.challengeInput, "challengeInput"));
      expect(c).toBe(decodeScalar(fromHex(v.challenge, "challenge"), "challenge"));
      ballotCiphertexts(encoded, election.choices).forEach((ct, i) => {
        expect(decryptToPoint(secret, ct).equals(i === v.choice ? G : IDENTITY)).toBe(true);
      });
    }
  });

  it("every negative vector is refused with its reason, by both arithmetics", async () => {
    const sodium = await loadSodiumOps();
    expect(committed.negative.length).toBeGreaterThan(30);
    for (const v of committed.negative) {
      const base = committed.positive[v.against];
      if (base === undefined) throw new Error(`vector ${v.name}: no positive vector ${v.against}`);
      const election = electionFromWire(v.contextChange?.election ?? base.election);
      const encoded = fromHex(v.encoding, "encoding");
      for (const ops of [sodium, nobleOps] as const) {
        expect({ name: v.name, result: makeBallotVerifier(ops as typeof sodium, election).verify(encoded) }).toEqual({
          name: v.name,
          result: { ok: false, reason: v.reason },
        });
      }
    }
  });
});
