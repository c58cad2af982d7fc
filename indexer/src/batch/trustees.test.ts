import { encodePoint, mulBase, randomScalar } from "@veritally/crypto/group";
import { loadSodiumOps } from "@veritally/crypto/sodium";
import {
  computeTally,
  csprng,
  decryptionShareToJson,
  electionKeyToJson,
  partialDecrypt,
  type TallyInput,
  tallyToJson,
} from "@veritally/crypto/trustee";
import { runHonestCeremony } from "@veritally/crypto/trustee/testing";
import { beforeAll, describe, expect, test } from "vitest";
import type { Election } from "../model/index.js";
import { countBallot, hexOf, openAggregate, storeAggregate, storedAggregate } from "./ballots.js";
import { refreshTallyConsistency } from "./elections.js";
import {
  builderFor,
  CHAIN,
  CONTEXT,
  createdElection,
  secretCreatedArgs,
  theCeremony,
  utf8Hex,
} from "./secret-fixture.js";
import { applySecretCreated, applyShare, applyTally, createKeyRecords, type KeyRecords } from "./trustees.js";

const VOTES = [0, 2, 1, 2, 2];
const at = (logIndex: number) => ({ block: { height: 40, hash: "0xb" }, at: new Date(0), txHash: "0xt", logIndex });

let keyRecords: KeyRecords;
/** Election 7 after SecretElectionCreated and five valid ballots. */
let election: Election;
let input: TallyInput;

beforeAll(async () => {
  keyRecords = createKeyRecords(CHAIN);
  election = createdElection();
  applySecretCreated(election, secretCreatedArgs(), keyRecords);
  const builder = await builderFor(election);
  const aggregator = openAggregate(election, await loadSodiumOps());
  for (const vote of VOTES) {
    aggregator.add(builder.build(vote).encoded);
    countBallot(election, true, false);
  }
  storeAggregate(election, aggregator);
  input = {
    context: CONTEXT,
    jointKey: theCeremony().record.jointKey,
    ballotCount: VOTES.length,
    aggregate: storedAggregate(election),
  };
});

function shareOf(trustee: number, of = input) {
  const { record, secretShares } = theCeremony();
  return partialDecrypt(record, trustee, secretShares[trustee - 1] ?? 0n, of.aggregate, csprng);
}

describe("a secret election's ceremony record, shares and tally, without a database", () => {
  test("the ceremony record verifies and matches the event", () => {
    expect(election.secret).toBe(true);
    expect(election.ceremonyRecordError).toBeNull();
    expect({ threshold: election.threshold, trustees: election.trusteeCount }).toEqual({ threshold: 3, trustees: 5 });
  });

  test("a ceremony record that does not prove the event's key, or is not one, is named", () => {
    const cases: [Parameters<typeof secretCreatedArgs>[0], string][] = [
      [
        { electionKey: hexOf(encodePoint(mulBase(randomScalar()))) },
        "ceremony record: $.jointKey is not the election key of SecretElectionCreated",
      ],
      [{ threshold: 2 }, "ceremony record: $.context is not this election's"],
      [{ ceremonyRecord: "0x" }, "ceremony record: empty"],
      [{ ceremonyRecord: "0x7b7b" }, "ceremony record: not UTF-8 JSON"],
      [{ ceremonyRecord: utf8Hex({ format: "veritally/election-key/v1" }) }, "ceremony record: $"],
    ];
    // Another ceremony's record for the same election: its key is not the event's.
    const other = runHonestCeremony(CONTEXT, csprng).record;
    cases.push([
      { ceremonyRecord: utf8Hex(electionKeyToJson(other)) },
      "ceremony record: $.jointKey is not the election key of SecretElectionCreated",
    ]);
    for (const [overrides, reason] of cases) {
      const row = createdElection();
      applySecretCreated(row, secretCreatedArgs(overrides), createKeyRecords(CHAIN));
      expect(row.ceremonyRecordError ?? "").toContain(reason);
      expect(row.secret).toBe(true);
    }
  });

  test("shares verify against the aggregate; a relabelled or foreign one does not count; k of n reach the threshold", () => {
    const row = structuredClone(election);
    const publish = (trustee: number, share: unknown, logIndex: number) =>
      applyShare(row, { electionId: 7n, trusteeIndex: trustee, share: utf8Hex(share) }, at(logIndex), keyRecords);

    const first = publish(1, decryptionShareToJson(input, shareOf(1)), 0);
    expect({ valid: first.valid, error: first.error, id: first.id }).toEqual({ valid: true, error: null, id: "0xt-0" });
    // Trustee 2's share published under index 4.
    const relabelled = publish(4, decryptionShareToJson(input, shareOf(2)), 1);
    expect(relabelled.error).toBe("share: $.trustee is 2, the event's trustee index is 4");
    // A share of another aggregate (the choices' ciphertexts in reverse order).
    const fewer = { ...input, aggregate: [...input.aggregate].reverse() };
    const foreign = publish(2, decryptionShareToJson(input, shareOf(2, fewer)), 2);
    expect(foreign.error).toBe("decryption share of trustee 2, choice 0: proof does not verify");
    expect(publish(3, { not: "a share" }, 3).error).toMatch(/^share: \$/);
    expect(row.decryptionShareTrustees).toEqual([1]);
    expect(row.decryptionThresholdReached).toBe(false);

    publish(4, decryptionShareToJson(input, shareOf(4)), 4);
    publish(1, decryptionShareToJson(input, shareOf(1)), 5);
    expect(row.decryptionThresholdReached).toBe(false);
    publish(2, decryptionShareToJson(input, shareOf(2)), 6);
    expect({
      received: row.decryptionSharesReceived,
      trustees: row.decryptionShareTrustees,
      reached: row.decryptionThresholdReached,
    }).toEqual({ received: 7, trustees: [1, 2, 4], reached: true });
  });

  test("the published tally verifies against the indexer's aggregate; a wrong count or another aggregate does not", async () => {
    const tally = computeTally(theCeremony().record, input.aggregate, VOTES.length, [
      shareOf(1),
      shareOf(3),
      shareOf(5),
    ]);
    expect(tally.counts).toEqual([1, 1, 3]);
    const proof = utf8Hex(tallyToJson(input, tally));

    const good = structuredClone(election);
    applyTally(good, { electionId: 7n, counts: [1n, 1n, 3n], proof }, at(9), keyRecords);
    expect({ valid: good.tallyValid, error: good.tallyError, counts: good.tallyCounts }).toEqual({
      valid: true,
      error: null,
      counts: ["1", "1", "3"],
    });
    refreshTallyConsistency(good);
    expect(good.tallyConsistent).toBe(true);

    const wrongCounts = structuredClone(election);
    applyTally(wrongCounts, { electionId: 7n, counts: [2n, 0n, 3n], proof }, at(9), keyRecords);
    expect(wrongCounts.tallyValid).toBe(false);
    expect(wrongCounts.tallyError).toBe("counts: the event's counts are not the tally proof's $.counts");

    // The indexer saw one more valid ballot than the proof's aggregate holds.
    const moreBallots = structuredClone(election);
    const aggregator = openAggregate(moreBallots, await loadSodiumOps());
    countBallot(moreBallots, true, false);
    return builderFor(moreBallots).then((builder) => {
      aggregator.add(builder.build(0).encoded);
      storeAggregate(moreBallots, aggregator);
      applyTally(moreBallots, { electionId: 7n, counts: [1n, 1n, 3n], proof }, at(9), keyRecords);
      expect(moreBallots.tallyError).toBe("tally proof: $.ballotCount is 5, the chain holds 6 valid ballots");

      // A moved vote: counts [2,0,3] with the proof's combined values does not verify.
      const moved = tallyToJson(input, { ...tally, counts: [2, 0, 3] });
      const forged = structuredClone(election);
      applyTally(forged, { electionId: 7n, counts: [2n, 0n, 3n], proof: utf8Hex(moved) }, at(9), keyRecords);
      expect(forged.tallyValid).toBe(false);
      expect(forged.tallyError).toBe("tally proof: counts[0]: B / M is not g^2");
    });
  });

  test("without a ceremony record the tally is stored and said not checkable", () => {
    const row = createdElection();
    applySecretCreated(row, secretCreatedArgs({ ceremonyRecord: "0x" }), createKeyRecords(CHAIN));
    applyTally(row, { electionId: 7n, counts: [0n, 0n, 0n], proof: "0x" }, at(1), keyRecords);
    expect({ valid: row.tallyValid, error: row.tallyError, counts: row.tallyCounts }).toEqual({
      valid: false,
      error: "cannot be checked: ceremony record: empty",
      counts: ["0", "0", "0"],
    });
    const share = applyShare(row, { electionId: 7n, trusteeIndex: 1, share: "0x7b7d" }, at(2), keyRecords);
    expect({ valid: share.valid, error: share.error }).toEqual({
      valid: false,
      error: "cannot be checked: ceremony record: empty",
    });
  });
});
