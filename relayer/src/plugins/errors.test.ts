import { describe, expect, it } from "vitest";
import { isUnavailable } from "./errors.js";

describe("isUnavailable", () => {
  it("recognises a database or network that is down, and nothing else", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "57P01", "57P03", "08006", "08001", "53300"]) {
      expect(isUnavailable(Object.assign(new Error("x"), { code })), code).toBe(true);
    }
    expect(isUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isUnavailable(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isUnavailable(new Error("boom"))).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
  });
});
