/**
 * An election whose ElectionCreated precedes START_BLOCK: its window and choice count are read
 * from the contract's storage at this block; its metadata (only hashed on chain) is unknown.
 */
import * as registry from "../abi/VoteRegistry.js";
import type { Election } from "../model/index.js";
import type { Context } from "../processor.js";
import { emptyAggregate } from "./ballots.js";
import { newElection, secondsToDate } from "./elections.js";
import type { EventItem } from "./events.js";

const NEVER = new Date(8.64e15);

export async function placeholderElection(
  ctx: Context,
  contract: string,
  id: bigint,
  item: EventItem,
): Promise<Election> {
  const election = newElection(id.toString());
  const registryAt = new registry.Contract(ctx, item.block, contract);
  let stored: Awaited<ReturnType<registry.Contract["getElection"]>> | undefined;
  let metadataHash = "";
  try {
    stored = await registryAt.getElection(id);
    metadataHash = await registryAt.metadataHash(id);
  } catch (error) {
    ctx.log.warn(`election ${id}: not readable from the contract at block ${item.block.height}: ${String(error)}`);
  }
  election.choiceCount = stored?.choiceCount ?? 0;
  election.tally = new Array(election.choiceCount).fill(0);
  election.opensAt = stored ? secondsToDate(stored.opensAt) : new Date(0);
  election.closesAt = stored ? secondsToDate(stored.closesAt) : NEVER;
  election.scheduledClosesAt = election.closesAt;
  election.recordUntil = stored ? secondsToDate(stored.recordUntil) : NEVER;
  election.metadataHash = metadataHash.toLowerCase();
  if (stored?.secret) {
    // The key is stored; the threshold, trustee count and ceremony record were only emitted.
    election.secret = true;
    try {
      election.electionKey = (await registryAt.electionKey(id)).toLowerCase();
    } catch (error) {
      ctx.log.warn(
        `election ${id}: key not readable from the contract at block ${item.block.height}: ${String(error)}`,
      );
    }
    election.ceremonyRecordError = "SecretElectionCreated was not seen (it precedes START_BLOCK): no ceremony record";
    emptyAggregate(election);
  }
  election.metadataError =
    "ElectionCreated was not seen (it precedes START_BLOCK): the metadata is unknown; window and choice count come from the contract's storage";
  election.createdAtBlock = item.block.height;
  election.createdAt = new Date(item.block.timestamp);
  election.createdTx = item.txHash;
  return election;
}
