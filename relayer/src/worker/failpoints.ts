/**
 * Fault injection for the crash test: RELAYER_FAILPOINTS="after_store=0.1,after_broadcast=0.1"
 * makes the worker SIGKILL itself with that probability when it passes the named point, so the
 * test hits the narrow windows (stored but not broadcast, broadcast but not recorded, mined but
 * not recorded) that random external kills rarely land in. Unset in production: a no-op.
 */
const points = new Map<string, number>(
  (process.env.RELAYER_FAILPOINTS ?? "")
    .split(",")
    .map((p) => p.trim().split("="))
    .filter((p): p is [string, string] => p.length === 2 && p[0] !== "")
    .map(([name, p]) => [name, Number(p)]),
);

export type Failpoint =
  | "after_form"
  | "after_store"
  | "after_broadcast"
  | "before_mined_update"
  | "after_reconcile_read";

export function failpoint(name: Failpoint): void {
  const p = points.get(name);
  if (p !== undefined && Math.random() < p) process.kill(process.pid, "SIGKILL");
}
