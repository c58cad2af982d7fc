import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { type ElectionSpec, makeBallotBuilder } from "../ballot.js";
import { mulBase } from "../group.js";
import { seededScalars } from "../random.js";
import { loadSodiumOps } from "../sodium.js";
import {
  CODE_ALPHABET,
  CredentialCodeError,
  type CredentialContext,
  credentialContext,
  deriveSeed,
  EXTRA_BALLOT_BYTES,
  formatCode,
  generateCode,
  inclusionProof,
  leafHash,
  loadCredentials,
  makeRoll,
  merkleRoot,
  nodeHash,
  parseCode,
  RollTree,
  rollFromJson,
  rollToJson,
  verifyInclusion,
} from "./index.js";

const creds = await loadCredentials();
const ctx: CredentialContext = credentialContext({
  chainId: "31337",
  registry: `0x${"a1".repeat(20)}`,
  electionId: "7",
});
const election: ElectionSpec = { ...ctx, publicKey: mulBase(987654321n), choices: 4 };
const ballot = makeBallotBuilder(await loadSodiumOps(), election).build(2, seededScalars(Uint8Array.of(9))).encoded;
const CODE = formatCode(Array.from({ length: 19 }, (_, i) => (i * 5) % 32));

describe("credential codes", () => {
  it("are 20 symbols in five groups of four, and read back with any case, aliases and spacing", () => {
    const code = generateCode();
    expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}$/);
    const canonical = parseCode(code);
    expect(canonical).toBe(code.replace(/-/g, "").slice(0, 19));
    expect(parseCode(` ${code.toLowerCase().replace(/-/g, " ")} `)).toBe(canonical);
    const withAliases = code.replace(/1/g, "l").replace(/0/g, "O");
    expect(parseCode(withAliases)).toBe(canonical);
  });

  it("refuse every single-symbol change, a wrong length and a symbol outside the alphabet, naming it", () => {
    const compact = CODE.replace(/-/g, "");
    for (let i = 0; i < compact.length; i++) {
      for (const c of CODE_ALPHABET) {
        if (c === compact[i]) continue;
        const typo = `${compact.slice(0, i)}${c}${compact.slice(i + 1)}`;
        expect(() => parseCode(typo), typo).toThrow(/check symbol does not match/);
      }
    }
    expect(() => parseCode(compact.slice(1))).toThrow(/expected 20 symbols .* got 19/);
    expect(() => parseCode(`U${compact.slice(1)}`)).toThrow(/symbol 1 \('U'\) is not in the alphabet/);
    expect(() => parseCode(`${compact.slice(0, 5)}_${compact.slice(6)}`)).toThrow(CredentialCodeError);
  });
});

describe("keys", () => {
  it("are derived from the code and the election: another election, registry or chain gives another key", () => {
    const pk = creds.publicCredential(ctx, CODE);
    expect(creds.publicCredential(ctx, CODE.toLowerCase())).toEqual(pk);
    expect(creds.isValidCredential(pk)).toBe(true);
    const others: CredentialContext[] = [
      {
        ...ctx,
        electionId: credentialContext({ chainId: "1", registry: `0x${"00".repeat(20)}`, electionId: "8" }).electionId,
      },
      { ...ctx, chainId: 1n },
      { ...ctx, registry: new Uint8Array(20) },
    ];
    for (const other of others) expect(bytesToHex(creds.publicCredential(other, CODE))).not.toBe(bytesToHex(pk));
    expect(deriveSeed(ctx, CODE)).toHaveLength(32);
  });

  it("refuse a non-canonical, small-order or off-curve public credential", () => {
    expect(creds.isValidCredential(new Uint8Array(32))).toBe(false); // y = 0: order 4
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(creds.isValidCredential(identity)).toBe(false);
    const nonCanonical = new Uint8Array(32).fill(0xff);
    nonCanonical[31] = 0x7f;
    expect(creds.isValidCredential(nonCanonical)).toBe(false);
    expect(creds.isValidCredential(new Uint8Array(31))).toBe(false);
  });
});

describe("ballot signatures", () => {
  const keys = creds.keyPair(ctx, CODE);
  const signed = creds.signBallot(ctx, keys, ballot);

  it("add 96 bytes, set the flag and verify; the plain ballot comes back for the proofs", () => {
    expect(signed.length - ballot.length).toBe(EXTRA_BALLOT_BYTES);
    expect(EXTRA_BALLOT_BYTES).toBe(96);
    expect(signed[706]).toBe(1);
    expect(creds.verifyBallot(ctx, signed, 4)).toEqual({ ok: true });
    const split = creds.splitBallot(signed, 4);
    expect(split.plain).toEqual(ballot);
    expect(split.credential).toEqual(keys.publicKey);
  });

  it("are refused in another election, with another credential, or with any byte changed", () => {
    expect(creds.verifyBallot({ ...ctx, chainId: 1n }, signed, 4)).toMatchObject({ ok: false });
    const other = creds.keyPair(ctx, generateCode());
    const swapped = signed.slice();
    swapped.set(other.publicKey, 707);
    expect(creds.verifyBallot(ctx, swapped, 4)).toEqual({
      ok: false,
      reason: "signature: does not verify (another ballot, election or credential)",
    });
    for (const at of [0, 1, 2, 300, 705, 706, 707, 738, 739, 771, 802]) {
      const bad = signed.slice();
      bad[at] = (bad[at] ?? 0) ^ 1;
      expect(creds.verifyBallot(ctx, bad, 4).ok, `byte ${at}`).toBe(false);
    }
    expect(creds.verifyBallot(ctx, signed.subarray(0, 802), 4)).toMatchObject({ reason: /length 802, expected 803/ });
    expect(creds.verifyBallot(ctx, ballot, 4)).toMatchObject({ ok: false });
  });

  it("refuse S at or above the group order without reducing it", () => {
    const bad = signed.slice();
    // S + L: the same value mod L, a different encoding.
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(bad[771 + i] ?? 0);
    s += 2n ** 252n + 27742317777372353535851937790883648493n;
    for (let i = 0; i < 32; i++) bad[771 + i] = Number((s >> BigInt(8 * i)) & 255n);
    expect(creds.verifyBallot(ctx, bad, 4)).toEqual({
      ok: false,
      reason: "signature.S: non-canonical scalar (>= group order)",
    });
  });
});

describe("the roll's Merkle tree", () => {
  const credentials = Array.from({ length: 40 }, (_, i) => leafHash(Uint8Array.of(i, ...new Uint8Array(31))));

  it("is RFC 9162's tree hash: one leaf, two, three", () => {
    const [a, b, c] = credentials as [Uint8Array, Uint8Array, Uint8Array];
    expect(merkleRoot([a])).toEqual(leafHash(a));
    expect(merkleRoot([a, b])).toEqual(nodeHash(leafHash(a), leafHash(b)));
    expect(merkleRoot([a, b, c])).toEqual(nodeHash(nodeHash(leafHash(a), leafHash(b)), leafHash(c)));
    expect(merkleRoot([])).toEqual(new Uint8Array(32));
  });

  it("built as credentials arrive gives the same root at every size, and every proof verifies", () => {
    const tree = new RollTree();
    for (let n = 1; n <= credentials.length; n++) {
      tree.append(credentials[n - 1] as Uint8Array);
      const prefix = credentials.slice(0, n);
      const root = merkleRoot(prefix);
      expect(tree.root()).toEqual(root);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(prefix, i);
        expect(verifyInclusion(root, n, i, prefix[i] as Uint8Array, proof)).toBe(true);
        expect(verifyInclusion(root, n, (i + 1) % n, prefix[i] as Uint8Array, proof)).toBe(n === 1);
        expect(verifyInclusion(leafHash(root), n, i, prefix[i] as Uint8Array, proof)).toBe(false);
        if (proof.length > 0) expect(verifyInclusion(root, n, i, prefix[i] as Uint8Array, proof.slice(1))).toBe(false);
      }
    }
  });
});

describe("roll files", () => {
  it("sort the credentials, refuse a duplicate, and are read back strictly", () => {
    const pks = Array.from({ length: 5 }, () => creds.publicCredential(ctx, generateCode()));
    const roll = makeRoll(ctx, pks);
    const json = rollToJson(roll);
    expect(rollFromJson(JSON.parse(JSON.stringify(json)))).toEqual(roll);
    expect(() => makeRoll(ctx, [pks[0] as Uint8Array, pks[0] as Uint8Array])).toThrow(/appears twice/);
    const list = json.credentials as string[];
    expect(() => rollFromJson({ ...json, credentials: [...list].reverse() })).toThrow(
      /\$\.credentials\[1\]: not above/,
    );
    expect(() => rollFromJson({ ...json, count: 4 })).toThrow(/\$\.count/);
    expect(() => rollFromJson({ ...json, root: `0x${"00".repeat(32)}` })).toThrow(/\$\.root: is not/);
    expect(() => rollFromJson({ ...json, extra: 1 })).toThrow(/\$\.extra: unknown field/);
    expect(() => rollFromJson({ ...json, credentials: [list[0]?.toUpperCase()] })).toThrow(/lowercase hex/);
  });
});
