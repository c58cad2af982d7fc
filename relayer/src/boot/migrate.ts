/** The migrate command: creates the database if missing, applies relayer/db/migrations/*.sql, returns what it did. */
import { loadConfig } from "../config.js";
import { migrate, redactUrl } from "../db/migrate.js";
import type { ProcessIo } from "./process.js";

export async function runMigrate(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const config = loadConfig(env);
  const result = await migrate(config.databaseUrl);
  const messages: string[] = [];
  if (result.createdDatabase) messages.push(`created database ${redactUrl(config.databaseUrl)}`);
  messages.push(result.applied.length ? `applied ${result.applied.join(", ")}` : "schema up to date");
  return messages;
}

/** `npm run migrate -w relayer` (src/migrate.ts): prints what it did; exits 1 with the message on failure. */
export async function runMigrateCommand(
  options: Pick<ProcessIo, "exit"> & {
    env?: NodeJS.ProcessEnv;
    print?: (line: string) => void;
    error?: (line: string) => void;
  } = {},
): Promise<void> {
  try {
    for (const message of await runMigrate(options.env)) (options.print ?? console.log)(message);
  } catch (error) {
    (options.error ?? console.error)(`migrate: ${(error as Error).message}`);
    (options.exit ?? process.exit)(1);
  }
}
