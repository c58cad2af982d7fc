/**
 * The relayer's answers the client reads, as its OpenAPI (relayer/openapi.json) describes them.
 * Hand-written (openapi-typescript is not installed); api-types.test.ts checks every property
 * named here against the served document, so a change on the relayer's side fails that test.
 */

/** `{ error: { code, message } }`, every error answer of the relayer. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** POST /v1/elections/{electionId}/ballots: 202. */
export interface BallotAccepted {
  electionId: string;
  /** 0x + 64 hex digits: SHA-256 of the ballot's bytes. */
  tracker: string;
  status: "queued";
  /** Relative to the relayer's URL. */
  statusUrl: string;
}

export type BallotState = "queued" | "batched" | "submitted" | "included" | "confirmed" | "failed";

/** GET /v1/ballots/{tracker}: 200. */
export interface BallotStatus {
  tracker: string;
  electionId: string;
  status: BallotState;
  reason: string | null;
  /** What a queued ballot waits for, when something holds it (a paused intake, fees above the cap). */
  waiting: string | null;
  seq: string | null;
  txHash: string | null;
  blockNumber: number | null;
  confirmations: number;
  acceptedAt: string;
}

/** An election as the relayer describes it (the admin API's ElectionBody). */
export interface RelayerElection {
  electionId: string;
  state: "creating" | "active" | "failed";
  intake: { open: boolean; code: string | null };
  choiceCount: number;
  opensAt: string;
  closesAt: string;
  recordUntil: string;
  metadata: { title: string; description?: string; choices: string[] } | null;
  kind: "open" | "secret";
  secret: { electionKey: string; threshold: number | null; trusteeCount: number | null } | null;
}
