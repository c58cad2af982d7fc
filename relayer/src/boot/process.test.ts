/** The signal handling of the relayer's commands, driven through a real EventEmitter standing in for `process` (fakeProcess). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeProcess } from "../testing/setup.js";
import { STOP_SIGNALS, stopOnSignal } from "./process.js";

function harness(stop: () => Promise<void>, timeoutMs?: number) {
  const proc = fakeProcess();
  const seen: string[] = [];
  stopOnSignal({ stop, signals: proc.signals, exit: proc.exit, timeoutMs, onSignal: (signal) => seen.push(signal) });
  return { ...proc, seen };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("stopOnSignal", () => {
  for (const signal of STOP_SIGNALS) {
    it(`${signal}: runs the stop once and exits 0 when it finishes`, async () => {
      let stops = 0;
      let finishStop!: () => void;
      const h = harness(
        () =>
          new Promise<void>((resolve) => {
            stops++;
            finishStop = resolve;
          }),
      );
      h.signals.emit(signal);
      await Promise.resolve();
      expect(stops).toBe(1);
      expect(h.codes).toEqual([]); // not before the stop has finished
      finishStop();
      await h.exited;
      expect(h.codes).toEqual([0]);
      expect(h.seen).toEqual([signal]);
    });
  }

  it("ignores a second signal during the stop, and keeps listening so it cannot kill the process", async () => {
    let stops = 0;
    let finishStop!: () => void;
    const h = harness(
      () =>
        new Promise<void>((resolve) => {
          stops++;
          finishStop = resolve;
        }),
    );
    h.signals.emit("SIGINT");
    h.signals.emit("SIGINT");
    h.signals.emit("SIGTERM");
    // A signal without a listener would take Node's default action (terminate) in a real process.
    expect(h.signals.listenerCount("SIGINT")).toBeGreaterThan(0);
    expect(h.signals.listenerCount("SIGTERM")).toBeGreaterThan(0);
    await Promise.resolve();
    expect(stops).toBe(1);
    finishStop();
    await h.exited;
    expect(h.codes).toEqual([0]);
    expect(h.seen).toEqual(["SIGINT"]);
  });

  it("exits 1 when the stop fails", async () => {
    const h = harness(async () => {
      throw new Error("pool would not close");
    });
    h.signals.emit("SIGTERM");
    await h.exited;
    expect(h.codes).toEqual([1]);
  });

  it("exits 1 when the stop throws before returning a promise", async () => {
    const h = harness(() => {
      throw new Error("not started");
    });
    h.signals.emit("SIGTERM");
    await h.exited;
    expect(h.codes).toEqual([1]);
  });

  it("exits 1 when the stop outlasts the timeout, and only once if it finishes later", async () => {
    let finishStop!: () => void;
    const h = harness(
      () =>
        new Promise<void>((resolve) => {
          finishStop = resolve;
        }),
      50,
    );
    h.signals.emit("SIGTERM");
    await h.exited;
    expect(h.codes).toEqual([1]);
    // The late end of the stop, and every timer there is, run through: still one exit.
    vi.useFakeTimers();
    finishStop();
    await vi.runAllTimersAsync();
    expect(h.codes).toEqual([1]);
  });

  it("does nothing without a signal", async () => {
    vi.useFakeTimers();
    let stops = 0;
    const h = harness(async () => {
      stops++;
    }, 20);
    // Far past its timeout on the fake clock, with every pending timer run: no stop, no exit.
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.runAllTimersAsync();
    expect(vi.getTimerCount()).toBe(0);
    expect(stops).toBe(0);
    expect(h.codes).toEqual([]);
  });
});
