/** `npm run migrate -w relayer`: creates the database if missing and applies db/relayer/*.sql. */
import { loadConfig } from "./config.js";
import { migrate, redactUrl } from "./db/migrate.js";

try {
  const config = loadConfig();
  const result = await migrate(config.databaseUrl);
  if (result.createdDatabase) console.log(`created database ${redactUrl(config.databaseUrl)}`);
  console.log(result.applied.length ? `applied ${result.applied.join(", ")}` : "schema up to date");
} catch (error) {
  console.error(`migrate: ${(error as Error).message}`);
  process.exit(1);
}
