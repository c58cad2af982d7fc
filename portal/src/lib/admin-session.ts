/** The process's admin authentication, from PORTAL_ADMIN_PASSWORD; undefined when /admin is off. */
import { type AdminAuth, createAdminAuth } from "./admin-auth.js";
import { config } from "./config.js";

let auth: AdminAuth | null | undefined;

export function adminAuth(): AdminAuth | undefined {
  if (auth === undefined) {
    const password = config().adminPassword;
    auth = password ? createAdminAuth({ password }) : null;
  }
  return auth ?? undefined;
}
