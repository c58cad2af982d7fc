/** `npm run migrate -w relayer`: creates the database if missing and applies db/relayer/*.sql. */
import { runMigrateCommand } from "./boot/migrate.js";

await runMigrateCommand();
