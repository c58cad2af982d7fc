/**
 * Starts Hardhat's node (the local chain) as a child process and waits until it answers.
 * Used by `./veritally start`, the tests of every part, and the benchmarks.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JsonRpcProvider } from "ethers";
import { RetryableError } from "./errors.js";

const contractsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// hardhat does not export its CLI path; it sits beside the package entry (dist/src/index.js).
const hardhatCli = path.join(path.dirname(createRequire(import.meta.url).resolve("hardhat")), "cli.js");

export interface LocalNodeOptions {
  /** 0 (default): one block per transaction; > 0: a block every so many ms; -1: only on evm_mine. */
  blockMs?: number;
  /** Genesis date (ISO); a fixed one makes a replayed chain reproduce the same hashes. */
  genesisDate?: string;
  /** Default: a free port. */
  port?: number;
  host?: string;
  /** Passed to the node's stdout/stderr; default: discarded. */
  onOutput?: (line: string) => void;
  startTimeoutMs?: number;
  /**
   * Run the node in its own process group, so that a Ctrl-C in the terminal reaches only the
   * parent, which then stops the chain last, after everything that uses it.
   */
  ownProcessGroup?: boolean;
}

export interface LocalNode {
  rpcUrl: string;
  port: number;
  process: ChildProcess;
  /** A provider with polling tuned for a local chain. */
  provider: JsonRpcProvider;
  stop(): Promise<void>;
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export async function rpcAnswers(rpcUrl: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startLocalNode(options: LocalNodeOptions = {}): Promise<LocalNode> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const rpcUrl = `http://${host}:${port}`;
  const child = spawn(process.execPath, [hardhatCli, "node", "--hostname", host, "--port", String(port)], {
    cwd: contractsRoot,
    env: {
      ...process.env,
      VERITALLY_BLOCK_MS: String(options.blockMs ?? 0),
      ...(options.genesisDate ? { VERITALLY_GENESIS_DATE: options.genesisDate } : {}),
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.ownProcessGroup ?? false,
  });
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

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await rpcAnswers(rpcUrl, 500))) {
    if (exited || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new RetryableError(
        "chain_start_failed",
        `Hardhat node did not start on ${rpcUrl}${exited ? " (it exited)" : " in time"}:\n${output.slice(-2000)}`,
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
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
