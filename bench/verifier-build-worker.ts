/** One thread of the verifier benchmark's ballot generation: builds sealed ballots for the choices it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import { createBallotBuilder } from "@veritally/crypto/ballot";
import { type ElectionWire, electionFromWire } from "@veritally/crypto/election-wire";

const port = parentPort;
if (port === null) throw new Error("verifier-build-worker.ts runs as a worker thread");
const builder = await createBallotBuilder(electionFromWire(workerData as ElectionWire));
port.on("message", (choices: number[]) => {
  port.postMessage(choices.map((c) => builder.build(c).encoded));
});
port.postMessage("ready");
