/** `npm run migrate -w relayer`: creates the database if missing and applies db/relayer/*.sql. */
import { runMigrate } from "./boot/migrate.js";

try {
  for (const message of await runMigrate(process.env)) console.log(message);
} catch (error) {
  console.error(`migrate: ${(error as Error).message}`);
  process.exit(1);
}
