/**
 * Decoding VoteRegistry's events. VoteRecorded, nearly every log, is read straight from its fixed
 * layout (three 32-byte words of data, two indexed topics): several times faster than the generic
 * ABI decoder, which is still used for the other events, and for any VoteRecorded that does not
 * have the exact layout (so that it fails with the decoder's error). decode.test.ts checks both
 * give the same result. ref and voteHash come out in lowercase hex, as the indexer stores them.
 * The processor has checked every log's topics and data to be hex (any case) before this.
 */
import * as registry from "./abi/VoteRegistry.js";

export type VoteRecordedArgs = ReturnType<typeof registry.events.VoteRecorded.decode>;

const ZERO_48 = "0".repeat(48);
const ZERO_60 = "0".repeat(60);
const ZERO_32 = "0".repeat(32);

// A batch's votes share their election: its id is parsed once per run of equal topics.
let lastElectionTopic = "";
let lastElectionId = 0n;

export function decodeVoteRecorded(log: { topics: string[]; data: string }): VoteRecordedArgs {
  const { data, topics } = log;
  const [topic0, electionTopic, refTopic] = topics;
  if (
    topics.length === 3 &&
    topic0 === registry.events.VoteRecorded.topic &&
    data.length === 194 &&
    electionTopic?.length === 66 &&
    refTopic?.length === 66 &&
    data.startsWith(ZERO_48, 2) &&
    data.startsWith(ZERO_60, 66) &&
    refTopic.endsWith(ZERO_32)
  ) {
    if (electionTopic !== lastElectionTopic) {
      lastElectionId = BigInt(electionTopic);
      lastElectionTopic = electionTopic;
    }
    return {
      electionId: lastElectionId,
      seq: BigInt(`0x${data.slice(50, 66)}`),
      ref: refTopic.slice(0, 34).toLowerCase(),
      choice: Number.parseInt(data.slice(126, 130), 16),
      voteHash: `0x${data.slice(130, 194)}`.toLowerCase(),
    };
  }
  const decoded = registry.events.VoteRecorded.decode(log);
  return { ...decoded, ref: decoded.ref.toLowerCase(), voteHash: decoded.voteHash.toLowerCase() };
}
