import { describe, expect, it } from "vitest";
import { createAdminAuth } from "./admin-auth.js";

const PASSWORD = "a-long-admin-password";
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("admin authentication", () => {
  it("checks the password from a form or from basic auth", () => {
    const auth = createAdminAuth({ password: PASSWORD });
    expect(auth.checkPassword(PASSWORD)).toBe(true);
    expect(auth.checkPassword(`${PASSWORD}x`)).toBe(false);
    expect(auth.checkBasic(basic("ops", PASSWORD))).toBe(true);
    expect(auth.checkBasic(basic("ops", "nope"))).toBe(false);
    expect(auth.checkBasic(`Basic ${Buffer.from("no-colon").toString("base64")}`)).toBe(false);
    expect(auth.checkBasic("Bearer x")).toBe(false);
    expect(auth.checkBasic(null)).toBe(false);
  });

  it("issues sessions that expire and cannot be forged or carried to another password", () => {
    let now = 1_000_000_000_000;
    const auth = createAdminAuth({ password: PASSWORD, now: () => now });
    const session = auth.newSession();
    expect(auth.checkSession(session.value)).toBe(true);
    const [expires, mac] = session.value.split(".");
    expect(auth.checkSession(`${Number(expires) + 3600}.${mac}`)).toBe(false);
    expect(auth.checkSession(`${expires}.${"A".repeat(43)}`)).toBe(false);
    expect(auth.checkSession("garbage")).toBe(false);
    expect(auth.checkSession(undefined)).toBe(false);
    expect(createAdminAuth({ password: "another-password!", now: () => now }).checkSession(session.value)).toBe(false);
    now += session.maxAge * 1000 + 1;
    expect(auth.checkSession(session.value)).toBe(false);
  });

  it("makes a client wait after too many wrong passwords, for a while", () => {
    let now = 0;
    const auth = createAdminAuth({ password: PASSWORD, now: () => now, maxFailures: 3, windowMs: 1000 });
    expect(auth.blocked("10.0.0.1")).toBe(false);
    for (let i = 0; i < 3; i++) auth.recordFailure("10.0.0.1");
    expect(auth.blocked("10.0.0.1")).toBe(true);
    expect(auth.blocked("10.0.0.2")).toBe(false);
    now = 1001;
    expect(auth.blocked("10.0.0.1")).toBe(false);
    auth.recordFailure("10.0.0.1");
    expect(auth.blocked("10.0.0.1")).toBe(false);
  });
});
