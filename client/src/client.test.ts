/**
 * The SDK against a real relayer (API and worker as child processes) over HTTP, on a real Hardhat
 * node and Postgres: a secret election created from a real ceremony record, a ballot built on the
 * "device" (this process), cast, recorded on chain with the tracker equal to SHA-256 of the bytes
 * the chain holds; an audit record that re-encrypts to the ballot; a relayer whose description
 * differs from the chain refused; errors classified retryable or not, retries with the same key.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeRegistryEvent, registryTopics } from "@veritally/contracts";
import { nobleOps } from "@veritally/crypto/backend";
import { decodeBallot } from "@veritally/crypto/ballot";
import { encrypt } from "@veritally/crypto/elgamal";
import { decodePoint, decodeScalar } from "@veritally/crypto/group";
import { toBeHex, zeroPadValue } from "ethers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../test-helpers/wait.js";
import type { RelayerElection } from "./api-types.js";
import { readChainElection } from "./chain.js";
import {
  AUDIT_FORMAT,
  checkAgainstChain,
  createVotingClient,
  ElectionMismatchError,
  isRetryable,
  NonRetryableError,
  RelayerRejectedError,
  RelayerUnavailableError,
  RetryableError,
  type VotingClient,
} from "./index.js";
import { type RelayerStack, startRelayerStack } from "./testing.js";

const SECRET = 41n;
const OPEN = 42n;
const CHOICES = ["Parks", "Library", "Schools", "Roads"];

let s: RelayerStack;
let client: VotingClient;

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h.slice(2), "hex"));
const sha256Hex = (b: Uint8Array) => `0x${createHash("sha256").update(b).digest("hex")}`;

async function recordedBallots(electionId: bigint) {
  const logs = await s.node.provider.getLogs({
    address: s.registryAddress,
    fromBlock: 0,
    toBlock: "latest",
    topics: [registryTopics.BallotRecorded, zeroPadValue(toBeHex(electionId), 32)],
  });
  return logs.flatMap((log) => {
    const e = decodeRegistryEvent(log);
    return e?.kind === "BallotRecorded" ? [{ seq: e.seq.toString(), ballot: e.ballot.toLowerCase() }] : [];
  });
}

/** The portal's audit check, redone with the crypto library (the portal does not export its own). */
function reencrypts(record: { ballot: string; choice: number; randomness: string[] }, key: string, n: number) {
  const ciphertexts = decodeBallot(nobleOps, fromHex(record.ballot), n).ciphertexts;
  const h = decodePoint(fromHex(key), "electionKey");
  return ciphertexts.every((ct, j) => {
    const again = encrypt(h, j === record.choice ? 1n : 0n, decodeScalar(fromHex(record.randomness[j] ?? "0x"), "r"));
    return again.alpha.equals(ct.alpha) && again.beta.equals(ct.beta);
  });
}

function clientWith(overrides: Partial<Parameters<typeof createVotingClient>[0]> = {}) {
  return createVotingClient({
    relayerUrl: s.relayerUrl,
    clientKey: s.clientKey,
    rpcUrl: s.node.rpcUrl,
    registryAddress: s.registryAddress,
    retries: { baseMs: 20 },
    ...overrides,
  });
}

beforeAll(async () => {
  s = await startRelayerStack("client_sdk");
  await s.createSecretElection(SECRET, CHOICES);
  await s.createOpenElection(OPEN, 3);
  client = clientWith();
}, 180_000);

afterEach((context) => {
  if (context.task.result?.state === "fail") console.error(s?.output().slice(-4000));
});

afterAll(async () => {
  await s?.stop();
});

describe("the voting client", () => {
  it("reads the election from the chain: kind, labels, the trustees' key", async () => {
    const e = await client.election(SECRET);
    const admin = (await s.admin("GET", `/v1/admin/elections/${SECRET}`)).body as RelayerElection;
    expect(e).toMatchObject({
      electionId: "41",
      kind: "secret",
      choices: CHOICES,
      choiceCount: 4,
      chainId: s.chainId,
      checkedAgainstChain: true,
    });
    expect(e.electionKey).toBe(admin.secret?.electionKey.toLowerCase());
    expect(e.registryAddress.toLowerCase()).toBe(s.registryAddress.toLowerCase());
  });

  it("casts a sealed ballot: the tracker is SHA-256 of the bytes the chain records, status reaches confirmed", async () => {
    const receipt = await client.castSecret(SECRET, "alice", 2);
    expect(receipt.tracker).toBe(sha256Hex(fromHex(receipt.ballot)));
    expect(receipt.statusUrl).toBe(`${s.relayerUrl}/v1/ballots/${receipt.tracker}`);
    const onChain = await waitFor("the ballot on chain", async () => {
      const found = (await recordedBallots(SECRET)).find((b) => b.ballot === receipt.ballot);
      return found;
    });
    expect(sha256Hex(fromHex(onChain.ballot))).toBe(receipt.tracker);
    const status = await waitFor("confirmed", async () => {
      const st = await client.status(receipt.tracker);
      return st.status === "confirmed" ? st : undefined;
    });
    expect(status).toMatchObject({ tracker: receipt.tracker, electionId: "41", seq: onChain.seq, reason: null });
  });

  it("audits a ballot instead of casting it: the record re-encrypts to the ballot, and it can never be cast", async () => {
    const sealed = await client.encrypt(SECRET, 1);
    const record = sealed.audit();
    expect(record).toMatchObject({ format: AUDIT_FORMAT, electionId: "41", ballot: sealed.ballot, choice: 1 });
    expect(record.randomness).toHaveLength(4);
    const e = await client.election(SECRET);
    expect(e.electionKey).not.toBeNull();
    expect(reencrypts(record, e.electionKey ?? "", 4)).toBe(true);
    // a booth that claims another choice than it encrypted is caught
    expect(reencrypts({ ...record, choice: 3 }, e.electionKey ?? "", 4)).toBe(false);
    await expect(sealed.cast("bob")).rejects.toMatchObject({ code: "ballot_audited", retryable: false });
    const status = await fetch(`${s.relayerUrl}/v1/ballots/${sealed.tracker}`);
    expect(status.status).toBe(404);
    // a cast ballot's randomness is gone: it cannot be audited afterwards
    const cast = await client.encrypt(SECRET, 0);
    await cast.cast("carol");
    expect(() => cast.audit()).toThrow(/cannot be audited/);
  });

  it("refuses a relayer whose description of the election differs from the chain's", async () => {
    const real = (await s.admin("GET", `/v1/admin/elections/${SECRET}`)).body as RelayerElection;
    const chain = await readChainElection(s.node.rpcUrl, s.registryAddress, SECRET);
    expect(() => checkAgainstChain(real, chain)).not.toThrow();
    const otherKey = `0x${"e2".repeat(32)}`;
    const lies: [Partial<RelayerElection>, string][] = [
      [{ secret: { electionKey: otherKey, threshold: 2, trusteeCount: 3 } }, "electionKey"],
      [{ metadata: { title: "x", choices: ["Parks", "Library", "Roads", "Schools"] } }, "choices"],
      [{ choiceCount: 3 }, "choiceCount"],
      [{ kind: "open", secret: null }, "kind"],
    ];
    for (const [lie, field] of lies) {
      // A relayer that serves the election (GET /v1/elections/{id}) with one fact changed.
      const lying = createVotingClient({
        relayerUrl: s.relayerUrl,
        clientKey: s.clientKey,
        rpcUrl: s.node.rpcUrl,
        registryAddress: s.registryAddress,
        fetch: async (input, init) => {
          const url = String(input);
          if (url.endsWith(`/v1/elections/${SECRET}`)) return Response.json({ ...real, ...lie });
          return fetch(input, init);
        },
      });
      const error = await lying.election(SECRET).catch((e: unknown) => e);
      expect(error, field).toBeInstanceOf(ElectionMismatchError);
      expect((error as ElectionMismatchError).field).toBe(field);
      expect((error as ElectionMismatchError).retryable).toBe(false);
      await expect(lying.castSecret(SECRET, `liar-${field}`, 0)).rejects.toBeInstanceOf(ElectionMismatchError);
    }
  });

  it("classifies errors: a refusal is not retryable, an outage is, and a retry keeps the Idempotency-Key", async () => {
    // 409: the voter already voted
    const dup = await client.castSecret(SECRET, "alice", 0).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(RelayerRejectedError);
    expect(dup).toBeInstanceOf(NonRetryableError);
    expect(dup).toMatchObject({ status: 409, code: "duplicate_voter" });
    expect(isRetryable(dup)).toBe(false);
    // an open election takes votes, not ballots
    await expect(client.castSecret(OPEN, "dave", 0)).rejects.toMatchObject({ code: "wrong_election_kind" });
    // bad input is named before anything is sent
    await expect(client.castSecret(SECRET, "dave", 4)).rejects.toThrow(/^choice: /);
    await expect(client.status("0x12")).rejects.toThrow(/^tracker: /);
    // a wrong key
    const badKey = clientWith({ clientKey: "not-a-key" });
    await expect(badKey.castSecret(SECRET, "erin", 0)).rejects.toMatchObject({ status: 401, retryable: false });

    // Two 503s, then the relayer: the same Idempotency-Key each time, one ballot accepted.
    const keys: string[] = [];
    let failures = 2;
    const flaky = clientWith({
      fetch: async (input, init) => {
        if ((init?.method ?? "GET") === "POST") {
          keys.push(new Headers(init?.headers).get("idempotency-key") ?? "");
          if (failures-- > 0) {
            return Response.json({ error: { code: "unavailable", message: "database down" } }, { status: 503 });
          }
        }
        return fetch(input, init);
      },
    });
    const receipt = await flaky.castSecret(SECRET, "frank", 3);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect((await client.status(receipt.tracker)).tracker).toBe(receipt.tracker);

    // Nobody listening: a network error, retryable, after the attempts are spent.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = clientWith({ relayerUrl: `http://127.0.0.1:${port}`, retries: { attempts: 2, baseMs: 10 } });
    const net = await down.status(receipt.tracker).catch((e: unknown) => e);
    expect(net).toBeInstanceOf(RelayerUnavailableError);
    expect(net).toBeInstanceOf(RetryableError);
    expect(net).toMatchObject({ status: null, code: "network_error", retryable: true });
  });

  it("names a bad option before any request", () => {
    expect(() => createVotingClient({ relayerUrl: "relayer", clientKey: "k" })).toThrow(/^relayerUrl: /);
    expect(() => createVotingClient({ relayerUrl: s.relayerUrl, clientKey: "k", rpcUrl: s.node.rpcUrl })).toThrow(
      /^registryAddress: /,
    );
  });
});
