/**
 * Starts anvil (Foundry's node, from the pinned npm package @foundry-rs/anvil-linux-amd64, a
 * devDependency of this workspace: nothing is downloaded at run time) on a free loopback port and
 * waits until it answers. The same accounts as the Hardhat node (anvil's default mnemonic is
 * Hardhat's), so LOCAL_ACCOUNTS work on both.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { RetryableError } from "./errors.js";
import { freePort, type LocalNode, rpcAnswers } from "./local-node.js";

export const ANVIL_PACKAGE = "@foundry-rs/anvil-linux-amd64";

export interface AnvilOptions {
  /** 0 (default): automine, one block per transaction; > 0: a block every so many seconds. */
  blockTime?: number;
  /** Default 31337, the local chain id the relayer knows. */
  chainId?: number;
  /**
   * anvil's `finalized` block is head - 2 × slots per epoch (default 32, so 64 blocks deep);
   * a small value makes finality reachable in a test.
   */
  slotsInAnEpoch?: number;
  /**
   * Keep the chain in this file: loaded at start when present, written on a clean stop (SIGTERM)
   * and every `stateIntervalSeconds`. Blocks, receipts and logs come back as they were.
   */
  stateFile?: string;
  stateIntervalSeconds?: number;
  /** Its own process group, so a Ctrl-C to the terminal reaches the parent only (see local-node.ts). */
  ownProcessGroup?: boolean;
  port?: number;
  host?: string;
  onOutput?: (line: string) => void;
  startTimeoutMs?: number;
}

/** The anvil binary of the pinned npm package, or a clear error saying how to get it. */
export function anvilBinary(): string {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new RetryableError(
      "anvil_unavailable",
      `anvil: the project pins ${ANVIL_PACKAGE} (Linux x64 only); this is ${process.platform}/${process.arch}`,
    );
  }
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${ANVIL_PACKAGE}/package.json`);
  } catch {
    throw new RetryableError(
      "anvil_unavailable",
      `anvil: ${ANVIL_PACKAGE} is not installed: run \`./veritally setup\` (or \`npm install\`)`,
    );
  }
  const binary = path.join(path.dirname(packageJson), "bin", "anvil");
  if (!existsSync(binary)) {
    throw new RetryableError("anvil_unavailable", `anvil: ${binary} is missing: reinstall ${ANVIL_PACKAGE}`);
  }
  return binary;
}

export async function startAnvilNode(options: AnvilOptions = {}): Promise<LocalNode> {
  const binary = anvilBinary();
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const rpcUrl = `http://${host}:${port}`;
  const args = ["--host", host, "--port", String(port), "--chain-id", String(options.chainId ?? 31337)];
  if ((options.blockTime ?? 0) > 0) args.push("--block-time", String(options.blockTime));
  if (options.slotsInAnEpoch !== undefined) args.push("--slots-in-an-epoch", String(options.slotsInAnEpoch));
  if (options.stateFile) {
    args.push("--state", options.stateFile);
    if (options.stateIntervalSeconds) args.push("--state-interval", String(options.stateIntervalSeconds));
  }
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], detached: options.ownProcessGroup ?? false });
  let output = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    if (output.length < 20_000) output += text;
    if (options.onOutput) for (const line of text.split("\n")) if (line) options.onOutput(line);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  child.on("error", (error) => {
    exited = true;
    output += String(error);
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await rpcAnswers(rpcUrl, 500))) {
    if (exited || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new RetryableError(
        "chain_start_failed",
        `anvil did not start on ${rpcUrl}${exited ? " (it exited)" : " in time"}:\n${output.slice(-2000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // No answer cache: ethers keeps answers 250 ms, and a block read just before a revert or reorg
  // would be served again after it (a test saw its own transaction 'replaced' by a reverted one).
  const provider = new JsonRpcProvider(rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval: 100,
    cacheTimeout: -1,
  });
  return {
    rpcUrl,
    port,
    process: child,
    provider,
    async stop() {
      provider.destroy();
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      // Writing a long chain to its state file takes seconds: never cut it short.
      const timer = setTimeout(() => child.kill("SIGKILL"), options.stateFile ? 60_000 : 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
