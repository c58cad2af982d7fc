/**
 * `npm run observe -w indexer`: the processor and the GraphQL server side by side, for an
 * observer (or a developer). Configuration from the environment, as for each alone: RPC_URL,
 * CONTRACT_ADDRESS, START_BLOCK, DB_URL, GQL_PORT, ... (README.md). The processor is restarted
 * after an error, not after it stopped on a deep reorg (exit 3): that needs a person, and the
 * GraphQL server stays up to show the error in indexerStatus.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { backoffDelay } from "@veritally/contracts";
import { indexerProcesses, type ProcessSpec, prepareIndexer } from "./launch.js";

export interface Observer {
  /** Lines the observer itself says (restarts, stops), also written to stderr. */
  notes: string[];
  /** The running child processes by name. */
  children: Map<string, ChildProcess>;
  stop(): Promise<void>;
}

export async function startObserver(
  env: NodeJS.ProcessEnv = process.env,
  stdio: "inherit" | "ignore" = "inherit",
  restartBaseMs = 500,
): Promise<Observer> {
  await prepareIndexer();
  const children = new Map<string, ChildProcess>();
  const notes: string[] = [];
  let stopping = false;
  const note = (line: string) => {
    notes.push(line);
    console.error(`observe: ${line}`);
  };

  const start = (spec: ProcessSpec, attempt = 0): void => {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env, stdio: ["ignore", stdio, stdio] });
    children.set(spec.name, child);
    const startedAt = Date.now();
    child.once("exit", (code, signal) => {
      children.delete(spec.name);
      if (stopping) return;
      const meaning = code !== null ? (spec.exitCodes[code] ?? `exit code ${code}`) : `signal ${signal}`;
      if (spec.name === "indexer-processor" && code === 3) {
        note(`the processor ${meaning}; the GraphQL server keeps serving. See the message above.`);
        return;
      }
      const next = Date.now() - startedAt > 60_000 ? 0 : attempt + 1;
      const delay = backoffDelay({ baseMs: restartBaseMs, maxMs: 30_000 }, next);
      note(`${spec.name} stopped (${meaning}); starting it again in ${delay} ms`);
      setTimeout(() => {
        if (!stopping) start(spec, next);
      }, delay).unref();
    });
  };
  for (const spec of indexerProcesses()) start(spec);

  return {
    notes,
    children,
    async stop() {
      stopping = true;
      const exits = [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 5000).unref();
          }),
      );
      await Promise.all(exits);
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const observer = await startObserver();
  const stop = () => {
    observer.stop().finally(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
