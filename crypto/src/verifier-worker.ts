/** One thread of the verifier pool (verifier-pool.ts): verifies the slices of ballots it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import { createBallotVerifier } from "./ballot.js";
import { type ElectionWire, electionFromWire } from "./election-wire.js";
import { verifyBatch } from "./verify.js";

export interface VerifyRequest {
  readonly id: number;
  readonly ballots: readonly Uint8Array[];
}

export interface VerifyReply {
  readonly id: number;
  readonly failures: readonly { index: number; reason: string }[];
}

const port = parentPort;
if (port === null) throw new Error("verifier-worker.ts runs as a worker thread");
const verifier = await createBallotVerifier(electionFromWire(workerData as ElectionWire));
port.on("message", (req: VerifyRequest) => {
  const reply: VerifyReply = { id: req.id, failures: verifyBatch(verifier, req.ballots).failures };
  port.postMessage(reply);
});
port.postMessage("ready");
