/** The migrate command: creates the database if missing, applies db/relayer/*.sql, returns what it did. */
import { loadConfig } from "../config.js";
import { migrate, redactUrl } from "../db/migrate.js";

export async function runMigrate(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const config = loadConfig(env);
  const result = await migrate(config.databaseUrl);
  const messages: string[] = [];
  if (result.createdDatabase) messages.push(`created database ${redactUrl(config.databaseUrl)}`);
  messages.push(result.applied.length ? `applied ${result.applied.join(", ")}` : "schema up to date");
  return messages;
}
