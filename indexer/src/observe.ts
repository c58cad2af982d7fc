/**
 * `npm run observe -w indexer`: the processor and the GraphQL server side by side, for an
 * observer (or a developer). Configuration from the environment, as for each alone: RPC_URL,
 * CONTRACT_ADDRESS, START_BLOCK, DB_URL, GQL_PORT, ... (README.md). The processor is restarted
 * after an error, not after it stopped on a deep reorg (exit 3): that needs a person, and the
 * GraphQL server stays up to show the error in indexerStatus.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { indexerProcesses, type ProcessSpec } from "./launch.js";

const children = new Map<string, ChildProcess>();
let stopping = false;

function start(spec: ProcessSpec, attempt = 0): void {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: process.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.set(spec.name, child);
  const startedAt = Date.now();
  child.once("exit", (code, signal) => {
    children.delete(spec.name);
    if (stopping) return;
    const meaning = code !== null ? (spec.exitCodes[code] ?? `exit code ${code}`) : `signal ${signal}`;
    if (spec.name === "indexer-processor" && code === 3) {
      console.error(`observe: the processor ${meaning}; the GraphQL server keeps serving. See the message above.`);
      return;
    }
    if (code === 0 && spec.name === "indexer-processor") return;
    const next = Date.now() - startedAt > 60_000 ? 0 : attempt + 1;
    const delay = Math.min(30_000, 500 * 2 ** next);
    console.error(`observe: ${spec.name} stopped (${meaning}); starting it again in ${delay} ms`);
    setTimeout(() => start(spec, next), delay).unref();
  });
}

function stop(): void {
  stopping = true;
  for (const child of children.values()) child.kill("SIGTERM");
  setTimeout(() => {
    for (const child of children.values()) child.kill("SIGKILL");
    process.exit(0);
  }, 5000).unref();
  if (children.size === 0) process.exit(0);
  for (const child of children.values()) child.once("exit", () => children.size === 0 && process.exit(0));
}

process.once("SIGINT", stop);
process.once("SIGTERM", stop);
for (const spec of indexerProcesses()) start(spec);
