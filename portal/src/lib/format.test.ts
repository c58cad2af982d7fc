import { describe, expect, it } from "vitest";
import { explorerLink } from "./explorer.js";
import {
  formatAge,
  formatAgo,
  formatBucket,
  formatDecimal,
  formatEther,
  formatFee,
  formatGwei,
  formatInt,
  formatPercent,
  formatTime,
  shortHex,
} from "./format.js";

describe("formatting for people", () => {
  it("writes numbers with separators, shares with one decimal", () => {
    expect(formatInt(1234567)).toBe("1,234,567");
    expect(formatInt("98765432109876543210")).toBe("98,765,432,109,876,543,210");
    expect(formatInt(12n)).toBe("12");
    expect(formatDecimal(2.25)).toBe("2.3");
    expect(formatDecimal(2, 3)).toBe("2.000");
    expect(formatPercent(46.08)).toBe("46.1 %");
  });

  it("writes wei as ether and gwei exactly, without floating point", () => {
    expect(formatEther("1000000000000000000")).toBe("1 ETH");
    expect(formatEther("1234567000000000000000")).toBe("1,234.567 ETH");
    expect(formatEther(1n)).toBe("0 ETH");
    expect(formatEther("-1500000000000000000")).toBe("-1.5 ETH");
    expect(formatEther("123456789012345678", 18)).toBe("0.123456789012345678 ETH");
    expect(formatGwei("1500000000")).toBe("1.5 gwei");
    expect(formatGwei(2_000_000_000n)).toBe("2 gwei");
    expect(formatGwei(null)).toBe("–");
  });

  it("writes times in UTC, unambiguous anywhere", () => {
    expect(formatTime(new Date("2026-11-01T10:04:05.678Z"))).toBe("2026-11-01 10:04:05 UTC");
    expect(formatTime("2026-01-02T03:04:05Z")).toBe("2026-01-02 03:04:05 UTC");
    expect(formatTime(null)).toBe("–");
    const t = new Date("2026-11-01T10:04:00Z");
    expect(formatBucket(t, "minute", false)).toBe("10:04");
    expect(formatBucket(t, "minute", true)).toBe("Nov 1 10:04");
    expect(formatBucket(t, "hour", false)).toBe("Nov 1 10:04");
  });

  it("writes ages and short hashes", () => {
    expect(formatAge(42)).toBe("42 s");
    expect(formatAge(125)).toBe("2 min");
    expect(formatAge(3 * 3600 + 120)).toBe("3 h 2 min");
    expect(formatAge(2 * 86_400 + 3600)).toBe("2 d 1 h");
    expect(shortHex(`0x${"ab".repeat(32)}`)).toBe("0xababab…ababab");
    expect(shortHex("0x1234")).toBe("0x1234");
  });

  it("links to the block explorer only when one is configured", () => {
    expect(explorerLink("https://explorer.example", "tx", "0xabc")).toBe("https://explorer.example/tx/0xabc");
    expect(explorerLink("https://explorer.example", "block", 12)).toBe("https://explorer.example/block/12");
    expect(explorerLink(null, "address", "0xabc")).toBeNull();
  });

  it("never shows a small fee as 0 ETH: gwei below a millionth of an ether", () => {
    expect(formatFee("59000000000")).toBe("59 gwei");
    expect(formatFee("59500000")).toBe("0.059 gwei");
    expect(formatFee("2500000000000000")).toBe("0.0025 ETH");
    expect(formatFee(0n)).toBe("0 ETH");
    expect(formatAgo(12)).toBe("12 s ago");
    expect(formatAgo(-3)).toBe("0 s ago");
  });
});
