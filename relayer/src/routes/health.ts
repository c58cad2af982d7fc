/** Liveness, readiness (database and RPC reachable) and Prometheus metrics. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import fp from "fastify-plugin";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { Type } from "typebox";
import { readStats } from "../services/stats.js";

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/health",
    {
      schema: {
        tags: ["ops"],
        summary: "The process is up",
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });
  app.get(
    "/ready",
    {
      schema: {
        tags: ["ops"],
        summary: "The database and an RPC endpoint answer",
        response: {
          200: Type.Object({ status: Type.String(), database: Check, rpc: Check }),
          503: Type.Object({ status: Type.String(), database: Check, rpc: Check }),
        },
      },
    },
    async (_request, reply) => {
      const timeout = <T>(p: Promise<T>, ms: number) =>
        Promise.race([
          p,
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timeout after ${ms} ms`)), ms)),
        ]);
      const check = async (p: () => Promise<unknown>) => {
        try {
          await timeout(p(), 2000);
          return { ok: true };
        } catch (error) {
          return { ok: false, error: (error as Error).message.slice(0, 200) };
        }
      };
      const [database, rpc] = await Promise.all([
        check(() => app.db.query("select 1")),
        check(() => app.chain.rpc.call("eth_blockNumber")),
      ]);
      const ok = database.ok && rpc.ok;
      return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "not_ready", database, rpc });
    },
  );

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "veritally_relayer_api_" });
  const requests = new Counter({
    name: "veritally_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "veritally_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `veritally_${name}`, help, labelNames, registers: [registry] });
  const g = {
    queueDepth: gauge("queue_depth", "votes waiting for a batch"),
    oldestQueued: gauge("queue_oldest_age_seconds", "age of the oldest queued vote"),
    accepted1m: gauge("accepted_votes_per_second_1m", "accepted votes per second over 1 minute"),
    batchesInFlight: gauge("batches_in_flight", "batches formed, submitted or included but not confirmed"),
    batchesConfirmed: gauge("batches_confirmed", "confirmed batches"),
    latencyP50: gauge("accept_to_included_p50_seconds", "accept to included latency, p50, last 15 minutes"),
    latencyP95: gauge("accept_to_included_p95_seconds", "accept to included latency, p95, last 15 minutes"),
    gasUsed: gauge("gas_used_total", "gas used by the relayer's transactions"),
    feesSpent: gauge("fees_spent_wei_total", "fees paid, wei"),
    replacements: gauge("replacements_total", "transactions replaced at the same nonce"),
    failedVotes: gauge("failed_votes", "failed votes by reason", ["reason"]),
    workerAlive: gauge("worker_alive", "1 if the worker reported in the last 15 s"),
    feeAboveCap: gauge("fee_above_cap", "1 if network fees are above the cap"),
    nonceGap: gauge("nonce_gap", "nonces of the signing key the node lacks below ours (0: none)"),
    nonceGapAge: gauge("nonce_gap_age_seconds", "how long the current nonce gap has been open"),
    finalBlock: gauge("final_block", "the highest block the relayer treats as final"),
    finalVoteMissing: gauge(
      "final_vote_missing",
      "votes once reported final and later not on chain (the gravest alarm: must stay 0)",
    ),
  };

  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  app.get(
    "/metrics",
    {
      schema: {
        tags: ["ops"],
        summary: "Prometheus metrics",
        response: {
          200: {
            description: "Prometheus text exposition format",
            content: { "text/plain": { schema: { type: "string" } } },
          },
        },
      },
    },
    async (_request, reply) => {
      const s = await readStats(app.db, { maxFeePerGas: app.config.maxFeePerGas });
      g.queueDepth.set(s.queue.depth);
      g.oldestQueued.set((s.queue.oldestQueuedAgeMs ?? 0) / 1000);
      g.accepted1m.set(s.intake.acceptedPerSecond1m);
      g.batchesInFlight.set(s.batches.inFlight);
      g.batchesConfirmed.set(s.batches.confirmed);
      g.latencyP50.set((s.latency.acceptToIncludedP50Ms ?? 0) / 1000);
      g.latencyP95.set((s.latency.acceptToIncludedP95Ms ?? 0) / 1000);
      g.gasUsed.set(Number(s.gas.gasUsed));
      g.feesSpent.set(Number(s.gas.feesSpentWei));
      g.replacements.set(s.replacements);
      g.failedVotes.reset();
      for (const f of s.failures.votes) g.failedVotes.set({ reason: f.reason }, f.count);
      g.workerAlive.set(s.worker.alive ? 1 : 0);
      g.feeAboveCap.set(s.fees.aboveCap ? 1 : 0);
      g.nonceGap.set(s.nonces.gap ? s.nonces.gap.to - s.nonces.gap.from + 1 : 0);
      g.nonceGapAge.set(s.nonces.gap ? s.nonces.gap.ageMs / 1000 : 0);
      g.finalBlock.set(s.finality.finalBlock ?? 0);
      g.finalVoteMissing.set(s.finality.finalMissingVotes);
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};
// fastify-plugin: the metrics hook must see every route, not only these.
export default fp(health, { name: "ops-routes", dependencies: ["db", "chain"] });
