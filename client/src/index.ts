/**
 * The voting client SDK: what a front end (or the reference booth) installs to vote in a secret
 * election. The ballot is built on the voter's device; the relayer only ever sees its sealed bytes.
 *
 *   const client = createVotingClient({ relayerUrl, clientKey, rpcUrl, registryAddress });
 *   const sealed = await client.encrypt(electionId, choice);   // shows sealed.tracker
 *   const receipt = await sealed.cast(voterId);                // or: sealed.audit(), then encrypt afresh
 *
 * Every error is a RetryableError or a NonRetryableError of @veritally/contracts (its `retryable`
 * says whether trying again can help); sends are retried with the same Idempotency-Key on 5xx, 429
 * and network errors, so a retry never casts twice.
 */
import { backoffDelay, InvalidInputError, NonRetryableError, RetryableError } from "@veritally/contracts";
import { nobleOps } from "@veritally/crypto/backend";
import { type ElectionSpec, makeBallotBuilder } from "@veritally/crypto/ballot";
import { decodePoint, encodeScalar, mulBase } from "@veritally/crypto/group";
import { csprngScalars } from "@veritally/crypto/random";
import type { ApiErrorBody, BallotAccepted, BallotStatus, RelayerElection } from "./api-types.js";
import { type ChainElection, readChainElection } from "./chain.js";

export { isRetryable, NonRetryableError, RetryableError, VeritallyError } from "@veritally/contracts";
export type { ApiErrorBody, BallotAccepted, BallotState, BallotStatus, RelayerElection } from "./api-types.js";
export type { ChainElection } from "./chain.js";

export const AUDIT_FORMAT = "veritally/audited-ballot/v1";

export interface VotingClientOptions {
  /** The relayer's base URL, e.g. https://relayer.example.org */
  relayerUrl: string;
  /** This front end's client API key (Bearer). */
  clientKey: string;
  /** A JSON-RPC endpoint of the chain: the election is then checked against the chain's events. */
  rpcUrl?: string;
  /** The VoteRegistry's address (needed with rpcUrl). */
  registryAddress?: string;
  /** The block to search the election's creation from (the registry's deployment block); default 0. */
  fromBlock?: number;
  /** A fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** Attempts per request on a retryable failure (default 4) and the first backoff (default 250 ms). */
  retries?: { attempts?: number; baseMs?: number; maxMs?: number };
}

/** An election as the client uses it: the chain's facts, and the relayer's view when it serves one. */
export interface Election {
  electionId: string;
  kind: "open" | "secret";
  title: string | null;
  choices: string[] | null;
  choiceCount: number;
  /** 0x + 64 hex digits; null for an open election. */
  electionKey: string | null;
  chainId: bigint;
  registryAddress: string;
  /** Whether the facts above were read from the chain (rpcUrl given). */
  checkedAgainstChain: boolean;
  /** The relayer's own description, when it serves GET /v1/elections/{id}; checked against the chain. */
  relayer: RelayerElection | null;
}

/** What the voter keeps after casting: the tracker finds the ballot on chain and on the portal. */
export interface Receipt {
  electionId: string;
  tracker: string;
  /** Its seq in BallotRecorded once batched (not known at acceptance: read status()). */
  seq?: string;
  /** Absolute URL of the ballot's public status. */
  statusUrl: string;
  /** The sealed ballot's bytes, 0x-hex. */
  ballot: string;
}

/** The Benaloh challenge's record: the portal's /verify re-encrypts the choice with this randomness. */
export interface AuditRecord {
  format: typeof AUDIT_FORMAT;
  electionId: string;
  ballot: string;
  choice: number;
  /** One 32-byte little-endian scalar per choice, 0x-hex. */
  randomness: string[];
}

/** A ballot encrypted on the device, not yet used: cast it or audit it, once. */
export interface SealedBallot {
  readonly electionId: string;
  readonly choice: number;
  readonly tracker: string;
  readonly ballot: string;
  /** Sends it; the randomness is forgotten first (a kept randomness would prove the choice to anyone). */
  cast(voterId: string, options?: { idempotencyKey?: string }): Promise<Receipt>;
  /** Reveals its randomness; an audited ballot can never be cast (encrypt afresh). */
  audit(): AuditRecord;
}

export interface VotingClient {
  election(electionId: string | number | bigint): Promise<Election>;
  encrypt(electionId: string | number | bigint, choice: number): Promise<SealedBallot>;
  castSecret(electionId: string | number | bigint, voterId: string, choice: number): Promise<Receipt>;
  audit(electionId: string | number | bigint, choice: number): Promise<AuditRecord>;
  status(tracker: string): Promise<BallotStatus>;
}

/** The relayer refused (4xx other than 429): `status` and the relayer's `code` say why; do not retry. */
export class RelayerRejectedError extends NonRetryableError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

/** The relayer or the network failed (5xx, 429, no answer): the same request may succeed later. */
export class RelayerUnavailableError extends RetryableError {
  readonly status: number | null;
  constructor(status: number | null, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/** The relayer's description of the election differs from the chain's: refuse to vote with it. */
export class ElectionMismatchError extends NonRetryableError {
  readonly field: string;
  constructor(electionId: string, field: string, relayer: unknown, chain: unknown) {
    super(
      "election_mismatch",
      `election ${electionId}: the relayer says ${field} is ${JSON.stringify(relayer)}, the chain says ${JSON.stringify(chain)}`,
    );
    this.field = field;
  }
}

const hexOf = (b: Uint8Array) => `0x${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`;

function bytesOfHex(hex: string, field: string, length?: number): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new InvalidInputError(field, "expected 0x-hex bytes");
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  if (length !== undefined && out.length !== length) {
    throw new InvalidInputError(field, `expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

function parseElectionId(id: string | number | bigint): bigint {
  const text = String(id);
  if (!/^(0|[1-9][0-9]{0,77})$/.test(text)) throw new InvalidInputError("electionId", "expected a decimal integer");
  const n = BigInt(text);
  if (n >= 2n ** 256n) throw new InvalidInputError("electionId", "does not fit in 32 bytes");
  return n;
}

/** The election id as the ballot's context holds it: 32 bytes, big-endian (docs/ballot-spec.md). */
function electionIdBytes(id: bigint): Uint8Array {
  return bytesOfHex(`0x${id.toString(16).padStart(64, "0")}`, "electionId", 32);
}

/**
 * Compares the relayer's view with the chain's facts; throws ElectionMismatchError naming the first
 * field that differs. Exported so a front end that reads the relayer another way can check it too.
 */
export function checkAgainstChain(relayer: RelayerElection, chain: ChainElection): void {
  const id = chain.electionId.toString();
  if (relayer.electionId !== id) throw new ElectionMismatchError(id, "electionId", relayer.electionId, id);
  if (relayer.kind !== chain.kind) throw new ElectionMismatchError(id, "kind", relayer.kind, chain.kind);
  if (relayer.choiceCount !== chain.choiceCount) {
    throw new ElectionMismatchError(id, "choiceCount", relayer.choiceCount, chain.choiceCount);
  }
  const labels = relayer.metadata?.choices ?? null;
  if (JSON.stringify(labels) !== JSON.stringify(chain.choices)) {
    throw new ElectionMismatchError(id, "choices", labels, chain.choices);
  }
  const key = relayer.secret?.electionKey.toLowerCase() ?? null;
  if (key !== chain.electionKey) throw new ElectionMismatchError(id, "electionKey", key, chain.electionKey);
}

export function createVotingClient(options: VotingClientOptions): VotingClient {
  if (!/^https?:\/\/[^/]/.test(options.relayerUrl)) {
    throw new InvalidInputError("relayerUrl", "expected an http: or https: URL");
  }
  if (options.clientKey.length === 0) throw new InvalidInputError("clientKey", "required");
  if (options.rpcUrl !== undefined && options.registryAddress === undefined) {
    throw new InvalidInputError("registryAddress", "required with rpcUrl (the VoteRegistry the relayer records to)");
  }
  if (options.registryAddress !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.registryAddress)) {
    throw new InvalidInputError("registryAddress", "expected 0x and 40 hex digits");
  }
  const base = options.relayerUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const attempts = options.retries?.attempts ?? 4;
  const backoff = {
    baseMs: options.retries?.baseMs ?? 250,
    maxMs: options.retries?.maxMs ?? 5000,
    jitter: "half" as const,
  };
  const elections = new Map<string, Promise<Election>>();

  /** One request; a failed answer becomes the error of the tree. */
  async function requestOnce<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.clientKey}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new RelayerUnavailableError(null, "network_error", `${method} ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.ok) return { status: res.status, body: parsed as T };
    const err = (parsed as Partial<ApiErrorBody> | null)?.error;
    const code = typeof err?.code === "string" ? err.code : `http_${res.status}`;
    const message = `${method} ${path}: HTTP ${res.status} ${code}: ${typeof err?.message === "string" ? err.message : text.slice(0, 200)}`;
    if (res.status === 429 || res.status >= 500) throw new RelayerUnavailableError(res.status, code, message);
    throw new RelayerRejectedError(res.status, code, message);
  }

  /** Retries retryable failures; the caller passes the same headers (the Idempotency-Key) each time. */
  async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await requestOnce<T>(method, path, body, headers);
      } catch (error) {
        if (!(error instanceof RetryableError) || attempt + 1 >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(backoff, attempt)));
      }
    }
  }

  async function relayerElection(id: bigint): Promise<RelayerElection | null> {
    try {
      return (await request<RelayerElection>("GET", `/v1/elections/${id}`)).body;
    } catch (error) {
      // A relayer without the route answers not_found (no route); unknown_election is a real answer.
      if (error instanceof RelayerRejectedError && error.status === 404 && error.code === "not_found") return null;
      throw error;
    }
  }

  async function loadElection(id: bigint): Promise<Election> {
    const [relayer, chain] = await Promise.all([
      relayerElection(id),
      options.rpcUrl !== undefined && options.registryAddress !== undefined
        ? readChainElection(options.rpcUrl, options.registryAddress, id, options.fromBlock)
        : Promise.resolve(null),
    ]);
    if (chain === null) {
      throw new NonRetryableError(
        "chain_facts_required",
        `election ${id}: give rpcUrl and registryAddress; the relayer alone is not trusted for the election key and choices`,
      );
    }
    if (relayer !== null) checkAgainstChain(relayer, chain);
    return {
      electionId: id.toString(),
      kind: chain.kind,
      title: chain.title,
      choices: chain.choices,
      choiceCount: chain.choiceCount,
      electionKey: chain.electionKey,
      chainId: chain.chainId,
      registryAddress: chain.registryAddress,
      checkedAgainstChain: true,
      relayer,
    };
  }

  function election(electionId: string | number | bigint): Promise<Election> {
    const id = parseElectionId(electionId);
    const key = id.toString();
    let cached = elections.get(key);
    if (!cached) {
      cached = loadElection(id);
      elections.set(key, cached);
      // A failed read is not kept: the next call reads again.
      cached.catch(() => elections.delete(key));
    }
    return cached;
  }

  function specOf(e: Election): ElectionSpec {
    if (e.kind !== "secret" || e.electionKey === null) {
      throw new NonRetryableError(
        "wrong_election_kind",
        `election ${e.electionId} is an open election: it takes votes`,
      );
    }
    return {
      chainId: e.chainId,
      registry: bytesOfHex(e.registryAddress, "registryAddress", 20),
      electionId: electionIdBytes(BigInt(e.electionId)),
      publicKey: decodePoint(bytesOfHex(e.electionKey, "electionKey", 32), "electionKey"),
      choices: e.choiceCount,
    };
  }

  async function send(e: Election, ballotHex: string, trackerHex: string, voterId: string, idempotencyKey: string) {
    if (voterId.length === 0) throw new InvalidInputError("voterId", "required");
    const { body } = await request<BallotAccepted>(
      "POST",
      `/v1/elections/${e.electionId}/ballots`,
      { voterId, ballot: ballotHex },
      { "idempotency-key": idempotencyKey },
    );
    if (body.tracker.toLowerCase() !== trackerHex) {
      throw new NonRetryableError(
        "tracker_mismatch",
        `the relayer answered tracker ${body.tracker}, the ballot sent has ${trackerHex}`,
      );
    }
    return {
      electionId: e.electionId,
      tracker: trackerHex,
      statusUrl: new URL(body.statusUrl, `${base}/`).toString(),
      ballot: ballotHex,
    } satisfies Receipt;
  }

  async function encrypt(electionId: string | number | bigint, choice: number): Promise<SealedBallot> {
    const e = await election(electionId);
    if (!Number.isInteger(choice) || choice < 0 || choice >= e.choiceCount) {
      throw new InvalidInputError("choice", `expected an integer in [0, ${e.choiceCount}), got ${choice}`);
    }
    // Pure arithmetic (no WebAssembly): runs in any browser under a strict CSP.
    const builder = makeBallotBuilder(nobleOps, specOf(e));
    const drawn: bigint[] = [];
    const built = builder.build(choice, () => {
      const r = csprngScalars();
      drawn.push(r);
      return r;
    });
    // Each ciphertext's alpha is g^r: its r is among the scalars drawn (docs/ballot-spec.md).
    let randomness: bigint[] | null = built.ballot.ciphertexts.map((ct) => {
      const r = drawn.find((x) => mulBase(x).equals(ct.alpha));
      if (r === undefined) throw new NonRetryableError("internal", "no drawn scalar gives this ciphertext's alpha");
      return r;
    });
    drawn.length = 0;
    let used: "cast" | "audited" | null = null;
    const ballotHex = hexOf(built.encoded);
    const trackerHex = hexOf(built.tracker);
    const idempotencyKey = globalThis.crypto.randomUUID();
    return {
      electionId: e.electionId,
      choice,
      tracker: trackerHex,
      ballot: ballotHex,
      cast(voterId, castOptions) {
        if (used === "audited") {
          return Promise.reject(
            new NonRetryableError("ballot_audited", "this ballot was audited: its choice is public, encrypt afresh"),
          );
        }
        used = "cast";
        randomness = null;
        return send(e, ballotHex, trackerHex, voterId, castOptions?.idempotencyKey ?? idempotencyKey);
      },
      audit() {
        if (used === "cast" || randomness === null) {
          throw new NonRetryableError("ballot_cast", "this ballot was sent to be cast: it cannot be audited");
        }
        used = "audited";
        return {
          format: AUDIT_FORMAT,
          electionId: e.electionId,
          ballot: ballotHex,
          choice,
          randomness: randomness.map((r) => hexOf(encodeScalar(r))),
        };
      },
    };
  }

  return {
    election,
    encrypt,
    async castSecret(electionId, voterId, choice) {
      return (await encrypt(electionId, choice)).cast(voterId);
    },
    async audit(electionId, choice) {
      return (await encrypt(electionId, choice)).audit();
    },
    async status(tracker) {
      if (!/^(0x)?[0-9a-fA-F]{64}$/.test(tracker)) throw new InvalidInputError("tracker", "expected 64 hex digits");
      return (await request<BallotStatus>("GET", `/v1/ballots/${tracker}`)).body;
    },
  };
}
