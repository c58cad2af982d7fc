/**
 * The roll of a credentialed election: batches before opening, the Merkle root the contract builds
 * and an observer recomputes from the events alone, finalization, late registration, and recording
 * refused until the roll is final.
 */
import {
  connectVoteRegistry,
  decodeRegistryEvent,
  decodeRollEvent,
  type RollEvent,
  type VoteRegistryContract,
} from "@veritally/contracts";
import { loadArtifact } from "@veritally/contracts/artifacts";
import {
  ContractFactory,
  type ContractTransactionResponse,
  concat,
  hexlify,
  keccak256,
  randomBytes,
  type Signer,
} from "ethers";
import { beforeEach, describe, expect, it } from "vitest";
import { type InProcessChain, inProcessChain } from "../../test-helpers/hardhat.js";
import { expectRevert } from "../../test-helpers/revert.js";

const HOUR = 3600;
const ZERO = `0x${"00".repeat(32)}`;
const KEY = `0x${"e2".repeat(32)}`;

interface Fixture {
  chain: InProcessChain;
  registry: VoteRegistryContract;
  manager: Signer;
  recorder: Signer;
  authority: Signer;
  now: number;
}

async function deploy(): Promise<Fixture> {
  const chain = await inProcessChain();
  const [admin, manager, recorder, authority] = (await chain.ethers.getSigners()) as Signer[] as [
    Signer,
    Signer,
    Signer,
    Signer,
  ];
  const artifact = await loadArtifact("VoteRegistry");
  const contract = await new ContractFactory(artifact.abi as never, artifact.bytecode, admin).deploy(
    await admin.getAddress(),
  );
  await contract.waitForDeployment();
  const registry = connectVoteRegistry(await contract.getAddress(), admin);
  await registry.grantRole(await registry.ELECTION_MANAGER_ROLE(), await manager.getAddress());
  await registry.grantRole(await registry.RECORDER_ROLE(), await recorder.getAddress());
  await registry.grantRole(await registry.CREDENTIAL_AUTHORITY_ROLE(), await authority.getAddress());
  return { chain, registry, manager, recorder, authority, now: await chain.networkHelpers.time.latest() };
}

const as = (f: Fixture, s: Signer) => f.registry.connect(s) as VoteRegistryContract;

// An observer's tree, written from docs/credential-spec.md §6 (RFC 9162's tree hash with keccak256).
const leaf = (c: string) => keccak256(concat(["0x00", c]));
const node = (l: string, r: string) => keccak256(concat(["0x01", l, r]));
function treeHash(leaves: readonly string[]): string {
  if (leaves.length === 1) return leaves[0] as string;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return node(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}
const rootOf = (credentials: readonly string[]) => (credentials.length === 0 ? ZERO : treeHash(credentials.map(leaf)));

/** `n` distinct random credentials, ascending. */
function sortedCredentials(n: number): string[] {
  return Array.from({ length: n }, () => hexlify(randomBytes(32))).sort();
}

async function rollEvents(tx: ContractTransactionResponse): Promise<RollEvent[]> {
  const receipt = await tx.wait();
  return (receipt?.logs ?? []).map(decodeRollEvent).filter((e): e is RollEvent => e !== null);
}

async function credentialedElection(f: Fixture, id: number, opensIn = HOUR) {
  return as(f, f.manager).createCredentialedElection(
    id,
    3,
    f.now + opensIn,
    f.now + 10 * HOUR,
    f.now + 11 * HOUR,
    '{"title":"t","choices":["a","b","c"]}',
  );
}

const vote = () => ({ ref: hexlify(randomBytes(16)), hash: hexlify(randomBytes(32)) });

describe("VoteRegistry roll", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await deploy();
  });

  it("publishes in batches; the root in each event and in storage is the observer's, recomputed from the events", async () => {
    const events = await rollEvents(await credentialedElection(f, 1));
    expect(events).toEqual([{ kind: "CredentialedElectionCreated", electionId: 1n }]);
    expect(await f.registry.roll(1)).toEqual([true, false, 0n, ZERO]);
    const all = sortedCredentials(1 + 6 + 10 + 16);
    const batches = [all.slice(0, 1), all.slice(1, 7), all.slice(7, 17), all.slice(17)];
    const seen: string[] = [];
    for (const batch of batches) {
      const [event] = await rollEvents(await as(f, f.authority).publishRoll(1, batch));
      if (event?.kind !== "RollBatchPublished") throw new Error(`expected RollBatchPublished, got ${event?.kind}`);
      expect(event.firstIndex).toBe(BigInt(seen.length));
      seen.push(...event.credentials);
      expect(event.count).toBe(BigInt(seen.length));
      expect(event.root).toBe(rootOf(seen));
    }
    expect(seen).toEqual(all);
    const [, , count, root] = await f.registry.roll(1);
    expect([count, root]).toEqual([BigInt(all.length), rootOf(all)]);
  });

  it("computes the specification's root for a fixed roll (crypto/vectors/credentials.json, merkle)", async () => {
    await credentialedElection(f, 1);
    const fixed = [1, 2, 3, 4, 5].map((i) => `0x${i.toString(16).padStart(2, "0").repeat(32)}`);
    await as(f, f.authority).publishRoll(1, fixed);
    expect((await f.registry.roll(1)).root).toBe("0x9c38026ea41e88d0fd1417d1c05063f60856ca4759029cd9a7624969abe30c4a");
  });

  it("refuses a batch out of order, a repeated or zero credential, an empty batch, and other roles", async () => {
    await credentialedElection(f, 1);
    const [a, b, c] = sortedCredentials(3) as [string, string, string];
    await expectRevert(as(f, f.authority).publishRoll(1, [a, c, b]), "VoteRegistryRollOrder", {
      index: 2n,
      credential: b,
    });
    await expectRevert(as(f, f.authority).publishRoll(1, [a, a]), "VoteRegistryRollOrder", { index: 1n });
    await expectRevert(as(f, f.authority).publishRoll(1, [ZERO]), "VoteRegistryRollOrder", { index: 0n });
    await expectRevert(as(f, f.authority).publishRoll(1, []), "VoteRegistryEmptyBatch");
    await as(f, f.authority).publishRoll(1, [b]);
    // The next batch starts above the last credential published.
    await expectRevert(as(f, f.authority).publishRoll(1, [a]), "VoteRegistryRollOrder", { index: 0n, credential: a });
    await expectRevert(as(f, f.authority).publishRoll(1, [b]), "VoteRegistryRollOrder");
    for (const signer of [f.manager, f.recorder]) {
      await expectRevert(as(f, signer).publishRoll(1, [c]), "AccessControlUnauthorizedAccount");
      await expectRevert(as(f, signer).finalizeRoll(1, 1, rootOf([b])), "AccessControlUnauthorizedAccount");
    }
    expect((await f.registry.roll(1)).count).toBe(1n);
  });

  it("records nothing until the roll is final; finalizing takes the roll's own count and root", async () => {
    await credentialedElection(f, 1, 60);
    const v = vote();
    await expectRevert(as(f, f.authority).finalizeRoll(1, 0, ZERO), "VoteRegistryEmptyRoll", { electionId: 1n });
    const roll = sortedCredentials(4);
    await as(f, f.authority).publishRoll(1, roll);
    await expectRevert(as(f, f.authority).finalizeRoll(1, 3, rootOf(roll)), "VoteRegistryRollMismatch", {
      count: 4n,
      root: rootOf(roll),
    });
    await expectRevert(as(f, f.authority).finalizeRoll(1, 4, rootOf(roll.slice(1))), "VoteRegistryRollMismatch");
    const events = await rollEvents(await as(f, f.authority).finalizeRoll(1, 4, rootOf(roll)));
    expect(events).toEqual([{ kind: "RollFinalized", electionId: 1n, count: 4n, root: rootOf(roll) }]);
    await expectRevert(as(f, f.authority).publishRoll(1, sortedCredentials(1)), "VoteRegistryRollAlreadyFinal");
    await expectRevert(as(f, f.authority).finalizeRoll(1, 4, rootOf(roll)), "VoteRegistryRollAlreadyFinal");
    await f.chain.networkHelpers.time.increaseTo(f.now + 61);
    const tx = await as(f, f.recorder).recordVoteBatch(1, 0, [v.ref], [1], [v.hash]);
    expect((await tx.wait())?.logs.map(decodeRegistryEvent).map((e) => e?.kind)).toEqual([
      "VoteRecorded",
      "BatchRecorded",
    ]);
    // getElection keeps its shape: the roll is read with roll().
    expect((await f.registry.getElection(1)).length).toBe(8);
    expect(await f.registry.roll(1)).toEqual([true, true, 4n, rootOf(roll)]);
  });

  it("an election that opens without a final roll never records, and its roll can no longer change", async () => {
    await credentialedElection(f, 1, 60);
    await as(f, f.authority).publishRoll(1, sortedCredentials(2));
    await f.chain.networkHelpers.time.increaseTo(f.now + 60);
    const v = vote();
    await expectRevert(as(f, f.recorder).recordVoteBatch(1, 0, [v.ref], [0], [v.hash]), "VoteRegistryRollNotFinal", {
      electionId: 1n,
    });
    await expectRevert(as(f, f.recorder).recordVote(1, 0, v.ref, 0, v.hash), "VoteRegistryRollNotFinal");
    const opensAt = BigInt(f.now + 60);
    await expectRevert(as(f, f.authority).publishRoll(1, sortedCredentials(1)), "VoteRegistryRollAfterOpening", {
      opensAt,
    });
    await expectRevert(as(f, f.authority).finalizeRoll(1, 2, ZERO), "VoteRegistryRollAfterOpening");
    await expectRevert(as(f, f.authority).publishLateCredentials(1, sortedCredentials(1)), "VoteRegistryRollNotFinal");
  });

  it("adds late credentials only after finalization and while intake is open, each batch visible with the new root", async () => {
    await credentialedElection(f, 1, 60);
    const roll = sortedCredentials(3);
    await as(f, f.authority).publishRoll(1, roll);
    await as(f, f.authority).finalizeRoll(1, 3, rootOf(roll));
    await f.chain.networkHelpers.time.increaseTo(f.now + 2 * HOUR);
    // Late ones come in any order (they are not ascending after the roll).
    const late = sortedCredentials(2).reverse();
    const [event] = await rollEvents(await as(f, f.authority).publishLateCredentials(1, late));
    expect(event).toEqual({
      kind: "LateCredentialsPublished",
      electionId: 1n,
      firstIndex: 3n,
      count: 5n,
      root: rootOf([...roll, ...late]),
      credentials: late,
    });
    await expectRevert(as(f, f.manager).publishLateCredentials(1, late), "AccessControlUnauthorizedAccount");
    await expectRevert(as(f, f.authority).publishLateCredentials(1, []), "VoteRegistryEmptyBatch");
    await as(f, f.manager).closeElection(1);
    await expectRevert(
      as(f, f.authority).publishLateCredentials(1, sortedCredentials(1)),
      "VoteRegistryLateRegistrationEnded",
    );
    expect(await f.registry.roll(1)).toEqual([true, true, 5n, rootOf([...roll, ...late])]);
  });

  it("a credentialed secret election: the three creation events, ballots refused until the roll is final", async () => {
    const tx = await as(f, f.manager).createCredentialedSecretElection(
      2,
      4,
      f.now + 60,
      f.now + 10 * HOUR,
      f.now + 11 * HOUR,
      "{}",
      KEY,
      2,
      3,
      "0x01",
    );
    const logs = (await tx.wait())?.logs ?? [];
    expect(logs.map((l) => decodeRegistryEvent(l)?.kind ?? decodeRollEvent(l)?.kind)).toEqual([
      "ElectionCreated",
      "SecretElectionCreated",
      "CredentialedElectionCreated",
    ]);
    expect(await f.registry.electionKey(2)).toBe(KEY);
    await expectRevert(
      as(f, f.manager).createCredentialedSecretElection(
        3,
        4,
        f.now + 60,
        f.now + HOUR,
        f.now + HOUR,
        "{}",
        ZERO,
        1,
        1,
        "0x",
      ),
      "VoteRegistryInvalidTrustees",
    );
    await f.chain.networkHelpers.time.increaseTo(f.now + 60);
    await expectRevert(as(f, f.recorder).recordBallotBatch(2, 0, ["0x01"]), "VoteRegistryRollNotFinal");
  });

  it("an election created the old way has no roll and records as before", async () => {
    await as(f, f.manager).createElection(5, 3, f.now, f.now + HOUR, f.now + 2 * HOUR, "{}");
    expect(await f.registry.roll(5)).toEqual([false, false, 0n, ZERO]);
    await expectRevert(as(f, f.authority).publishRoll(5, sortedCredentials(1)), "VoteRegistryNotCredentialed", {
      electionId: 5n,
    });
    await expectRevert(
      as(f, f.authority).publishLateCredentials(5, sortedCredentials(1)),
      "VoteRegistryNotCredentialed",
    );
    const v = vote();
    await as(f, f.recorder).recordVoteBatch(5, 0, [v.ref], [2], [v.hash]);
    expect(await f.registry.nextSeq(5)).toBe(1n);
    await expectRevert(f.registry.roll(99), "VoteRegistryUnknownElection");
  });
});
