/**
 * API keys: `vt_<keyId>_<secret>`. Only sha256 of the whole key is stored; a presented key is
 * found by its public keyId and compared by hash in constant time. A process trusts a lookup for
 * API_KEY_CACHE_MS, so a revoked key stops working within that time everywhere (at once in the
 * process that revoked it).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/pool.js";
import type { VoterIdCase } from "./voter-id.js";

export interface ClientPrincipal {
  clientId: string;
  clientName: string;
  keyId: string;
  rateLimitPerMinute: number | null;
  /** The client's own voter-id case policy; null: VOTER_ID_CASE. */
  voterIdCase: VoterIdCase | null;
}

const KEY_PATTERN = /^vt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const sha256 = (text: string | Buffer): Buffer => createHash("sha256").update(text).digest();

/** Constant-time equality of two secrets of any length (compares their hashes). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

export function newApiKey(): { key: string; keyId: string; keyHash: Buffer } {
  const keyId = randomBytes(8).toString("hex");
  const key = `vt_${keyId}_${randomBytes(32).toString("base64url")}`;
  return { key, keyId, keyHash: sha256(key) };
}

export interface ApiKeyVerifier {
  verify(presented: string): Promise<ClientPrincipal | null>;
  forget(keyId?: string): void;
}

/** `now` is the clock (ms) of the cache's expiry; tests pass their own. */
export function createApiKeyVerifier(
  db: Db,
  cacheMs: number,
  maxEntries = 10_000,
  now: () => number = Date.now,
): ApiKeyVerifier {
  const cache = new Map<string, { principal: ClientPrincipal; expires: number }>();
  return {
    async verify(presented) {
      const match = KEY_PATTERN.exec(presented);
      if (!match) return null;
      const keyId = match[1] as string;
      // The cache is keyed by the exact key string: a hit needs no hashing. Only keys that
      // matched a stored hash are ever cached.
      const cacheKey = presented;
      const hit = cache.get(cacheKey);
      if (hit && hit.expires > now()) return hit.principal;
      const presentedHash = sha256(presented);
      const { rows } = await db.query<{
        key_hash: Buffer;
        client_id: string;
        name: string;
        rate_limit_per_minute: number | null;
        voter_id_case: VoterIdCase | null;
      }>(
        `select k.key_hash, c.id as client_id, c.name, c.rate_limit_per_minute, c.voter_id_case
           from api_keys k join clients c on c.id = k.client_id
          where k.key_id = $1 and k.revoked_at is null and c.disabled_at is null`,
        [keyId],
      );
      const row = rows[0];
      // Compare even when no row was found, so timing does not tell whether a keyId exists.
      const stored = row?.key_hash ?? Buffer.alloc(32);
      const equal = timingSafeEqual(stored, presentedHash);
      if (!row || !equal) {
        cache.delete(cacheKey);
        return null;
      }
      const principal: ClientPrincipal = {
        clientId: row.client_id,
        clientName: row.name,
        keyId,
        rateLimitPerMinute: row.rate_limit_per_minute,
        voterIdCase: row.voter_id_case,
      };
      if (cacheMs > 0) {
        if (cache.size >= maxEntries) cache.clear();
        cache.set(cacheKey, { principal, expires: now() + cacheMs });
      }
      return principal;
    },
    forget(keyId) {
      if (keyId === undefined) cache.clear();
      else for (const [k, v] of cache) if (v.principal.keyId === keyId) cache.delete(k);
    },
  };
}
