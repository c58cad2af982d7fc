/**
 * `npm run setup:audit-role -w portal`: creates (or updates) the portal's login role on the
 * relayer's database server, a member of veritally_audit_reader and nothing more, and prints the
 * RELAYER_AUDIT_DATABASE_URL to give the portal (password masked; it is the one you chose).
 *
 *   RELAYER_DATABASE_URL       an administrator's URL of the relayer database (default local)
 *   PORTAL_AUDIT_ROLE          login role name (default veritally_portal)
 *   PORTAL_AUDIT_PASSWORD      its password (or PORTAL_AUDIT_PASSWORD_FILE); required
 */
import { readSecret } from "@veritally/contracts/secrets";
import { ensureAuditLogin } from "../src/lib/audit-role.js";
import { redactUrl } from "../src/lib/db.js";

const adminUrl = readSecret("RELAYER_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/veritally_relayer";
const role = process.env.PORTAL_AUDIT_ROLE ?? "veritally_portal";
const password = readSecret("PORTAL_AUDIT_PASSWORD");

if (!password || password.length < 12) {
  console.error("setup:audit-role: set PORTAL_AUDIT_PASSWORD (or PORTAL_AUDIT_PASSWORD_FILE), at least 12 characters");
  process.exit(2);
}
try {
  const url = await ensureAuditLogin({ adminUrl, role, password });
  console.log(`role ${role} is a member of veritally_audit_reader on ${redactUrl(adminUrl)}`);
  console.log(`RELAYER_AUDIT_DATABASE_URL=${redactUrl(url)}`);
} catch (error) {
  console.error(`setup:audit-role: ${(error as Error).message}`);
  process.exit(1);
}
