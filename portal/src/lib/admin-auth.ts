/**
 * /admin authentication: PORTAL_ADMIN_PASSWORD, checked from a login form (then a signed session
 * cookie) or from HTTP basic auth (for scripts). No session store: the cookie carries its expiry
 * and an HMAC keyed by the password, so changing the password ends every session.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "vt_admin";
export const SESSION_SECONDS = 12 * 3600;

export interface AdminAuth {
  checkPassword(given: string): boolean;
  /** `Authorization: Basic …` with any user name and the admin password. */
  checkBasic(header: string | null): boolean;
  newSession(): { value: string; maxAge: number };
  checkSession(value: string | undefined): boolean;
  /** Failed logins per client; true when this client must wait. */
  blocked(client: string): boolean;
  recordFailure(client: string): void;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

export function createAdminAuth(options: {
  password: string;
  now?: () => number;
  maxFailures?: number;
  windowMs?: number;
}): AdminAuth {
  const now = options.now ?? Date.now;
  const expected = digest(options.password);
  const key = createHmac("sha256", "veritally-portal-admin-session").update(options.password).digest();
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const failures = new Map<string, { count: number; since: number }>();

  const sign = (expires: number) => createHmac("sha256", key).update(`admin:${expires}`).digest("base64url");
  // Comparing digests of equal length keeps the comparison's time independent of the input.
  const checkPassword = (given: string) => timingSafeEqual(digest(given), expected);

  return {
    checkPassword,
    checkBasic(header) {
      const match = /^Basic ([A-Za-z0-9+/=]{1,1024})$/.exec(header ?? "");
      if (!match?.[1]) return false;
      const decoded = Buffer.from(match[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      return colon >= 0 && checkPassword(decoded.slice(colon + 1));
    },
    newSession() {
      const expires = Math.floor(now() / 1000) + SESSION_SECONDS;
      return { value: `${expires}.${sign(expires)}`, maxAge: SESSION_SECONDS };
    },
    checkSession(value) {
      const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
      if (!match?.[1] || !match[2]) return false;
      const expires = Number(match[1]);
      if (expires * 1000 <= now()) return false;
      const good = Buffer.from(sign(expires));
      const given = Buffer.from(match[2]);
      return good.length === given.length && timingSafeEqual(good, given);
    },
    blocked(client) {
      const f = failures.get(client);
      if (!f) return false;
      if (now() - f.since > windowMs) {
        failures.delete(client);
        return false;
      }
      return f.count >= maxFailures;
    },
    recordFailure(client) {
      const f = failures.get(client);
      if (!f || now() - f.since > windowMs) failures.set(client, { count: 1, since: now() });
      else f.count++;
      // Bounded: forget the oldest clients first.
      if (failures.size > 10_000) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
    },
  };
}
