import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CryptoDecodeError,
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  G,
  hashToScalar,
  IDENTITY,
  L,
  mulBase,
  randomScalar,
} from "./group.js";

const le = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

describe("scalars", () => {
  it("round-trips canonical scalars", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: L - 1n }), (s) => {
        expect(decodeScalar(encodeScalar(s), "s")).toBe(s);
      }),
    );
  });
  it("refuses scalars >= L naming the field, never reducing", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: L, max: (1n << 256n) - 1n }), (s) => {
        expect(() => decodeScalar(le(s), "proof.c0")).toThrow(CryptoDecodeError);
        expect(() => decodeScalar(le(s), "proof.c0")).toThrow(/proof\.c0/);
      }),
    );
  });
  it("refuses wrong lengths", () => {
    expect(() => decodeScalar(new Uint8Array(31), "x")).toThrow(/32 bytes/);
  });
  it("random scalars are nonzero and in range", () => {
    for (let i = 0; i < 20; i++) {
      const s = randomScalar();
      expect(s > 0n && s < L).toBe(true);
    }
  });
});

describe("points", () => {
  it("round-trips", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: L - 1n }), (s) => {
        const p = mulBase(s);
        expect(decodePoint(encodePoint(p), "p").equals(p)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
  it("refuses the identity unless allowed", () => {
    const z = encodePoint(IDENTITY);
    expect(() => decodePoint(z, "alpha")).toThrow(/alpha: identity/);
    expect(decodePoint(z, "alpha", { allowIdentity: true }).is0()).toBe(true);
  });
  it("refuses non-canonical and invalid encodings", () => {
    // Field element p = 2^255 - 19 encodes 0 non-canonically; odd (negative) s are non-canonical too.
    const p = (1n << 255n) - 19n;
    expect(() => decodePoint(le(p), "h")).toThrow(CryptoDecodeError);
    expect(() => decodePoint(le(1n), "h")).toThrow(/h: invalid/);
    const base = encodePoint(G);
    const high = Uint8Array.from(base);
    high[31] = (high[31] ?? 0) | 0x80;
    expect(() => decodePoint(high, "h")).toThrow(CryptoDecodeError);
  });
});

describe("hashToScalar", () => {
  it("is domain-separated and length-prefixed", () => {
    const a = hashToScalar("A", [new Uint8Array([1, 2])]);
    expect(hashToScalar("B", [new Uint8Array([1, 2])])).not.toBe(a);
    expect(hashToScalar("A", [new Uint8Array([1]), new Uint8Array([2])])).not.toBe(a);
    expect(a < L).toBe(true);
  });
});
