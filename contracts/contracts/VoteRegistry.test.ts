import {
  connectVoteRegistry,
  decodeRegistryEvent,
  encodeElectionMetadata,
  metadataHashOf,
  type RegistryEvent,
  type VoteRegistryContract,
} from "@veritally/contracts";
import { loadArtifact } from "@veritally/contracts/artifacts";
import { voteHashVectors } from "@veritally/contracts/vectors";
import { ContractFactory, type ContractTransactionResponse, hexlify, randomBytes, type Signer } from "ethers";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { type InProcessChain, inProcessChain } from "../../test-helpers/hardhat.js";
import { expectRevert } from "../../test-helpers/revert.js";

const METADATA = { title: "Budget 2027", description: "Which project first?", choices: ["Park", "Library", "Bridge"] };
const HOUR = 3600;

interface Fixture {
  chain: InProcessChain;
  registry: VoteRegistryContract;
  admin: Signer;
  manager: Signer;
  recorder: Signer;
  pauser: Signer;
  outsider: Signer;
  now: number;
}

async function deploy(): Promise<Fixture> {
  const chain = await inProcessChain();
  const [admin, manager, recorder, pauser, outsider] = (await chain.ethers.getSigners()) as Signer[] as [
    Signer,
    Signer,
    Signer,
    Signer,
    Signer,
  ];
  const artifact = await loadArtifact("VoteRegistry");
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, admin);
  const contract = await factory.deploy(await admin.getAddress());
  await contract.waitForDeployment();
  const registry = connectVoteRegistry(await contract.getAddress(), admin);
  await registry.grantRole(await registry.ELECTION_MANAGER_ROLE(), await manager.getAddress());
  await registry.grantRole(await registry.RECORDER_ROLE(), await recorder.getAddress());
  await registry.grantRole(await registry.PAUSER_ROLE(), await pauser.getAddress());
  const now = await chain.networkHelpers.time.latest();
  return { chain, registry, admin, manager, recorder, pauser, outsider, now };
}

function as(f: Fixture, signer: Signer): VoteRegistryContract {
  return f.registry.connect(signer) as VoteRegistryContract;
}

async function createElection(
  f: Fixture,
  id: number,
  window: { opensAt?: number; closesAt?: number; recordUntil?: number } = {},
): Promise<ContractTransactionResponse> {
  const opensAt = window.opensAt ?? f.now;
  const closesAt = window.closesAt ?? f.now + 10 * HOUR;
  const recordUntil = window.recordUntil ?? closesAt + HOUR;
  return as(f, f.manager).createElection(
    id,
    METADATA.choices.length,
    opensAt,
    closesAt,
    recordUntil,
    encodeElectionMetadata(METADATA),
  );
}

interface Vote {
  ref: string;
  choice: number;
  voteHash: string;
}

function randomVotes(n: number, choiceCount = 3): Vote[] {
  return Array.from({ length: n }, (_, i) => ({
    ref: hexlify(randomBytes(16)),
    choice: i % choiceCount,
    voteHash: hexlify(randomBytes(32)),
  }));
}

async function recordBatch(f: Fixture, electionId: number, firstSeq: number, votes: Vote[]) {
  return as(f, f.recorder).recordVoteBatch(
    electionId,
    firstSeq,
    votes.map((v) => v.ref),
    votes.map((v) => v.choice),
    votes.map((v) => v.voteHash),
  );
}

async function eventsOf(tx: ContractTransactionResponse): Promise<RegistryEvent[]> {
  const receipt = await tx.wait();
  return (receipt?.logs ?? []).map(decodeRegistryEvent).filter((e): e is RegistryEvent => e !== null);
}

describe("VoteRegistry", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await deploy();
  });

  describe("roles", () => {
    it("gives the constructor's admin DEFAULT_ADMIN_ROLE and nothing else", async () => {
      const admin = await f.admin.getAddress();
      expect(await f.registry.hasRole(await f.registry.DEFAULT_ADMIN_ROLE(), admin)).toBe(true);
      const fresh = await deploy();
      const recorderRole = await fresh.registry.RECORDER_ROLE();
      expect(await fresh.registry.hasRole(recorderRole, await fresh.outsider.getAddress())).toBe(false);
    });

    it("refuses election creation without the manager role", async () => {
      const outsider = await f.outsider.getAddress();
      await expectRevert(
        as(f, f.outsider).createElection(1, 3, f.now, f.now + HOUR, f.now + 2 * HOUR, "{}"),
        "AccessControlUnauthorizedAccount",
        { account: outsider, neededRole: await f.registry.ELECTION_MANAGER_ROLE() },
      );
      // The recorder may record but not create.
      await expectRevert(
        as(f, f.recorder).createElection(1, 3, f.now, f.now + HOUR, f.now + 2 * HOUR, "{}"),
        "AccessControlUnauthorizedAccount",
      );
    });

    it("refuses closing without the manager role", async () => {
      await createElection(f, 1);
      await expectRevert(as(f, f.recorder).closeElection(1), "AccessControlUnauthorizedAccount");
    });

    it("refuses recording without the recorder role, even for a manager or the admin", async () => {
      await createElection(f, 1);
      const [vote] = randomVotes(1) as [Vote];
      for (const signer of [f.manager, f.admin, f.outsider]) {
        await expectRevert(
          as(f, signer).recordVoteBatch(1, 0, [vote.ref], [vote.choice], [vote.voteHash]),
          "AccessControlUnauthorizedAccount",
          { account: await signer.getAddress(), neededRole: await f.registry.RECORDER_ROLE() },
        );
        await expectRevert(
          as(f, signer).recordVote(1, 0, vote.ref, vote.choice, vote.voteHash),
          "AccessControlUnauthorizedAccount",
        );
      }
    });

    it("refuses pausing without the pauser role", async () => {
      await expectRevert(as(f, f.manager).pause(), "AccessControlUnauthorizedAccount");
      await as(f, f.pauser).pause();
      await expectRevert(as(f, f.outsider).unpause(), "AccessControlUnauthorizedAccount");
    });

    it("lets the admin revoke the recorder", async () => {
      await createElection(f, 1);
      await f.registry.revokeRole(await f.registry.RECORDER_ROLE(), await f.recorder.getAddress());
      await expectRevert(recordBatch(f, 1, 0, randomVotes(1)), "AccessControlUnauthorizedAccount");
    });
  });

  describe("createElection", () => {
    it("stores the window, hashes the metadata and emits it in ElectionCreated", async () => {
      const tx = await createElection(f, 7, {
        opensAt: f.now + HOUR,
        closesAt: f.now + 2 * HOUR,
        recordUntil: f.now + 3 * HOUR,
      });
      const json = encodeElectionMetadata(METADATA);
      const [event] = await eventsOf(tx);
      expect(event).toEqual({
        kind: "ElectionCreated",
        electionId: 7n,
        choiceCount: 3,
        opensAt: BigInt(f.now + HOUR),
        closesAt: BigInt(f.now + 2 * HOUR),
        recordUntil: BigInt(f.now + 3 * HOUR),
        metadataHash: metadataHashOf(json),
        metadata: json,
      });
      const election = await f.registry.getElection(7);
      expect(election.opensAt).toBe(BigInt(f.now + HOUR));
      expect(election.closesAt).toBe(BigInt(f.now + 2 * HOUR));
      expect(election.recordUntil).toBe(BigInt(f.now + 3 * HOUR));
      expect(election.choiceCount).toBe(3n);
      expect(election.closed).toBe(false);
      expect(election.nextSeq).toBe(0n);
      expect(await f.registry.metadataHash(7)).toBe(metadataHashOf(json));
      expect(await f.registry.electionExists(7)).toBe(true);
      expect(await f.registry.electionExists(8)).toBe(false);
    });

    it("refuses an existing id", async () => {
      await createElection(f, 1);
      await expectRevert(createElection(f, 1), "VoteRegistryElectionExists", { electionId: 1n });
    });

    it("refuses fewer than two choices", async () => {
      for (const count of [0, 1]) {
        await expectRevert(
          as(f, f.manager).createElection(1, count, f.now, f.now + HOUR, f.now + HOUR, "{}"),
          "VoteRegistryInvalidChoiceCount",
          { choiceCount: BigInt(count) },
        );
      }
    });

    it("refuses a window that is empty, inverted, or already over", async () => {
      const bad = [
        { opensAt: f.now + HOUR, closesAt: f.now + HOUR, recordUntil: f.now + 2 * HOUR }, // opens == closes
        { opensAt: f.now + 2 * HOUR, closesAt: f.now + HOUR, recordUntil: f.now + 3 * HOUR }, // opens after close
        { opensAt: f.now, closesAt: f.now + 2 * HOUR, recordUntil: f.now + HOUR }, // record ends before close
        { opensAt: f.now - 2 * HOUR, closesAt: f.now - HOUR, recordUntil: f.now + HOUR }, // closed already
      ];
      for (const w of bad) {
        await expectRevert(createElection(f, 1, w), "VoteRegistryInvalidWindow", {
          opensAt: BigInt(w.opensAt),
          closesAt: BigInt(w.closesAt),
          recordUntil: BigInt(w.recordUntil),
        });
      }
      // closesAt == recordUntil (no grace period) is allowed.
      await createElection(f, 2, { closesAt: f.now + HOUR, recordUntil: f.now + HOUR });
    });

    it("refuses while paused", async () => {
      await as(f, f.pauser).pause();
      await expectRevert(createElection(f, 1), "EnforcedPause");
    });

    it("reverts getters of an unknown election", async () => {
      await expectRevert(f.registry.getElection(99), "VoteRegistryUnknownElection", { electionId: 99n });
      await expectRevert(f.registry.nextSeq(99), "VoteRegistryUnknownElection", { electionId: 99n });
      await expectRevert(f.registry.metadataHash(99), "VoteRegistryUnknownElection", { electionId: 99n });
    });
  });

  describe("the election window", () => {
    it("refuses recording before opensAt and accepts it from opensAt", async () => {
      const opensAt = f.now + HOUR;
      await createElection(f, 1, { opensAt, closesAt: opensAt + HOUR });
      await expectRevert(recordBatch(f, 1, 0, randomVotes(2)), "VoteRegistryElectionNotOpen", {
        electionId: 1n,
        opensAt: BigInt(opensAt),
      });
      await f.chain.networkHelpers.time.setNextBlockTimestamp(opensAt);
      await recordBatch(f, 1, 0, randomVotes(2));
      expect(await f.registry.nextSeq(1)).toBe(2n);
    });

    it("keeps recording open after closesAt until recordUntil (the grace period), then refuses", async () => {
      const closesAt = f.now + HOUR;
      const recordUntil = closesAt + HOUR;
      await createElection(f, 1, { closesAt, recordUntil });
      await f.chain.networkHelpers.time.setNextBlockTimestamp(closesAt + 1);
      await recordBatch(f, 1, 0, randomVotes(3)); // in the grace period
      await f.chain.networkHelpers.time.setNextBlockTimestamp(recordUntil);
      await recordBatch(f, 1, 3, randomVotes(1)); // the last second is still in
      await expectRevert(recordBatch(f, 1, 4, randomVotes(1)), "VoteRegistryRecordingEnded", {
        electionId: 1n,
        recordUntil: BigInt(recordUntil),
      });
      expect(await f.registry.nextSeq(1)).toBe(4n);
    });

    it("closeElection ends intake now, keeps the grace period, and emits ElectionClosed", async () => {
      await createElection(f, 1, { closesAt: f.now + 10 * HOUR, recordUntil: f.now + 11 * HOUR });
      const tx = await as(f, f.manager).closeElection(1);
      const receipt = await tx.wait();
      const block = await f.chain.ethers.provider.getBlock(receipt?.blockNumber ?? 0);
      const [event] = await eventsOf(tx);
      expect(event).toEqual({ kind: "ElectionClosed", electionId: 1n, closesAt: BigInt(block?.timestamp ?? 0) });
      const election = await f.registry.getElection(1);
      expect(election.closed).toBe(true);
      expect(election.closesAt).toBe(BigInt(block?.timestamp ?? 0));
      expect(election.recordUntil).toBe(BigInt(f.now + 11 * HOUR));
      await recordBatch(f, 1, 0, randomVotes(2)); // accepted votes still reach the chain
      await expectRevert(as(f, f.manager).closeElection(1), "VoteRegistryElectionAlreadyClosed", { electionId: 1n });
      await expectRevert(as(f, f.manager).closeElection(2), "VoteRegistryUnknownElection", { electionId: 2n });
    });

    it("closing after closesAt keeps the original closesAt", async () => {
      const closesAt = f.now + HOUR;
      await createElection(f, 1, { closesAt, recordUntil: closesAt + HOUR });
      await f.chain.networkHelpers.time.increaseTo(closesAt + 100);
      const [event] = await eventsOf(await as(f, f.manager).closeElection(1));
      expect(event).toEqual({ kind: "ElectionClosed", electionId: 1n, closesAt: BigInt(closesAt) });
    });
  });

  describe("recordVoteBatch", () => {
    beforeEach(async () => {
      await createElection(f, 1);
    });

    it("emits one VoteRecorded per vote, field by field, then BatchRecorded, and advances nextSeq", async () => {
      const votes = randomVotes(5);
      const events = await eventsOf(await recordBatch(f, 1, 0, votes));
      expect(events).toHaveLength(6);
      votes.forEach((v, i) => {
        expect(events[i]).toEqual({
          kind: "VoteRecorded",
          electionId: 1n,
          seq: BigInt(i),
          ref: v.ref,
          choice: v.choice,
          voteHash: v.voteHash,
        });
      });
      expect(events[5]).toEqual({ kind: "BatchRecorded", electionId: 1n, firstSeq: 0n, count: 5 });
      expect(await f.registry.nextSeq(1)).toBe(5n);
    });

    it("refuses a replayed batch with the expected seq, so the relayer can reconcile", async () => {
      const votes = randomVotes(4);
      await recordBatch(f, 1, 0, votes);
      await expectRevert(recordBatch(f, 1, 0, votes), "VoteRegistrySequenceMismatch", {
        electionId: 1n,
        expected: 4n,
        given: 0n,
      });
    });

    it("refuses an overlapping batch and one that would leave a gap", async () => {
      await recordBatch(f, 1, 0, randomVotes(4));
      await expectRevert(recordBatch(f, 1, 2, randomVotes(4)), "VoteRegistrySequenceMismatch", {
        expected: 4n,
        given: 2n,
      });
      await expectRevert(recordBatch(f, 1, 5, randomVotes(1)), "VoteRegistrySequenceMismatch", {
        expected: 4n,
        given: 5n,
      });
      expect(await f.registry.nextSeq(1)).toBe(4n);
    });

    it("refuses arrays of different lengths", async () => {
      const v = randomVotes(3);
      const refs = v.map((x) => x.ref);
      const choices = v.map((x) => x.choice);
      const hashes = v.map((x) => x.voteHash);
      const r = as(f, f.recorder);
      await expectRevert(r.recordVoteBatch(1, 0, refs, choices.slice(1), hashes), "VoteRegistryLengthMismatch", {
        refs: 3n,
        choices: 2n,
        voteHashes: 3n,
      });
      await expectRevert(r.recordVoteBatch(1, 0, refs, choices, hashes.slice(2)), "VoteRegistryLengthMismatch", {
        refs: 3n,
        choices: 3n,
        voteHashes: 1n,
      });
      await expectRevert(r.recordVoteBatch(1, 0, refs.slice(1), choices, hashes), "VoteRegistryLengthMismatch");
    });

    it("refuses an empty batch", async () => {
      await expectRevert(as(f, f.recorder).recordVoteBatch(1, 0, [], [], []), "VoteRegistryEmptyBatch");
    });

    it("refuses a choice out of range, naming the vote, and records nothing of the batch", async () => {
      const votes = randomVotes(4);
      (votes[2] as Vote).choice = 3;
      await expectRevert(recordBatch(f, 1, 0, votes), "VoteRegistryChoiceOutOfRange", {
        electionId: 1n,
        index: 2n,
        choice: 3n,
        choiceCount: 3n,
      });
      expect(await f.registry.nextSeq(1)).toBe(0n);
    });

    it("refuses an unknown election", async () => {
      await expectRevert(recordBatch(f, 2, 0, randomVotes(1)), "VoteRegistryUnknownElection", { electionId: 2n });
    });

    it("refuses while paused and resumes after unpause", async () => {
      const tx = await as(f, f.pauser).pause();
      expect((await tx.wait())?.logs).toHaveLength(1);
      expect(await f.registry.paused()).toBe(true);
      await expectRevert(recordBatch(f, 1, 0, randomVotes(1)), "EnforcedPause");
      await expectRevert(
        as(f, f.recorder).recordVote(1, 0, hexlify(randomBytes(16)), 0, hexlify(randomBytes(32))),
        "EnforcedPause",
      );
      await expectRevert(as(f, f.pauser).pause(), "EnforcedPause");
      await as(f, f.pauser).unpause();
      await expectRevert(as(f, f.pauser).unpause(), "ExpectedPause");
      await recordBatch(f, 1, 0, randomVotes(1));
      expect(await f.registry.nextSeq(1)).toBe(1n);
    });

    it("keeps a separate sequence per election", async () => {
      await createElection(f, 2);
      await recordBatch(f, 1, 0, randomVotes(3));
      await recordBatch(f, 2, 0, randomVotes(2));
      await recordBatch(f, 1, 3, randomVotes(1));
      expect(await f.registry.nextSeq(1)).toBe(4n);
      expect(await f.registry.nextSeq(2)).toBe(2n);
    });
  });

  describe("recordVote", () => {
    it("emits the same VoteRecorded event as a batch of one", async () => {
      await createElection(f, 1);
      const [v] = randomVotes(1) as [Vote];
      const events = await eventsOf(await as(f, f.recorder).recordVote(1, 0, v.ref, v.choice, v.voteHash));
      expect(events).toEqual([
        { kind: "VoteRecorded", electionId: 1n, seq: 0n, ref: v.ref, choice: v.choice, voteHash: v.voteHash },
        { kind: "BatchRecorded", electionId: 1n, firstSeq: 0n, count: 1 },
      ]);
      await expectRevert(
        as(f, f.recorder).recordVote(1, 0, v.ref, v.choice, v.voteHash),
        "VoteRegistrySequenceMismatch",
        {
          expected: 1n,
          given: 0n,
        },
      );
      await expectRevert(as(f, f.recorder).recordVote(1, 1, v.ref, 9, v.voteHash), "VoteRegistryChoiceOutOfRange", {
        index: 0n,
        choice: 9n,
      });
    });
  });

  describe("property: any order of batch submissions yields one gap-free sequence", () => {
    it("accepts exactly the in-order batches, and the events reproduce every vote once", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.nat(), { minLength: 0, maxLength: 30 }),
          async (sizes, shuffle) => {
            const g = await deploy();
            await createElection(g, 1);
            // Batches as the relayer would prepare them, with their seqs fixed up front.
            let seq = 0;
            const batches = sizes.map((size) => {
              const batch = { firstSeq: seq, votes: randomVotes(size) };
              seq += size;
              return batch;
            });
            // Submit attempts in a random order, with repeats (replays), until all are in.
            const attempts = [...shuffle.map((n) => n % batches.length), ...batches.map((_, i) => i)];
            const recorded: RegistryEvent[] = [];
            for (const i of attempts) {
              const batch = batches[i] as (typeof batches)[number];
              const expected = Number(await g.registry.nextSeq(1));
              if (batch.firstSeq === expected) {
                recorded.push(...(await eventsOf(await recordBatch(g, 1, batch.firstSeq, batch.votes))));
              } else {
                await expectRevert(recordBatch(g, 1, batch.firstSeq, batch.votes), "VoteRegistrySequenceMismatch", {
                  expected: BigInt(expected),
                  given: BigInt(batch.firstSeq),
                });
              }
              // Drain: keep submitting the next batch in order (the relayer's reconciliation).
            }
            for (
              let next = Number(await g.registry.nextSeq(1));
              next < seq;
              next = Number(await g.registry.nextSeq(1))
            ) {
              const batch = batches.find((b) => b.firstSeq === next);
              if (!batch) throw new Error(`no batch starts at ${next}`);
              recorded.push(...(await eventsOf(await recordBatch(g, 1, batch.firstSeq, batch.votes))));
            }
            const votes = recorded.filter((e) => e.kind === "VoteRecorded");
            expect(votes.map((e) => Number(e.seq))).toEqual(Array.from({ length: seq }, (_, i) => i));
            const all = batches.flatMap((b) => b.votes);
            votes.forEach((e, i) => {
              expect(e.ref).toBe(all[i]?.ref);
              expect(e.voteHash).toBe(all[i]?.voteHash);
              expect(e.choice).toBe(all[i]?.choice);
            });
          },
        ),
        { numRuns: 15 },
      );
    });
  });

  describe("voteHashOf", () => {
    it("reproduces every committed vector of the shared module (TypeScript and Solidity agree)", async () => {
      // The vectors' registry address is the first contract deployed by account #0 on a new chain.
      const local = voteHashVectors.filter((v) => v.chainId === 31337);
      expect(local.length).toBeGreaterThan(5);
      const address = await f.registry.getAddress();
      expect(address).toBe(local[0]?.registry);
      for (const v of local) {
        expect(await f.registry.voteHashOf(v.electionId, v.ref, v.choice, v.receiptSecret)).toBe(v.voteHash);
      }
    });
  });

  describe("secret elections", () => {
    const KEY = hexlify(randomBytes(32));
    const RECORD = hexlify(randomBytes(300));

    function createSecret(id: number, options: { key?: string; threshold?: number; trustees?: number } = {}) {
      return as(f, f.manager).createSecretElection(
        id,
        METADATA.choices.length,
        f.now,
        f.now + 10 * HOUR,
        f.now + 11 * HOUR,
        encodeElectionMetadata(METADATA),
        options.key ?? KEY,
        options.threshold ?? 3,
        options.trustees ?? 5,
        RECORD,
      );
    }

    function ballots(n: number, size = 707): string[] {
      return Array.from({ length: n }, () => hexlify(randomBytes(size)));
    }

    it("carries the key, threshold and ceremony record at creation, after ElectionCreated", async () => {
      const events = await eventsOf(await createSecret(1));
      expect(events.map((e) => e.kind)).toEqual(["ElectionCreated", "SecretElectionCreated"]);
      expect(events[1]).toEqual({
        kind: "SecretElectionCreated",
        electionId: 1n,
        electionKey: KEY,
        threshold: 3,
        trusteeCount: 5,
        ceremonyRecord: RECORD,
      });
      const election = await f.registry.getElection(1);
      expect([election.secret, election.tallyPublished]).toEqual([true, false]);
      expect(await f.registry.electionKey(1)).toBe(KEY);
      await createElection(f, 2);
      expect((await f.registry.getElection(2)).secret).toBe(false);
      expect(await f.registry.electionKey(2)).toBe(`0x${"0".repeat(64)}`);
    });

    it("refuses a zero key and a threshold outside 1..trusteeCount, and the manager role is needed", async () => {
      const zero = `0x${"0".repeat(64)}`;
      await expectRevert(createSecret(1, { key: zero }), "VoteRegistryInvalidTrustees", { electionKey: zero });
      await expectRevert(createSecret(1, { threshold: 0 }), "VoteRegistryInvalidTrustees", { threshold: 0n });
      await expectRevert(createSecret(1, { threshold: 6, trustees: 5 }), "VoteRegistryInvalidTrustees", {
        threshold: 6n,
        trusteeCount: 5n,
      });
      await expect(
        as(f, f.recorder).createSecretElection(1, 3, f.now, f.now + HOUR, f.now + HOUR, "{}", KEY, 1, 1, "0x"),
      ).rejects.toThrow();
      expect(await f.registry.electionExists(1)).toBe(false);
    });

    it("records sealed ballots whole, one BallotRecorded each, on the same gap-free sequence", async () => {
      await createSecret(1);
      const first = ballots(3);
      const events = await eventsOf(await as(f, f.recorder).recordBallotBatch(1, 0, first));
      expect(events).toEqual([
        ...first.map((ballot, i) => ({ kind: "BallotRecorded", electionId: 1n, seq: BigInt(i), ballot })),
        { kind: "BatchRecorded", electionId: 1n, firstSeq: 0n, count: 3 },
      ]);
      expect(await f.registry.nextSeq(1)).toBe(3n);
      await expectRevert(as(f, f.recorder).recordBallotBatch(1, 0, ballots(1)), "VoteRegistrySequenceMismatch", {
        expected: 3n,
        given: 0n,
      });
      await expectRevert(as(f, f.recorder).recordBallotBatch(1, 3, []), "VoteRegistryEmptyBatch");
      await expectRevert(as(f, f.recorder).recordBallotBatch(1, 3, [...ballots(1), "0x"]), "VoteRegistryEmptyBallot", {
        index: 1n,
      });
      await expect(as(f, f.outsider).recordBallotBatch(1, 3, ballots(1))).rejects.toThrow();
      expect(await f.registry.nextSeq(1)).toBe(3n);
    });

    it("keeps the kinds apart: no open vote in a secret election, no sealed ballot in an open one", async () => {
      await createSecret(1);
      await createElection(f, 2);
      await expectRevert(recordBatch(f, 1, 0, randomVotes(1)), "VoteRegistryWrongElectionKind", {
        electionId: 1n,
        secret: true,
      });
      await expectRevert(
        as(f, f.recorder).recordVote(1, 0, hexlify(randomBytes(16)), 0, KEY),
        "VoteRegistryWrongElectionKind",
      );
      await expectRevert(as(f, f.recorder).recordBallotBatch(2, 0, ballots(1)), "VoteRegistryWrongElectionKind", {
        electionId: 2n,
        secret: false,
      });
    });

    it("takes decryption shares and one tally only after recording ends", async () => {
      await createSecret(1);
      await as(f, f.recorder).recordBallotBatch(1, 0, ballots(2));
      const share = hexlify(randomBytes(200));
      const notYet = { electionId: 1n, recordUntil: BigInt(f.now + 11 * HOUR) };
      await expectRevert(
        as(f, f.recorder).publishDecryptionShare(1, 2, share),
        "VoteRegistryRecordingNotEnded",
        notYet,
      );
      await expectRevert(as(f, f.recorder).publishTally(1, [1, 1, 0], "0x01"), "VoteRegistryRecordingNotEnded", notYet);
      await f.chain.networkHelpers.time.increaseTo(f.now + 11 * HOUR + 1);
      expect(await eventsOf(await as(f, f.recorder).publishDecryptionShare(1, 2, share))).toEqual([
        { kind: "DecryptionSharePublished", electionId: 1n, trusteeIndex: 2, share },
      ]);
      await expectRevert(as(f, f.recorder).publishTally(1, [1, 1], "0x01"), "VoteRegistryTallyLength", {
        expected: 3n,
        given: 2n,
      });
      expect(await eventsOf(await as(f, f.recorder).publishTally(1, [1, 1, 0], "0x0102"))).toEqual([
        { kind: "TallyPublished", electionId: 1n, counts: [1n, 1n, 0n], proof: "0x0102" },
      ]);
      expect((await f.registry.getElection(1)).tallyPublished).toBe(true);
      await expectRevert(as(f, f.recorder).publishTally(1, [2, 0, 0], "0x01"), "VoteRegistryTallyAlreadyPublished");
      await expect(as(f, f.outsider).publishDecryptionShare(1, 1, share)).rejects.toThrow();
    });

    it("refuses shares and tallies for an open election", async () => {
      await createElection(f, 2, { closesAt: f.now + HOUR, recordUntil: f.now + HOUR });
      await f.chain.networkHelpers.time.increaseTo(f.now + HOUR + 1);
      await expectRevert(as(f, f.recorder).publishDecryptionShare(2, 1, "0x01"), "VoteRegistryWrongElectionKind", {
        secret: false,
      });
      await expectRevert(as(f, f.recorder).publishTally(2, [0, 0, 0], "0x"), "VoteRegistryWrongElectionKind");
    });
  });
});
