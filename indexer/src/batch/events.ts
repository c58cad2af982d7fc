/**
 * Decoding: the registry's logs in a batch of blocks, as typed events in chain order. Nothing else
 * in the handler reads raw logs.
 */
import { NonRetryableError } from "@veritally/contracts";
import * as registry from "../abi/VoteRegistry.js";
import { decodeVoteRecorded } from "../decode.js";
import type { Block, Context, Log } from "../processor.js";

export type RegistryEvent =
  | { kind: "created"; args: ReturnType<typeof registry.events.ElectionCreated.decode> }
  | { kind: "closed"; args: ReturnType<typeof registry.events.ElectionClosed.decode> }
  | { kind: "vote"; args: ReturnType<typeof registry.events.VoteRecorded.decode> }
  | { kind: "batch"; args: ReturnType<typeof registry.events.BatchRecorded.decode> }
  | { kind: "secretCreated"; args: ReturnType<typeof registry.events.SecretElectionCreated.decode> }
  | { kind: "ballot"; args: ReturnType<typeof registry.events.BallotRecorded.decode> }
  | { kind: "share"; args: ReturnType<typeof registry.events.DecryptionSharePublished.decode> }
  | { kind: "tally"; args: ReturnType<typeof registry.events.TallyPublished.decode> };

/** One registry event with the block, log and transaction it came in. */
export interface EventItem {
  event: RegistryEvent;
  block: Block;
  log: Log;
  txHash: string;
}

/** The registry event a log holds, null for another topic; a registry topic that does not decode is fatal. */
export function decodeRegistryEvent(log: Log): RegistryEvent | null {
  const topic = log.topics[0];
  try {
    switch (topic) {
      case registry.events.VoteRecorded.topic:
        return { kind: "vote", args: decodeVoteRecorded(log) };
      case registry.events.BatchRecorded.topic:
        return { kind: "batch", args: registry.events.BatchRecorded.decode(log) };
      case registry.events.ElectionCreated.topic:
        return { kind: "created", args: registry.events.ElectionCreated.decode(log) };
      case registry.events.ElectionClosed.topic:
        return { kind: "closed", args: registry.events.ElectionClosed.decode(log) };
      case registry.events.SecretElectionCreated.topic: {
        const args = registry.events.SecretElectionCreated.decode(log);
        return { kind: "secretCreated", args: { ...args, electionKey: args.electionKey.toLowerCase() } };
      }
      case registry.events.BallotRecorded.topic:
        return { kind: "ballot", args: registry.events.BallotRecorded.decode(log) };
      case registry.events.DecryptionSharePublished.topic:
        return { kind: "share", args: registry.events.DecryptionSharePublished.decode(log) };
      case registry.events.TallyPublished.topic:
        return { kind: "tally", args: registry.events.TallyPublished.decode(log) };
      default:
        return null;
    }
  } catch (error) {
    // Only a contract other than VoteRegistry at CONTRACT_ADDRESS can emit these topics with other data.
    throw new NonRetryableError(
      "undecodable_event",
      `block ${log.block.height} log ${log.logIndex}: cannot decode ${topic} as a VoteRegistry event ` +
        `(is CONTRACT_ADDRESS a VoteRegistry?): ${(error as Error).message}`,
    );
  }
}

/** The registry's events in the batch's blocks, in chain order; `contract` is lowercase. */
export function registryEvents(blocks: Context["blocks"], contract: string): EventItem[] {
  const items: EventItem[] = [];
  for (const block of blocks) {
    for (const log of block.logs) {
      if (log.address !== contract) continue;
      const event = decodeRegistryEvent(log);
      if (event) items.push({ event, block: block.header, log, txHash: log.transactionHash });
    }
  }
  return items;
}

/**
 * Election ids as strings, converted once per distinct id: a BigInt's toString is not free, and a
 * batch's events mostly repeat one id.
 */
export function createIdStrings(): (value: bigint) => string {
  let lastValue: bigint | undefined;
  let lastString = "";
  return (value) => {
    if (value !== lastValue) {
      lastValue = value;
      lastString = value.toString();
    }
    return lastString;
  };
}
