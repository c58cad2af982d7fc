/**
 * How the relayer's commands end on a signal: the first SIGINT or SIGTERM runs an orderly stop
 * and exits 0, or 1 when the stop fails or outlasts its timeout. Later signals are ignored (the
 * listeners stay, so a second Ctrl-C neither starts a second stop nor kills the process midway).
 * The process and its exit are parameters so a test can drive this with an EventEmitter.
 */

export const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** What the commands need of `process`. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
}

export interface ProcessIo {
  /** Where the stop signals come from; `process` by default. */
  signals?: SignalSource;
  /** Ends the process; `process.exit` by default. */
  exit?: (code: number) => void;
}

export interface GracefulStopOptions extends ProcessIo {
  stop: () => Promise<void>;
  /** Exit 1 if the stop has not finished after this long. */
  timeoutMs?: number;
  /** Called once, with the signal that started the stop (to log it). */
  onSignal?: (signal: StopSignal) => void;
}

export function stopOnSignal(options: GracefulStopOptions): void {
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handle = (signal: StopSignal) => {
    if (stopping) return;
    stopping = true;
    options.onSignal?.(signal);
    let exited = false;
    const finish = (code: number) => {
      if (exited) return;
      exited = true;
      clearTimeout(timer);
      exit(code);
    };
    const timer = setTimeout(() => finish(1), options.timeoutMs ?? 10_000);
    Promise.resolve()
      .then(options.stop)
      .then(
        () => finish(0),
        () => finish(1),
      );
  };
  for (const signal of STOP_SIGNALS) signals.on(signal, () => handle(signal));
}
