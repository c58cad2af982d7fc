import { decodeReceipt, encodeReceipt, InvalidInputError, parseRef } from "@veritally/contracts";
import { describe, expect, it } from "vitest";
import { plainError } from "./plain-errors.js";

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message;
  }
  throw new Error("expected an InvalidInputError");
}

describe("plain words for what cannot be read", () => {
  it("says what to do, without the decoder's terms", () => {
    const receipt = encodeReceipt(`0x${"ab".repeat(32)}`);
    const typo = `${receipt.slice(0, 5)}${receipt[5] === "A" ? "B" : "A"}${receipt.slice(6)}`;
    expect(
      plainError(
        "receipt",
        messageOf(() => decodeReceipt(typo)),
      ),
    ).toBe(
      "One character of your receipt is mistyped: its last character, a check, does not fit the others. Compare it character by character with what you were given.",
    );
    expect(
      plainError(
        "ref",
        messageOf(() => parseRef("0A1B-2C")),
      ),
    ).toMatch(/should have 27 .* this one has 6/);
    expect(
      plainError(
        "ref",
        messageOf(() => parseRef("0A1B-2C3D-4E5F-6G7H-8J9K-MNPQ-UUU")),
      ),
    ).toContain("The 25th character, “U”, cannot be in a reference");
    expect(
      plainError(
        "ref",
        messageOf(() => parseRef("0x12")),
      ),
    ).toContain("32 digits");
    for (const m of ["ref: something else", ""]) expect(plainError("ref", m)).not.toMatch(/ref:|expected/);
  });
});
