/**
 * The chain's facts about an election, read over JSON-RPC with the contract's ABI: its creation
 * (ElectionCreated: choice count and the metadata with the labels) and, for a secret election,
 * SecretElectionCreated (the election key). The ballot's context is derived from these exactly as
 * the indexer and the standalone verifier derive it: chain id, registry address (20 bytes),
 * election id (32 bytes, big-endian), the key, the choice count.
 */
import {
  decodeRegistryEvent,
  NonRetryableError,
  parseElectionMetadata,
  RetryableError,
  registryTopics,
} from "@veritally/contracts";
import { getAddress, JsonRpcProvider, toBeHex, zeroPadValue } from "ethers";

export interface ChainElection {
  chainId: bigint;
  registryAddress: string;
  electionId: bigint;
  choiceCount: number;
  /** The labels from ElectionCreated's metadata; null when it could not be parsed. */
  choices: string[] | null;
  title: string | null;
  kind: "open" | "secret";
  /** 0x + 64 hex digits, lower case; null for an open election. */
  electionKey: string | null;
  threshold: number | null;
  trusteeCount: number | null;
}

export async function readChainElection(
  rpcUrl: string,
  registryAddress: string,
  electionId: bigint,
  fromBlock = 0,
): Promise<ChainElection> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    let chainId: bigint;
    let logs: Awaited<ReturnType<JsonRpcProvider["getLogs"]>>;
    try {
      chainId = BigInt(await provider.send("eth_chainId", []));
      logs = await provider.getLogs({
        address: registryAddress,
        fromBlock,
        toBlock: "latest",
        topics: [
          [registryTopics.ElectionCreated, registryTopics.SecretElectionCreated],
          zeroPadValue(toBeHex(electionId), 32),
        ],
      });
    } catch (error) {
      throw new RetryableError(
        "rpc_unavailable",
        `reading election ${electionId} from ${rpcUrl}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const events = logs.map((log) => decodeRegistryEvent(log));
    const created = events.find((e) => e?.kind === "ElectionCreated");
    if (created?.kind !== "ElectionCreated") {
      throw new NonRetryableError(
        "election_not_on_chain",
        `election ${electionId} has no ElectionCreated event on registry ${registryAddress} (chain ${chainId})`,
      );
    }
    const secret = events.find((e) => e?.kind === "SecretElectionCreated");
    const parsed = parseElectionMetadata(created.metadata, created.choiceCount);
    return {
      chainId,
      registryAddress: getAddress(registryAddress),
      electionId,
      choiceCount: created.choiceCount,
      choices: parsed.ok ? parsed.metadata.choices : null,
      title: parsed.ok ? parsed.metadata.title : null,
      kind: secret ? "secret" : "open",
      electionKey: secret?.kind === "SecretElectionCreated" ? secret.electionKey.toLowerCase() : null,
      threshold: secret?.kind === "SecretElectionCreated" ? secret.threshold : null,
      trusteeCount: secret?.kind === "SecretElectionCreated" ? secret.trusteeCount : null,
    };
  } finally {
    provider.destroy();
  }
}
