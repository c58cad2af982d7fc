import fc from "fast-check";
import { expect, test } from "vitest";
import { checkPrefix, createSeenValues } from "./seen.js";

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString("hex")}`;

test("a value is a candidate exactly when a value with the same 52-bit prefix came before", () => {
  fc.assert(
    fc.property(
      // Few distinct prefixes, so that shared high bits, shared prefixes and exact repeats all occur.
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: 0, max: 3 }),
          fc.uint8Array({ minLength: 9, maxLength: 9 }),
        ),
        {
          maxLength: 60,
        },
      ),
      (specs) => {
        const prefixes = new Map<number, number | number[]>();
        const seen = new Set<string>();
        for (const [high, low, rest] of specs) {
          const value = `0x${high.toString(16).padStart(7, "0")}${low.toString(16).padStart(6, "0")}${hex(rest).slice(2)}`;
          const prefix = value.slice(0, 15);
          expect(checkPrefix(prefixes, value)).toBe(seen.has(prefix));
          seen.add(prefix);
        }
      },
    ),
  );
});

test("values loaded for an election make its later values candidates; other elections are apart", () => {
  const seen = createSeenValues();
  const ref = `0x${"ab".repeat(16)}`;
  const hash = `0x${"cd".repeat(32)}`;
  expect(seen.needsLoading("1")).toBe(true);
  seen.load("1", [ref], [hash]);
  seen.markEmpty("2");
  expect(seen.needsLoading("1")).toBe(false);
  expect(seen.needsLoading("2")).toBe(false);
  expect(seen.checkRef("1", ref)).toBe(true);
  expect(seen.checkHash("1", hash)).toBe(true);
  expect(seen.checkRef("2", ref)).toBe(false);
  expect(seen.checkRef("2", ref)).toBe(true);
  expect(seen.checkHash("1", `0x${"cd".repeat(5)}ce${"cd".repeat(26)}`)).toBe(false);
});
