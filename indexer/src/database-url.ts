/**
 * Where the indexer's database is: DB_URL (or DB_URL_FILE), else the DB_* variables Subsquid's
 * tools use, else the local default. Passwords may come from files (DB_PASS_FILE).
 */
import { InvalidInputError, redactUrl } from "@veritally/contracts";
import { readSecret } from "@veritally/contracts/secrets";

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/veritally_indexer";

export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = readSecret("DB_URL", env);
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidInputError("DB_URL", "not a URL (expected postgres://user@host:port/database)");
    }
    if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
      throw new InvalidInputError("DB_URL", "expected a postgres:// or postgresql:// URL");
    }
    if (parsed.pathname.length <= 1) throw new InvalidInputError("DB_URL", "names no database");
    return url;
  }
  const parts = ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASS"];
  if (!parts.some((name) => env[name] || env[`${name}_FILE`])) return DEFAULT_DATABASE_URL;
  const port = env.DB_PORT ?? "5432";
  if (!/^\d{1,5}$/.test(port)) throw new InvalidInputError("DB_PORT", "expected a port number");
  const result = new URL("postgres://127.0.0.1");
  result.hostname = env.DB_HOST ?? "127.0.0.1";
  result.port = port;
  result.username = env.DB_USER ?? "postgres";
  const password = readSecret("DB_PASS", env);
  if (password) result.password = password;
  result.pathname = `/${env.DB_NAME ?? "veritally_indexer"}`;
  return result.toString();
}

// One rule for every service, from the shared module.
export { redactUrl };

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
