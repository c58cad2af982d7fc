import { AbiCoder, toBeHex } from "ethers";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as registry from "./abi/VoteRegistry.js";
import { decodeVoteRecorded } from "./decode.js";

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString("hex")}`;

function encode(electionId: bigint, seq: bigint, ref: string, choice: number, voteHash: string) {
  return {
    topics: [registry.events.VoteRecorded.topic, toBeHex(electionId, 32), `${ref}${"0".repeat(32)}`],
    data: AbiCoder.defaultAbiCoder().encode(["uint64", "uint16", "bytes32"], [seq, choice, voteHash]),
  };
}

describe("decodeVoteRecorded", () => {
  test("equals the generated ABI decoder on any well-formed log", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (electionId, seq, ref, choice, voteHash) => {
          const log = encode(electionId, seq, hex(ref), choice, hex(voteHash));
          expect(decodeVoteRecorded(log)).toEqual(registry.events.VoteRecorded.decode(log));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("anything off the exact layout is left to the ABI decoder", () => {
    const log = encode(1n, 5n, `0x${"ab".repeat(16)}`, 2, `0x${"cd".repeat(32)}`);
    const same = (l: { topics: string[]; data: string }) => {
      let expected: unknown;
      try {
        expected = registry.events.VoteRecorded.decode(l);
      } catch (error) {
        expect(() => decodeVoteRecorded(l)).toThrow((error as Error).message);
        return;
      }
      const { ref, voteHash } = expected as { ref: string; voteHash: string };
      expect(decodeVoteRecorded(l)).toEqual({
        ...(expected as object),
        ref: ref.toLowerCase(),
        voteHash: voteHash.toLowerCase(),
      });
    };
    same({ ...log, data: log.data.slice(0, -2) });
    same({ ...log, data: `${log.data}00` });
    same({ ...log, topics: log.topics.slice(0, 2) });
    // A seq above uint64 is no VoteRecorded the contract could emit: the fast path declines it.
    same({ ...log, data: `0x${"0".repeat(47)}1${log.data.slice(50)}` });
    same({ ...log, data: log.data.toUpperCase().replace("0X", "0x") });
  });
});
