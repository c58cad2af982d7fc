import { describe, expect, it } from "vitest";
import { redactUrl } from "./redact.js";

describe("redactUrl", () => {
  it("masks the password and keeps the rest", () => {
    expect(redactUrl("postgres://me:s3cret@db.internal:6543/obs")).toBe("postgres://me:***@db.internal:6543/obs");
    expect(redactUrl("postgres://me@db.internal/obs")).toBe("postgres://me@db.internal/obs");
  });

  it("echoes nothing of a string it cannot parse", () => {
    expect(redactUrl("//me:s3cret@db.internal/obs")).toBe("(unparseable URL)");
  });
});
