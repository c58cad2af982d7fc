/**
 * A JSON-RPC client over fetch, the verifier's only way to the chain: retries what may pass (the
 * network, HTTP 429 and 5xx, a timeout), fails at once on what will not (a JSON-RPC error), and
 * reads logs in block ranges that shrink when the node refuses a range as too large and grow while
 * pages stay small.
 */
import { backoffDelay, redactUrl } from "@veritally/contracts";

/** The RPC endpoint failed for good (after the retries), or answered something that is not JSON-RPC. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/** A log as eth_getLogs gives it. */
export interface RpcLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
  readonly blockNumber: string;
  readonly transactionHash: string;
  readonly logIndex: string;
  readonly removed?: boolean;
}

export interface RpcOptions {
  /** Attempts per call for transient failures (default 6). */
  readonly attempts?: number;
  /** Per request (default 60 s: a page of ballots is megabytes). */
  readonly timeoutMs?: number;
  /** Told of each retry, for the progress output. */
  readonly onRetry?: (message: string) => void;
  /** Backoff base (default 250 ms; tests pass less). */
  readonly backoffBaseMs?: number;
}

export interface Rpc {
  readonly url: string;
  call<T>(method: string, params?: readonly unknown[]): Promise<T>;
}

class Transient extends Error {}

// JSON-RPC codes a node uses for "this request was too large" (range or result size); the
// message patterns cover nodes that use a generic code (Alchemy, Infura, geth, Erigon, anvil).
const TOO_LARGE = /too (many|large)|limit|range|exceed|more than|block range|response size|query timeout/i;

export function createRpc(url: string, options: RpcOptions = {}): Rpc {
  const attempts = options.attempts ?? 6;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const shown = redactUrl(url);
  let id = 0;
  async function once<T>(method: string, params: readonly unknown[]): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new Transient(`${method}: no answer from ${shown} (${cause})`);
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw new Transient(`${method}: ${shown} answered HTTP ${response.status}`);
    }
    let body: { result?: T; error?: { code?: number; message?: string } };
    try {
      body = (await response.json()) as typeof body;
    } catch (error) {
      throw new RpcError(
        `${method}: ${shown} answered HTTP ${response.status} with no JSON-RPC body (${(error as Error).message})`,
      );
    }
    if (body.error) {
      throw new RpcError(`${method}: ${body.error.message ?? "error"} (code ${body.error.code})`, body.error.code);
    }
    if (!("result" in body)) throw new RpcError(`${method}: ${shown} answered without a result`);
    return body.result as T;
  }
  return {
    url: shown,
    async call<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await once<T>(method, params);
        } catch (error) {
          if (!(error instanceof Transient)) throw error;
          if (attempt + 1 >= attempts) throw new RpcError(`${error.message}; gave up after ${attempts} attempts`);
          const delay = backoffDelay({ baseMs: options.backoffBaseMs ?? 250, maxMs: 10_000, jitter: "half" }, attempt);
          options.onRetry?.(`${error.message}; retrying in ${delay} ms`);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    },
  };
}

export const toQuantity = (n: number | bigint): string => `0x${n.toString(16)}`;

export function fromQuantity(hex: string, field: string): number {
  if (!/^0x[0-9a-f]+$/i.test(hex)) throw new RpcError(`${field}: not a hex quantity (${hex})`);
  const n = Number.parseInt(hex, 16);
  if (!Number.isSafeInteger(n)) throw new RpcError(`${field}: ${hex} is too large`);
  return n;
}

export interface LogQuery {
  readonly address: string;
  /** topics[0] alternatives (event signatures), topics[1] one value. */
  readonly topics: readonly (string | readonly string[] | null)[];
  readonly fromBlock: number;
  readonly toBlock: number;
  /** First range tried, in blocks (default 100). */
  readonly initialRange?: number;
  /** Aimed-at logs per page (default 2,000): each range is sized from the last page's density. */
  readonly targetLogs?: number;
}

/**
 * Every log of the query, page by page in block order (each page's logs in the node's order, which
 * is the chain's: block, then log index). The consumer's promise is awaited before the next page is
 * used, and the next page is fetched while the consumer works.
 */
export async function forEachLogPage(
  rpc: Rpc,
  query: LogQuery,
  consume: (logs: readonly RpcLog[], page: { fromBlock: number; toBlock: number }) => Promise<void> | void,
): Promise<void> {
  const target = query.targetLogs ?? 2_000;
  let range = Math.max(1, query.initialRange ?? 100);
  type Page = { logs: RpcLog[]; from: number; to: number };
  const fetchRange = async (from: number): Promise<Page> => {
    for (;;) {
      const to = Math.min(query.toBlock, from + range - 1);
      try {
        const logs = await rpc.call<RpcLog[]>("eth_getLogs", [
          { address: query.address, topics: query.topics, fromBlock: toQuantity(from), toBlock: toQuantity(to) },
        ]);
        if (!Array.isArray(logs)) throw new RpcError("eth_getLogs: the result is not an array");
        return { logs, from, to };
      } catch (error) {
        // A range the node will not serve in one answer: the same blocks in smaller pages.
        if (error instanceof RpcError && range > 1 && TOO_LARGE.test(error.message)) {
          range = Math.max(1, Math.floor(range / 2));
          continue;
        }
        throw error;
      }
    }
  };
  if (query.fromBlock > query.toBlock) return;
  let next: Promise<Page> | undefined = fetchRange(query.fromBlock);
  while (next) {
    const page: Page = await next;
    // The next range aims at `target` logs from this page's density, moving at most 8× down or 2× up.
    const aimed = Math.floor((range * target) / Math.max(1, page.logs.length));
    range = Math.max(1, Math.floor(range / 8), Math.min(1_000_000, range * 2, aimed));
    next = page.to < query.toBlock ? fetchRange(page.to + 1) : undefined;
    // A rejected prefetch is awaited in the next round; until then it must not count as unhandled.
    next?.catch(() => {});
    await consume(page.logs, { fromBlock: page.from, toBlock: page.to });
  }
}
