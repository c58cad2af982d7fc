/** A small JSON-lines logger for the worker (the API uses Fastify's). Callers never pass secrets. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export type Log = (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;

const ORDER: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

export function createLog(
  level: string,
  name: string,
  write: (line: string) => void = (l) => process.stdout.write(l),
): Log {
  const threshold = ORDER[level as LogLevel] ?? ORDER.info;
  return (lvl, message, fields = {}) => {
    if (ORDER[lvl] < threshold) return;
    write(
      `${JSON.stringify({ level: lvl, time: new Date().toISOString(), name, msg: message, ...fields }, (_k, v) =>
        typeof v === "bigint" ? v.toString() : v,
      )}\n`,
    );
  };
}
