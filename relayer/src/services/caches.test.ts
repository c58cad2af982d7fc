/**
 * The API's caches expire on the clock they are given (the app's `now`), not by waiting: the
 * pause flags and API keys, read through from a real, migrated Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db/pool.js";
import { startTestDb, type TestDb } from "../testing/setup.js";
import { createControl } from "./control.js";

let db: TestDb;
let pool: Db;

beforeAll(async () => {
  db = await startTestDb("relayer_caches");
  pool = createDb(db.url, 2, "caches-test");
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("the pause flags' cache", () => {
  it("serves its read until its clock passes the TTL, then reads again", async () => {
    let clock = 1_000_000;
    const control = createControl(pool, 1000, () => clock);
    expect((await control.get()).intakePaused).toBe(false);
    // Changed behind the cache's back (another API process would do this).
    await pool.query("update relayer_control set intake_paused = true");
    clock += 999;
    expect((await control.get()).intakePaused).toBe(false);
    clock += 2;
    expect((await control.get()).intakePaused).toBe(true);
  });

  it("takes its own change at once, whatever the clock", async () => {
    const control = createControl(pool, 60_000, () => 0);
    expect((await control.set({ intakePaused: false })).intakePaused).toBe(false);
    expect((await control.get()).intakePaused).toBe(false);
  });
});
