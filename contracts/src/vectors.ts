/**
 * Test vectors every part's tests use. The expected hashes were produced by an independent
 * encoder (scripts/independent-encoder.ts); the contract's `voteHashOf` reproduces them too.
 */
import voteHash from "../vectors/vote-hash.json" with { type: "json" };

export interface VoteHashVector {
  name: string;
  chainId: number;
  registry: string;
  electionId: string;
  ref: string;
  choice: number;
  receiptSecret: string;
  voteHash: string;
  refText: string;
  receiptText: string;
}

export const voteHashVectors: readonly VoteHashVector[] = voteHash;
