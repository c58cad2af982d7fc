/**
 * The one version assertion over the Subsquid packages whose internals the indexer uses, and the
 * pins in package.json that keep it true.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { IndexerConfig } from "../config.js";
import { createProcessor } from "../processor.js";
import { assertSubsquidVersions, chainClient, INSTALLED_VERSIONS, PATCHED_VERSIONS, processorParts } from "./index.js";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>;
};

describe("assertSubsquidVersions", () => {
  test("the installed packages are the ones this module was written against", () => {
    expect(INSTALLED_VERSIONS).toEqual(PATCHED_VERSIONS);
    expect(() => assertSubsquidVersions()).not.toThrow();
  });

  test("package.json pins each patched package to that exact version", () => {
    for (const [name, version] of Object.entries(PATCHED_VERSIONS)) {
      expect({ name, pinned: manifest.dependencies[name] }).toEqual({ name, pinned: version });
    }
  });

  test("another version is refused, naming the package, the version expected and the one found", () => {
    const installed = { ...PATCHED_VERSIONS, "@subsquid/evm-processor": "1.29.0" };
    expect(() => assertSubsquidVersions(installed)).toThrow(
      /@subsquid\/evm-processor: expected 1\.27\.3, found 1\.29\.0/,
    );
    const { "@subsquid/rpc-client": _missing, ...withoutRpcClient } = PATCHED_VERSIONS;
    expect(() => assertSubsquidVersions(withoutRpcClient)).toThrow(
      /@subsquid\/rpc-client: expected 4\.14\.0, found none/,
    );
  });
});

describe("the processor's parts", () => {
  test("come from the processor's own getters, and the handler's client is the processor's", () => {
    // Nothing is asked of the node or the database: the processor is only configured.
    const config: IndexerConfig = {
      rpcUrl: "http://127.0.0.1:1",
      rpcRateLimit: undefined,
      rpcCapacity: 10,
      finalityConfirmation: 10,
      headPollMs: 100,
      gasFields: true,
      databaseUrl: "postgres://postgres@127.0.0.1:5432/unused",
      prometheusHost: "127.0.0.1",
      prometheusPort: 0,
      reorgRecovery: "stop",
      chainId: 31337,
      contractAddress: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      startBlock: 1,
      source: "environment",
    };
    const parts = processorParts(createProcessor(config));
    try {
      expect(typeof parts.source.getFinalizedBlocks).toBe("function");
      expect(typeof parts.source.polling).toBe("function");
      expect(parts.source.rpc.client).toBe(parts.rpc);
      expect(typeof parts.prometheus.registry.getMetricsAsArray).toBe("function");
      expect(chainClient({ _chain: parts.chain })).toBe(parts.rpc);
    } finally {
      parts.rpc.close();
    }
  });
});
