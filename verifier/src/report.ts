/** The verification report: its JSON shape (format veritally/verification-report/v1) and its human form. */

/**
 * ok: verified; fail: a verification failure (exit 1); warn: worth a look, not a failure;
 * pending: nothing to check yet (no share or tally published).
 */
export type CheckStatus = "ok" | "fail" | "warn" | "pending";

export interface ReportCheck {
  readonly name: string;
  readonly status: CheckStatus;
  readonly summary: string;
}

export interface Report {
  readonly format: "veritally/verification-report/v1";
  /** fail when any check failed. */
  readonly result: "ok" | "fail";
  readonly generatedAt: string;
  /** The endpoint, its password masked. */
  readonly rpc: string;
  readonly chainId: string;
  readonly registry: string;
  readonly electionId: string;
  /** The blocks scanned, inclusive. */
  readonly blocks: { readonly from: number; readonly to: number };
  readonly election: {
    readonly kind: "secret" | "open";
    readonly choiceCount: number;
    readonly opensAt: number;
    readonly closesAt: number;
    readonly recordUntil: number;
    readonly createdAtBlock: number;
    readonly metadata: string;
    readonly electionKey?: string;
    readonly threshold?: number;
    readonly trustees?: number;
  };
  readonly counts: {
    /** Records (BallotRecorded or VoteRecorded logs) read. */
    readonly recorded: number;
    /** The contract's nextSeq at the last block: how many it recorded. */
    readonly expected: number;
    /** Distinct seqs among the records. */
    readonly distinct: number;
    readonly valid: number;
    readonly invalid: number;
    readonly missing: number;
    readonly duplicates: number;
    readonly repeatedTrackers: number;
    /** Open elections: the votes per choice. */
    readonly byChoice?: readonly number[];
  };
  readonly checks: readonly ReportCheck[];
  readonly invalidBallots: readonly {
    readonly seq: number;
    readonly reason: string;
    readonly tracker: string;
    readonly block: number;
    readonly tx: string;
  }[];
  readonly gaps: readonly { readonly from: number; readonly to: number }[];
  readonly duplicates: readonly { readonly seq: number; readonly block: number; readonly tx: string }[];
  readonly repeatedTrackers: readonly { readonly seq: number; readonly firstSeq: number; readonly tracker: string }[];
  /** Secret elections: the encrypted aggregate of the valid ballots, per choice (hex of the encodings). */
  readonly aggregate: readonly { readonly alpha: string; readonly beta: string }[] | null;
  readonly shares: readonly {
    readonly trustee: number;
    readonly block: number;
    readonly tx: string;
    readonly valid: boolean;
    readonly reason: string | null;
  }[];
  readonly tally: {
    readonly counts: readonly string[];
    readonly block: number;
    readonly tx: string;
    readonly valid: boolean;
    readonly reason: string | null;
    readonly trustees: readonly number[];
  } | null;
  readonly timing: { readonly seconds: number; readonly ballotsPerSec: number | null; readonly threads: number | null };
}

/** The worst status: fail over warn over pending over ok. */
export function statusOf(checks: readonly ReportCheck[]): CheckStatus {
  const order: CheckStatus[] = ["fail", "warn", "pending", "ok"];
  return order.find((s) => checks.some((c) => c.status === s)) ?? "ok";
}

const LABEL: Record<CheckStatus, string> = { ok: "OK", fail: "FAIL", warn: "WARN", pending: "PENDING" };

/** The report as a person reads it: one line per check, then the result. */
export function formatReport(r: Report): string {
  const e = r.election;
  const lines = [
    `Veritally verification of election ${r.electionId}`,
    `  chain ${r.chainId}, registry ${r.registry}, blocks ${r.blocks.from} to ${r.blocks.to}, via ${r.rpc}`,
    `  ${e.kind} election, ${e.choiceCount} choices${
      e.kind === "secret" ? `, ${e.threshold} of ${e.trustees} trustees, key ${e.electionKey}` : ""
    }`,
    `  ${r.counts.recorded.toLocaleString("en-US")} recorded (the contract counts ${r.counts.expected.toLocaleString("en-US")}), ${r.counts.valid.toLocaleString("en-US")} valid, ${r.counts.invalid.toLocaleString("en-US")} invalid`,
    "",
  ];
  const width = Math.max(...r.checks.map((c) => c.name.length));
  for (const c of r.checks) lines.push(`  ${LABEL[c.status].padEnd(7)} ${c.name.padEnd(width)}  ${c.summary}`);
  if (r.invalidBallots.length > 0) {
    lines.push("", "  Invalid ballots:");
    for (const b of r.invalidBallots.slice(0, 50)) {
      lines.push(`    seq ${b.seq}: ${b.reason} (block ${b.block}, tx ${b.tx}, tracker ${b.tracker})`);
    }
    if (r.counts.invalid > 50) lines.push(`    … ${r.counts.invalid - 50} more in the JSON report`);
  }
  if (r.tally?.valid) lines.push("", `  Tally: ${r.tally.counts.map((c, j) => `choice ${j}: ${c}`).join(", ")}`);
  if (r.counts.byChoice) lines.push("", `  Votes: ${r.counts.byChoice.map((c, j) => `choice ${j}: ${c}`).join(", ")}`);
  const failed = r.checks.filter((c) => c.status === "fail").map((c) => c.name);
  lines.push(
    "",
    r.result === "ok"
      ? `Result: OK (every check that applies passed${r.checks.some((c) => c.status === "pending") ? "; some are pending" : ""}), in ${r.timing.seconds} s`
      : `Result: FAIL (${failed.join(", ")}), in ${r.timing.seconds} s`,
  );
  return `${lines.join("\n")}\n`;
}

/** The report as JSON (what --json writes). */
export const reportJson = (r: Report): string => `${JSON.stringify(r, null, 2)}\n`;
