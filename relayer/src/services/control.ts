/** The global intake and submission switches (relayer_control), cached briefly per process. */
import type { Db } from "../db/pool.js";

export interface ControlFlags {
  intakePaused: boolean;
  submissionPaused: boolean;
  updatedAt: Date;
}

export interface Control {
  get(): Promise<ControlFlags>;
  set(change: Partial<Pick<ControlFlags, "intakePaused" | "submissionPaused">>): Promise<ControlFlags>;
}

export async function readControl(db: Db): Promise<ControlFlags> {
  const { rows } = await db.query<{ intake_paused: boolean; submission_paused: boolean; updated_at: Date }>(
    "select intake_paused, submission_paused, updated_at from relayer_control",
  );
  const r = rows[0];
  return r
    ? { intakePaused: r.intake_paused, submissionPaused: r.submission_paused, updatedAt: r.updated_at }
    : { intakePaused: false, submissionPaused: false, updatedAt: new Date(0) };
}

/** `now` is the clock (ms) of the cache's expiry; tests pass their own. */
export function createControl(db: Db, cacheMs: number, now: () => number = Date.now): Control {
  let cached: { flags: ControlFlags; expires: number } | undefined;
  let inflight: Promise<ControlFlags> | undefined;
  return {
    async get() {
      if (cached && cached.expires > now()) return cached.flags;
      inflight ??= readControl(db)
        .then((flags) => {
          cached = { flags, expires: now() + cacheMs };
          return flags;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
    async set(change) {
      await db.query(
        `update relayer_control set intake_paused = coalesce($1, intake_paused),
                submission_paused = coalesce($2, submission_paused), updated_at = now()`,
        [change.intakePaused ?? null, change.submissionPaused ?? null],
      );
      const flags = await readControl(db);
      cached = { flags, expires: now() + cacheMs };
      return flags;
    },
  };
}
