/** The worker thread of vote-hasher.ts: the shared computeVoteHash, for a batch at a time. */
import { parentPort } from "node:worker_threads";
import { computeVoteHash, type VoteHashInput } from "@veritally/contracts";

parentPort?.on("message", (message: { id: number; inputs: VoteHashInput[] }) => {
  try {
    parentPort?.postMessage({ id: message.id, hashes: message.inputs.map((input) => computeVoteHash(input)) });
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: (error as Error).message });
  }
});
