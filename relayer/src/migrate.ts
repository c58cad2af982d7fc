/** `npm run migrate -w relayer`: creates the database if missing and applies relayer/db/migrations/*.sql. */
import { runMigrateCommand } from "./boot/migrate.js";

await runMigrateCommand();
