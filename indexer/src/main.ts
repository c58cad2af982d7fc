/**
 * The indexer's entry point: `npm run process -w indexer` (bundled, see build.ts) or
 * `npm run process:dev -w indexer` runs the processor (runner.ts) with the batch handler
 * (handler.ts). Others import the handler from here or from handler.ts.
 */
import { pathToFileURL } from "node:url";
import { createBatchHandler } from "./handler.js";

export { createBatchHandler, type HandlerOptions, STATUS_ID } from "./handler.js";

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { runIndexerCli } = await import("./runner.js");
  process.exit(await runIndexerCli(createBatchHandler));
}
