import { encodeRef, InvalidInputError } from "@veritally/contracts";
import { describe, expect, it } from "vitest";
import { refRangeOf } from "./ref-search.js";

describe("searching references by their first characters", () => {
  it("finds the ref whose human form starts as typed, and not its neighbours", () => {
    const refs = ["0x0123456789abcdef0123456789abcdef", "0xfedcba9876543210fedcba9876543210", `0x${"00".repeat(16)}`];
    for (const ref of refs) {
      for (const length of [1, 4, 7, 12, 27]) {
        const typed = encodeRef(ref).slice(0, length).toLowerCase();
        const { from, to } = refRangeOf(typed);
        expect(from <= ref && ref <= to, `${typed} ${from} ${to}`).toBe(true);
      }
    }
    const { from, to } = refRangeOf(encodeRef(refs[0] as string).slice(0, 9));
    expect((refs[1] as string) >= from && (refs[1] as string) <= to).toBe(false);
  });

  it("takes a hex prefix after 0x", () => {
    expect(refRangeOf("0xAB")).toEqual({ from: `0xab${"0".repeat(30)}`, to: `0xab${"f".repeat(30)}` });
  });

  it("names the search field and the character that cannot be in a reference", () => {
    const error = (() => {
      try {
        refRangeOf("0A-U");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toMatch(/search.*character 3 \('U'\)/);
    expect(() => refRangeOf("0xzz")).toThrow(/search/);
    expect(() => refRangeOf("9")).toThrow(/first character is 0 to 7/);
  });
});
