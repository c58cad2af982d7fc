import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./errors.js";
import { decodeReceipt, decodeRef, encodeReceipt, encodeRef, newReceiptSecret, newRef, parseRef } from "./ref.js";
import { voteHashVectors } from "./vectors.js";

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString("hex")}`;

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error("expected an InvalidInputError");
}

describe("ref encoding", () => {
  it("matches the committed vectors in both directions", () => {
    for (const v of voteHashVectors) {
      expect(encodeRef(v.ref)).toBe(v.refText);
      expect(decodeRef(v.refText)).toBe(v.ref.toLowerCase());
      expect(encodeReceipt(v.receiptSecret)).toBe(v.receiptText);
      expect(decodeReceipt(v.receiptText)).toBe(v.receiptSecret.toLowerCase());
    }
  });

  it("round-trips any 16 or 32 bytes, case-insensitively and without hyphens", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = encodeRef(hex(bytes));
        expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{1,4}){6}$/);
        expect(decodeRef(text)).toBe(hex(bytes));
        expect(decodeRef(text.toLowerCase())).toBe(hex(bytes));
        expect(decodeRef(text.replaceAll("-", ""))).toBe(hex(bytes));
        expect(decodeRef(` ${text.replaceAll("-", " ")} `)).toBe(hex(bytes));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(decodeReceipt(encodeReceipt(hex(bytes)))).toBe(hex(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it("reads the letters people confuse (O as 0, I and L as 1)", () => {
    const text = encodeRef(`0x${"00".repeat(15)}01`);
    expect(text).toBe("0000-0000-0000-0000-0000-0000-01Y");
    expect(decodeRef("oooo-oooo-oooo-oooo-oooo-oooo-oiy")).toBe(`0x${"00".repeat(15)}01`);
    expect(decodeRef("OOOO-OOOO-OOOO-OOOO-OOOO-OOOO-OLY")).toBe(`0x${"00".repeat(15)}01`);
  });

  it("detects every single-character substitution and every adjacent swap but 0Z/Z0", () => {
    const text = encodeRef(newRef()).replaceAll("-", "");
    const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    for (let i = 0; i < text.length; i++) {
      for (const c of alphabet) {
        if (c === text[i]) continue;
        const typo = text.slice(0, i) + c + text.slice(i + 1);
        expect(() => decodeRef(typo), `substitution at ${i}`).toThrow(InvalidInputError);
      }
      // Luhn mod 32's one blind spot, as 09/90 is Luhn mod 10's: 0 and Z (0 and 31) swapped.
      const blindSpot = (text[i] === "0" && text[i + 1] === "Z") || (text[i] === "Z" && text[i + 1] === "0");
      if (i + 1 < text.length && text[i] !== text[i + 1] && !blindSpot) {
        const swapped = text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
        expect(() => decodeRef(swapped), `swap at ${i}`).toThrow(InvalidInputError);
      }
    }
  });

  it("explains what is wrong", () => {
    expect(errorOf(() => decodeRef("ABC")).message).toMatch(/ref: expected 27 characters/);
    expect(errorOf(() => decodeRef("0000-0000-0000-0000-0000-0000-0U0")).message).toMatch(
      /\('U'\) is not in the alphabet/,
    );
    expect(errorOf(() => decodeRef("0000-0000-0000-0000-0000-0000-011")).message).toMatch(/check character/);
    expect(errorOf(() => encodeRef("0x12")).field).toBe("ref");
  });

  it("refuses a value wider than 128 bits", () => {
    // 27 characters carry 130 bits; a leading digit of 4 or more sets bit 128 or 129.
    const digits = "Z0000000000000000000000000";
    const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    // Compute the valid check character so only the width is wrong.
    let sum = 0;
    let double = true;
    for (let i = digits.length - 1; i >= 0; i--) {
      let a = alphabet.indexOf(digits[i] as string);
      if (double) {
        a *= 2;
        a = Math.floor(a / 32) + (a % 32);
      }
      sum += a;
      double = !double;
    }
    const check = alphabet[(32 - (sum % 32)) % 32];
    expect(errorOf(() => decodeRef(digits + check)).message).toMatch(/too large/);
  });

  it("parseRef accepts hex or the human form", () => {
    const ref = newRef();
    expect(parseRef(ref.toUpperCase().replace("0X", "0x"))).toBe(ref);
    expect(parseRef(encodeRef(ref))).toBe(ref);
    expect(newReceiptSecret()).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("parseRef reads a human form that begins with 0X as the human form, not as hex", () => {
    const ref = "0x1d650c7c99c0cd8456d1fbc23e1b814b";
    expect(encodeRef(ref)).toBe("0XCM-67S6-E0SP-25DM-FVR8-Z1Q0-ABV");
    expect(parseRef("0XCM-67S6-E0SP-25DM-FVR8-Z1Q0-ABV")).toBe(ref);
    expect(parseRef("0xcm67s6e0sp25dmfvr8z1q0abv")).toBe(ref);
    expect(() => parseRef("0x1234")).toThrow(/expected 0x and 32 hex digits/);
  });
});
