import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InvalidInputError } from "@veritally/contracts";
import { describe, expect, it } from "vitest";
import { DEFAULT_INDEXER_DATABASE_URL, loadConfig } from "./config.js";

describe("configuration", () => {
  it("has local defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      indexerDatabaseUrl: DEFAULT_INDEXER_DATABASE_URL,
      relayerAuditDatabaseUrl: undefined,
      adminPassword: undefined,
      chainId: undefined,
      explorerUrl: undefined,
      cache: { maxAgeSeconds: 5, staleWhileRevalidateSeconds: 30, enabled: true },
      pendingGraceSeconds: 900,
      crossCheckMinIntervalSeconds: 5,
    });
  });

  it("reads every variable, secrets also from files", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "portal-config-"));
    try {
      writeFileSync(path.join(dir, "password"), "from-a-file-password\n");
      const c = loadConfig({
        INDEXER_DATABASE_URL: "postgres://reader@db:5432/indexer",
        RELAYER_AUDIT_DATABASE_URL: "postgresql://portal:pw@db/relayer",
        RELAYER_URL: "http://127.0.0.1:3000/",
        RELAYER_ADMIN_KEY: "key",
        PORTAL_ADMIN_PASSWORD_FILE: path.join(dir, "password"),
        CHAIN_ID: "8453",
        REGISTRY_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        EXPLORER_URL: "https://basescan.org/",
        CACHE_MAX_AGE_SECONDS: "2",
        CACHE_STALE_SECONDS: "10",
        PORTAL_CACHE: "off",
        CROSS_CHECK_PENDING_GRACE_SECONDS: "60",
        CROSS_CHECK_MIN_INTERVAL_SECONDS: "0",
        DB_STATEMENT_TIMEOUT_MS: "5000",
      });
      expect(c).toMatchObject({
        indexerDatabaseUrl: "postgres://reader@db:5432/indexer",
        relayerAuditDatabaseUrl: "postgresql://portal:pw@db/relayer",
        relayerUrl: "http://127.0.0.1:3000",
        relayerAdminKey: "key",
        adminPassword: "from-a-file-password",
        chainId: 8453,
        registryAddress: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        explorerUrl: "https://basescan.org",
        cache: { maxAgeSeconds: 2, staleWhileRevalidateSeconds: 10, enabled: false },
        pendingGraceSeconds: 60,
        crossCheckMinIntervalSeconds: 0,
        statementTimeoutMs: 5000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses malformed values, naming the variable", () => {
    const cases: [Record<string, string>, string][] = [
      [{ INDEXER_DATABASE_URL: "not a url" }, "INDEXER_DATABASE_URL"],
      [{ INDEXER_DATABASE_URL: "mysql://db/x" }, "INDEXER_DATABASE_URL"],
      [{ RELAYER_AUDIT_DATABASE_URL: "postgres://db" }, "RELAYER_AUDIT_DATABASE_URL"],
      [{ RELAYER_URL: "ftp://relayer" }, "RELAYER_URL"],
      [{ EXPLORER_URL: "::" }, "EXPLORER_URL"],
      [{ PORTAL_ADMIN_PASSWORD: "short" }, "PORTAL_ADMIN_PASSWORD"],
      [{ CHAIN_ID: "0" }, "CHAIN_ID"],
      [{ CHAIN_ID: "mainnet" }, "CHAIN_ID"],
      [{ REGISTRY_ADDRESS: "0x1234" }, "REGISTRY_ADDRESS"],
      [{ CACHE_MAX_AGE_SECONDS: "-1" }, "CACHE_MAX_AGE_SECONDS"],
      [{ DB_STATEMENT_TIMEOUT_MS: "10" }, "DB_STATEMENT_TIMEOUT_MS"],
    ];
    for (const [env, field] of cases) {
      let error: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        error = e;
      }
      expect(error, field).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
  });
});
