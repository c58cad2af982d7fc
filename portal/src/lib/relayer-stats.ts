/**
 * The relayer's GET /v1/admin/stats (RELAYER_URL, bearer RELAYER_ADMIN_KEY), for /admin. The
 * shape is the relayer's own type; a failure is a reason to show, never an exception.
 */
import type { RelayerStats } from "@veritally/relayer/stats";

export type { RelayerStats };

export type StatsResult = { ok: true; stats: RelayerStats } | { ok: false; reason: string };

export async function fetchRelayerStats(options: {
  url: string | undefined;
  adminKey: string | undefined;
  timeoutMs?: number;
}): Promise<StatsResult> {
  if (!options.url) return { ok: false, reason: "RELAYER_URL is not set" };
  if (!options.adminKey) return { ok: false, reason: "RELAYER_ADMIN_KEY (or RELAYER_ADMIN_KEY_FILE) is not set" };
  let response: Response;
  try {
    response = await fetch(`${options.url}/v1/admin/stats`, {
      headers: { authorization: `Bearer ${options.adminKey}`, accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { ok: false, reason: `the relayer at ${options.url} did not answer (${cause})` };
  }
  if (!response.ok) {
    return {
      ok: false,
      reason:
        response.status === 401 || response.status === 403
          ? `the relayer refused RELAYER_ADMIN_KEY (HTTP ${response.status})`
          : `the relayer answered HTTP ${response.status}`,
    };
  }
  try {
    const stats = (await response.json()) as RelayerStats;
    if (typeof stats?.queue?.depth !== "number")
      return { ok: false, reason: "the relayer's stats have an unknown shape" };
    return { ok: true, stats };
  } catch {
    return { ok: false, reason: "the relayer's stats are not JSON" };
  }
}
