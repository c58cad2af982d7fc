/**
 * A vote simulator: several voting clients feeding the relayer's public API at a steady rate,
 * each vote from a new voter. Used by `./veritally start` (SIMULATOR_RATE votes per second) and by
 * the load of the end-to-end test and the fault drills.
 */
import { randomBytes } from "node:crypto";

export interface SimulatedClient {
  name: string;
  apiKey: string;
}

/** Registers `count` clients through the admin API and returns their API keys. */
export async function registerClients(relayerUrl: string, adminKey: string, count: number): Promise<SimulatedClient[]> {
  const clients: SimulatedClient[] = [];
  for (let i = 0; i < count; i++) {
    const name = `simulator ${i + 1} (${new Date().toISOString()})`;
    const res = await fetch(`${relayerUrl}/v1/admin/clients`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    if (res.status !== 201)
      throw new Error(`creating a simulator client failed: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { apiKey: { key: string } };
    clients.push({ name, apiKey: body.apiKey.key });
  }
  return clients;
}

export interface VoteOutcome {
  status: number;
  voterId: string;
  choice: number;
  body: Record<string, unknown> | undefined;
}

export async function castVote(
  relayerUrl: string,
  client: SimulatedClient,
  electionId: number | string,
  voterId: string,
  choice: number,
  headers: Record<string, string> = {},
): Promise<VoteOutcome> {
  const res = await fetch(`${relayerUrl}/v1/elections/${electionId}/votes`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.apiKey}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ voterId, choice }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, voterId, choice, body };
}

export interface Simulator {
  stop(): Promise<void>;
  stats(): { sent: number; accepted: number; refused: number; errors: number };
}

/** Sends `ratePerSecond` votes per second across the clients until stopped. */
export function startSimulator(o: {
  relayerUrl: string;
  clients: SimulatedClient[];
  electionId: number;
  choiceCount: number;
  ratePerSecond: number;
  /** Popularity of each choice; default uneven so the charts show something. */
  weights?: number[];
}): Simulator {
  const run = randomBytes(4).toString("hex");
  const weights = o.weights ?? Array.from({ length: o.choiceCount }, (_, i) => o.choiceCount - i + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let r = Math.random() * total;
    for (const [i, w] of weights.entries()) {
      r -= w;
      if (r < 0) return i;
    }
    return 0;
  };
  const counts = { sent: 0, accepted: 0, refused: 0, errors: 0 };
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  const interval = Math.max(5, 1000 / Math.max(o.ratePerSecond, 0.001));
  const timer = setInterval(() => {
    const client = o.clients[n % o.clients.length];
    if (!client) return;
    const voterId = `sim-${run}-${n++}`;
    counts.sent++;
    const p = castVote(o.relayerUrl, client, o.electionId, voterId, pick())
      .then((r) => {
        if (r.status === 202) counts.accepted++;
        else counts.refused++;
      })
      .catch(() => {
        counts.errors++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, interval);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
    stats: () => ({ ...counts }),
  };
}
