/**
 * What eligibility credentials cost on chain (docs/credential-spec.md), measured from receipts on a
 * local Hardhat node:
 *
 * - the roll: 100,000 real public credentials (codes drawn, keys derived as the credential CLI does),
 *   published in batches of 2,500 (80 KB of calldata, under the nodes' 128 KB transaction limit) and
 *   finalized; every batch is sent and measured (no extrapolation), and the root is recomputed from
 *   the events alone and compared with the contract's and the roll file's;
 * - a ballot's extra bytes and gas: batches of 100 real 4-choice sealed ballots recorded without a
 *   credential (707 bytes) in a secret election and with one (803 bytes: flag 1, credential,
 *   signature) in a credentialed secret election, 3 batches each after each election's first; the
 *   difference of the medians per ballot is the extra gas (calldata and event bytes of the 96 bytes,
 *   measured, not computed).
 *
 * Writes bench/results/credentials.json and prints a summary.
 *
 *   npm run bench:credentials
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  connectVoteRegistry,
  decodeRollEvent,
  encodeElectionMetadata,
  LOCAL_ACCOUNTS,
  voteRegistryInterface,
} from "@veritally/contracts";
import { deployVoteRegistry } from "@veritally/contracts/deploy";
import { startLocalNode } from "@veritally/contracts/local-node";
import { createBallotBuilder } from "@veritally/crypto/ballot";
import {
  credentialContext,
  EXTRA_BALLOT_BYTES,
  generateCode,
  loadCredentials,
  makeRoll,
  RollTree,
} from "@veritally/crypto/credentials";
import { encodePoint, mulBase, randomScalar } from "@veritally/crypto/group";
import { type ContractTransactionResponse, hexlify, NonceManager, Wallet } from "ethers";

const ROLL_SIZE = 100_000;
const ROLL_BATCH = 2_500;
const BALLOT_BATCH = 100;
const ROUNDS = 3;
const CHOICES = 4;
const TARGET_EXTRA_BYTES = 100;
const TARGET_EXTRA_GAS = 4_000;
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "results");

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error("transaction failed");
  return Number(receipt.gasUsed);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const hex0x = (b: Uint8Array) => hexlify(b);

const node = await startLocalNode({ blockMs: 0 });
try {
  const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
  const relayer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.relayer.privateKey, node.provider));
  const authorityWallet = new NonceManager(new Wallet(LOCAL_ACCOUNTS.outsider.privateKey, node.provider));
  const { registry } = await deployVoteRegistry({ deployer, relayer: LOCAL_ACCOUNTS.relayer.address });
  const address = await registry.getAddress();
  await (await registry.grantRole(await registry.CREDENTIAL_AUTHORITY_ROLE(), LOCAL_ACCOUNTS.outsider.address)).wait();
  const manager = connectVoteRegistry(address, deployer);
  const recorder = connectVoteRegistry(address, relayer);
  const authority = connectVoteRegistry(address, authorityWallet);
  const now = (await node.provider.getBlock("latest"))?.timestamp ?? 0;
  const opensAt = now + 86_400;
  const metadata = encodeElectionMetadata({
    title: "Credentials benchmark",
    description: "",
    choices: ["A", "B", "C", "D"],
  });
  const creds = await loadCredentials();
  const contextOf = (id: number) => credentialContext({ chainId: "31337", registry: address, electionId: String(id) });

  // 1. The roll of election 1: 100,000 credentials.
  await (
    await manager.createCredentialedElection(1, CHOICES, opensAt, opensAt + 86_400, opensAt + 90_000, metadata)
  ).wait();
  let started = Date.now();
  const ctx1 = contextOf(1);
  const roll = makeRoll(
    ctx1,
    Array.from({ length: ROLL_SIZE }, () => creds.publicCredential(ctx1, generateCode())),
  );
  const generationSeconds = (Date.now() - started) / 1000;
  console.log(`generated ${ROLL_SIZE} credentials in ${generationSeconds.toFixed(1)} s`);
  started = Date.now();
  const batchGas: number[] = [];
  for (let i = 0; i < ROLL_SIZE; i += ROLL_BATCH) {
    const batch = roll.credentials.slice(i, i + ROLL_BATCH).map(hex0x);
    batchGas.push(await gasOf(authority.publishRoll(1, batch)));
  }
  const finalizeGas = await gasOf(authority.finalizeRoll(1, ROLL_SIZE, hex0x(roll.root)));
  const publishSeconds = (Date.now() - started) / 1000;
  const rollGas = batchGas.reduce((a, b) => a + b, 0) + finalizeGas;

  // An observer's check: the root from the events alone.
  const logs = await node.provider.getLogs({ address, fromBlock: 0, toBlock: "latest" });
  const tree = new RollTree();
  let eventsRootMatches = true;
  for (const log of logs) {
    const e = decodeRollEvent(log);
    if (e?.kind !== "RollBatchPublished") continue;
    for (const c of e.credentials) tree.append(Buffer.from(c.slice(2), "hex"));
    eventsRootMatches &&= hex0x(tree.root()) === e.root && BigInt(tree.size) === e.count;
  }
  const onChain = await registry.roll(1);
  eventsRootMatches &&= hex0x(tree.root()) === onChain.root && onChain.root === hex0x(roll.root);
  if (!eventsRootMatches) throw new Error("the root recomputed from the events differs from the contract's");

  // 2. Ballots with and without a credential, at batch 100.
  const key = mulBase(randomScalar());
  const keyHex = hex0x(encodePoint(key));
  await (
    await manager.createSecretElection(
      2,
      CHOICES,
      now,
      opensAt + 86_400,
      opensAt + 90_000,
      metadata,
      keyHex,
      3,
      5,
      "0x",
    )
  ).wait();
  await (
    await manager.createCredentialedSecretElection(
      3,
      CHOICES,
      opensAt,
      opensAt + 86_400,
      opensAt + 90_000,
      metadata,
      keyHex,
      3,
      5,
      "0x",
    )
  ).wait();
  const ctx3 = contextOf(3);
  const voters = Array.from({ length: BALLOT_BATCH * (ROUNDS + 1) }, () => creds.keyPair(ctx3, generateCode()));
  const roll3 = makeRoll(
    ctx3,
    voters.map((v) => v.publicKey),
  );
  await (await authority.publishRoll(3, roll3.credentials.map(hex0x))).wait();
  await (await authority.finalizeRoll(3, roll3.credentials.length, hex0x(roll3.root))).wait();
  await node.provider.send("evm_increaseTime", [86_400]);
  await node.provider.send("evm_mine", []);
  const builder = async (id: number) =>
    createBallotBuilder({
      chainId: 31337n,
      registry: Buffer.from(address.slice(2), "hex"),
      electionId: Buffer.from(id.toString(16).padStart(64, "0"), "hex"),
      publicKey: key,
      choices: CHOICES,
    });
  const plainBuilder = await builder(2);
  const signedBuilder = await builder(3);
  const seq = new Map<number, number>();
  const record = (id: number, ballots: Uint8Array[]) => {
    const first = seq.get(id) ?? 0;
    seq.set(id, first + ballots.length);
    return gasOf(recorder.recordBallotBatch(id, first, ballots));
  };
  const plainBatch = () => Array.from({ length: BALLOT_BATCH }, (_, i) => plainBuilder.build(i % CHOICES).encoded);
  let voter = 0;
  const signedBatch = () =>
    Array.from({ length: BALLOT_BATCH }, (_, i) => {
      const keys = voters[voter++];
      if (!keys) throw new Error("out of voters");
      return creds.signBallot(ctx3, keys, signedBuilder.build(i % CHOICES).encoded);
    });
  const sample = signedBatch();
  const signedBytes = sample[0]?.length ?? 0;
  if (!sample.every((b) => creds.verifyBallot(ctx3, b, CHOICES).ok)) throw new Error("a signed ballot does not verify");
  // Each election's first batch writes its sequence from zero: recorded apart, not measured.
  await record(2, plainBatch());
  await record(3, sample);
  const plainGas: number[] = [];
  const signedGas: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    plainGas.push(await record(2, plainBatch()));
    signedGas.push(await record(3, signedBatch()));
  }
  const plainBytes = plainBuilder.build(0).encoded.length;
  const extraBytes = signedBytes - plainBytes;
  const extraGas = Math.round((median(signedGas) - median(plainGas)) / BALLOT_BATCH);
  const calldataSize = voteRegistryInterface.encodeFunctionData("recordBallotBatch", [3, 0, sample]).length / 2 - 1;
  // EIP-7623 (Prague): a transaction pays at least 21,000 + 10 per calldata token (a zero byte is 1
  // token, any other 4), i.e. 40 gas per non-zero byte; batches of sealed ballots sit at that floor.
  const floorOf = (ballots: Uint8Array[]) => {
    const data = Buffer.from(
      voteRegistryInterface.encodeFunctionData("recordBallotBatch", [3, 1, ballots]).slice(2),
      "hex",
    );
    let tokens = 0;
    for (const b of data) tokens += b === 0 ? 1 : 4;
    return 21_000 + 10 * tokens;
  };

  const result = {
    date: new Date().toISOString(),
    chain: "Hardhat node (EDR), evmVersion cancun, automine",
    rollGasPer100k: rollGas,
    rollSize: ROLL_SIZE,
    rollBatchSize: ROLL_BATCH,
    rollBatches: batchGas.length,
    rollBatchGas: {
      first: batchGas[0],
      median: median(batchGas),
      min: Math.min(...batchGas),
      max: Math.max(...batchGas),
    },
    rollFinalizeGas: finalizeGas,
    rollGasPerCredential: Math.round(rollGas / ROLL_SIZE),
    rollRootFromEventsMatches: eventsRootMatches,
    rollGenerationSeconds: generationSeconds,
    rollPublishSeconds: publishSeconds,
    extraBytesPerBallot: extraBytes,
    ballotBytes: { plain: plainBytes, credentialed: signedBytes },
    extraGasPerBallotAt100: extraGas,
    extraGasMethod:
      "measured: median gas of 3 batches of 100 credentialed ballots minus 3 of 100 plain ones, per ballot",
    ballotBatchGasAt100: { plain: plainGas, credentialed: signedGas },
    credentialedBatchCalldataBytes: calldataSize,
    calldataFloorGasAt100: { plain: floorOf(plainBatch()), credentialed: floorOf(sample) },
    extraGasNote:
      "both kinds of batch pay the EIP-7623 calldata floor (21,000 + 40 gas per non-zero calldata byte), so the 96 extra bytes cost about 96 x 40 = 3,840 gas",
    targets: {
      extraBytesPerBallotMax: TARGET_EXTRA_BYTES,
      extraGasPerBallotAt100Max: TARGET_EXTRA_GAS,
      met: extraBytes <= TARGET_EXTRA_BYTES && extraGas <= TARGET_EXTRA_GAS,
    },
  };
  await mkdir(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, "credentials.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `roll of ${ROLL_SIZE}: ${rollGas} gas in ${batchGas.length} batches of ${ROLL_BATCH} + finalize ` +
      `(${result.rollGasPerCredential} gas/credential; batch median ${result.rollBatchGas.median}, first ${batchGas[0]}, ` +
      `finalize ${finalizeGas}); root from the events matches; published in ${publishSeconds.toFixed(1)} s`,
  );
  console.log(`ballot: ${plainBytes} -> ${signedBytes} bytes (+${extraBytes}, target <= ${TARGET_EXTRA_BYTES})`);
  console.log(`extra gas per ballot at batch ${BALLOT_BATCH}: ${extraGas} (target <= ${TARGET_EXTRA_GAS})`);
  console.log(
    `  EIP-7623 calldata floor of a batch: plain ${result.calldataFloorGasAt100.plain}, credentialed ` +
      `${result.calldataFloorGasAt100.credentialed} (measured medians ${median(plainGas)}, ${median(signedGas)})`,
  );
  console.log(result.targets.met ? "credential targets met" : "CREDENTIAL TARGETS MISSED");
  if (extraBytes !== EXTRA_BALLOT_BYTES) throw new Error(`expected ${EXTRA_BALLOT_BYTES} extra bytes`);
  process.exitCode = result.targets.met ? 0 : 1;
} finally {
  await node.stop();
}
