import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BIDI_MARK, neutraliseBidi } from "./display-text.js";

describe("neutraliseBidi", () => {
  it.each([
    ["right-to-left override", "\u202EseY", `${BIDI_MARK}seY`],
    ["isolates", "a\u2067b\u2069c", `a${BIDI_MARK}b${BIDI_MARK}c`],
    ["marks", "\u200Fx\u200E", `${BIDI_MARK}x${BIDI_MARK}`],
    ["plain text unchanged", "Library – Bibliothèque – مكتبة", "Library – Bibliothèque – مكتبة"],
  ])("%s", (_name, given, shown) => {
    expect(neutraliseBidi(given)).toBe(shown);
  });

  it("leaves no bidirectional control and keeps the length", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const out = neutraliseBidi(s);
        expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/);
        expect(out.length).toBe(s.length);
      }),
    );
  });
});
