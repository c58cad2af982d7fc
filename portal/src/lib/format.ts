/** Formatting for people: numbers, shares, wei, times, hashes. Pure functions. */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatInt(value: number | bigint | string): string {
  return integer.format(typeof value === "string" ? BigInt(value) : value);
}

export function formatDecimal(value: number, digits = 1): string {
  if (digits === 1) return oneDecimal.format(value);
  return new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

export function formatPercent(value: number): string {
  return `${oneDecimal.format(value)} %`;
}

/** Wei as ether with up to `digits` decimals, exactly (no floating point on the integer part). */
export function formatEther(wei: string | bigint, digits = 6): string {
  const value = BigInt(wei);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 10n ** 18n;
  const fraction = (abs % 10n ** 18n).toString().padStart(18, "0").slice(0, digits).replace(/0+$/, "");
  return `${negative ? "-" : ""}${integer.format(whole)}${fraction ? `.${fraction}` : ""} ETH`;
}

export function formatGwei(wei: string | bigint | null | undefined): string {
  if (wei === null || wei === undefined) return "–";
  const value = BigInt(wei);
  const whole = value / 1_000_000_000n;
  const fraction = ((value % 1_000_000_000n) / 1_000_000n).toString().padStart(3, "0").replace(/0+$/, "");
  return `${integer.format(whole)}${fraction ? `.${fraction}` : ""} gwei`;
}

/** "2026-11-01 10:04:05 UTC": unambiguous for readers anywhere. */
export function formatTime(date: Date | string | null | undefined): string {
  if (!date) return "–";
  const d = typeof date === "string" ? new Date(date) : date;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Short label for a chart axis: "10:04" within a day, "Nov 1 10:00" across days. */
export function formatBucket(date: Date, granularity: "minute" | "hour", multiDay: boolean): string {
  const time = date.toISOString().slice(11, 16);
  if (!multiDay && granularity === "minute") return time;
  const month = date.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  return `${month} ${date.getUTCDate()} ${time}`;
}

export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

/** 0x1234…abcd for tables; the full value stays in the title attribute and the link. */
export function shortHex(hex: string, keep = 6): string {
  return hex.length <= keep * 2 + 3 ? hex : `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}`;
}

export const PHASE_TEXT = {
  scheduled: "Not open yet",
  open: "Open",
  recording: "Closed to new votes, recording",
  closed: "Closed",
} as const;

/**
 * A fee as people can read it: ether down to a millionth, gwei below that (a batch's share of a
 * fee is often a few dozen gwei, which ether with six decimals would show as "0 ETH").
 */
export function formatFee(wei: string | bigint): string {
  const value = BigInt(wei);
  if (value === 0n) return "0 ETH";
  const abs = value < 0n ? -value : value;
  return abs >= 10n ** 12n ? formatEther(value) : formatGwei(value);
}

/** "12 s ago", "3 min ago": the age of a figure. */
export function formatAgo(seconds: number): string {
  return `${formatAge(Math.max(0, seconds))} ago`;
}
