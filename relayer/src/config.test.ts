import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LOCAL_ACCOUNTS } from "@veritally/contracts";
import { describe, expect, it } from "vitest";
import { DEFAULT_DATABASE_URL, loadConfig, requireApiSecrets, resolveSigningKey } from "./config.js";

describe("configuration", () => {
  it("names the variable when a URL or a fee is malformed", () => {
    const refused = (env: Record<string, string>) => () => loadConfig(env);
    expect(refused({ RPC_URLS: "http://[bad" })).toThrow(/^RPC_URLS: "http:\/\/\[bad" is not a URL$/);
    expect(refused({ DATABASE_URL: "postgres://[bad" })).toThrow(/^DATABASE_URL: not a URL$/);
    expect(refused({ MAX_FEE_GWEI: "0" })).toThrow(/^MAX_FEE_GWEI: must be above 0$/);
    expect(refused({ MAX_FEE_GWEI: "1", MIN_PRIORITY_FEE_GWEI: "2" })).toThrow(
      /^MIN_PRIORITY_FEE_GWEI: above MAX_FEE_GWEI$/,
    );
  });

  it("has local defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: DEFAULT_DATABASE_URL,
      rpcUrls: ["http://127.0.0.1:8545"],
      host: "127.0.0.1",
      port: 8080,
      maxWaitMs: 1000,
    });
  });

  it.each([
    [{ PORT: "70000" }, /^invalid configuration: PORT: must be <= 65535$/],
    [{ PORT: "eighty" }, /PORT: must be integer/],
    [{ MAX_BATCH: "0" }, /MAX_BATCH: must be >= 1/],
    [{ RPC_URLS: "ftp://x" }, /RPC_URLS: "ftp:\/\/x" must be http or https/],
    [{ RPC_URLS: " , " }, /RPC_URLS: expected at least one URL/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL: must match pattern/],
    [{ REGISTRY_ADDRESS: "0x123" }, /REGISTRY_ADDRESS: expected a 20-byte hex address/],
    [{ REPLACEMENT_BUMP_PERCENT: "5" }, /REPLACEMENT_BUMP_PERCENT: must be >= 12.5/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ ADMIN_API_KEY_FILE: "/nonexistent/admin-key" }, /ADMIN_API_KEY_FILE: cannot read/],
  ])("refuses %j naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("reads secrets from files and requires them for the API, without showing them", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "relayer-config-"));
    writeFileSync(path.join(dir, "admin"), "an-admin-key-of-enough-length\n");
    const c = loadConfig({ ADMIN_API_KEY_FILE: path.join(dir, "admin"), VOTER_ID_SECRET: "short" });
    expect(c.secrets.adminApiKey).toBe("an-admin-key-of-enough-length");
    let message = "";
    try {
      requireApiSecrets(c);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe("VOTER_ID_SECRET: at least 32 characters");
    expect(message).not.toContain("short");
    expect(() => requireApiSecrets(loadConfig({}))).toThrow(/^ADMIN_API_KEY \(or ADMIN_API_KEY_FILE\): required/);
  });

  it("uses Hardhat's account #1 only on the local chain and never echoes a bad key", () => {
    expect(resolveSigningKey(loadConfig({}), 31337)).toEqual({
      privateKey: LOCAL_ACCOUNTS.relayer.privateKey,
      isLocalDefault: true,
    });
    expect(() => resolveSigningKey(loadConfig({}), 1)).toThrow(
      /RELAYER_PRIVATE_KEY \(or RELAYER_PRIVATE_KEY_FILE\): required on chain 1/,
    );
    const bad = "0xdeadbeefdeadbeef";
    expect(() => resolveSigningKey(loadConfig({ RELAYER_PRIVATE_KEY: bad }), 1)).toThrow(
      /^RELAYER_PRIVATE_KEY: expected 64 hex digits/,
    );
    try {
      resolveSigningKey(loadConfig({ RELAYER_PRIVATE_KEY: bad }), 1);
    } catch (error) {
      expect((error as Error).message).not.toContain("deadbeef");
    }
  });
});
