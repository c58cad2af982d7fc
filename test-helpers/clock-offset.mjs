/**
 * The suite on another date: with VERITALLY_CLOCK_OFFSET_DAYS=N, this process's wall clock
 * (`Date.now()`, `new Date()`) reads N days ahead (or back, when negative). Timers,
 * `performance.now()` and the clocks of servers already running (Postgres's now()) are not moved,
 * so a test that mixes the wall clock with one of those, instead of injecting its clock, fails.
 *
 * Loaded by vitest as a setup file (vitest.config.ts) and, through NODE_OPTIONS, by every Node
 * process a test starts (relayer processes, the Hardhat node), so they share the shifted clock as
 * they would under faketime. `npm run test:year-ahead` runs the unit projects a year ahead.
 */
const days = Number(process.env.VERITALLY_CLOCK_OFFSET_DAYS ?? "0");
if (!Number.isFinite(days)) {
  throw new Error(
    `VERITALLY_CLOCK_OFFSET_DAYS must be a number of days, got "${process.env.VERITALLY_CLOCK_OFFSET_DAYS}"`,
  );
}
const offsetMs = Math.round(days * 86_400_000);
const RealDate = globalThis.Date;

if (offsetMs !== 0 && !("veritallyOffsetMs" in RealDate)) {
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offsetMs;
    }
  }
  Object.defineProperty(ShiftedDate, "veritallyOffsetMs", { value: offsetMs });
  globalThis.Date = ShiftedDate;
  const self = new URL(import.meta.url).href;
  const flag = `--import=${self}`;
  if (!(process.env.NODE_OPTIONS ?? "").includes(flag)) {
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} ${flag}`.trim();
  }
}
