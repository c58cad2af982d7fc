/**
 * Deploying VoteRegistry and creating elections, as library functions: the deploy command,
 * `./veritally start` and the tests of every part use these.
 */
import { ContractFactory, type Signer } from "ethers";
import { loadArtifact } from "./artifacts.js";
import type { Deployment } from "./deployment.js";
import { type ElectionMetadata, encodeElectionMetadata } from "./metadata.js";
import { connectVoteRegistry, type VoteRegistryContract } from "./registry.js";

export interface DeployOptions {
  deployer: Signer;
  /** Gets RECORDER_ROLE and ELECTION_MANAGER_ROLE: the relayer's signing address. */
  relayer?: string;
  /** Default: the deployer. */
  admin?: string;
  /** Default: [deployer]. */
  pausers?: string[];
  /** Extra election managers besides the relayer. Default: [deployer]. */
  electionManagers?: string[];
  onProgress?: (message: string) => void;
}

export async function deployVoteRegistry(
  options: DeployOptions,
): Promise<{ deployment: Deployment; registry: VoteRegistryContract }> {
  const log = options.onProgress ?? (() => {});
  const deployer = options.deployer;
  const deployerAddress = await deployer.getAddress();
  const provider = deployer.provider;
  if (!provider) throw new Error("the deployer signer has no provider");
  const { chainId } = await provider.getNetwork();

  const artifact = await loadArtifact("VoteRegistry");
  const admin = options.admin ?? deployerAddress;
  log(`deploying VoteRegistry on chain ${chainId} from ${deployerAddress}`);
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, deployer);
  // The deployer is the first admin so it can grant roles; it hands over below if admin differs.
  const contract = await factory.deploy(deployerAddress);
  const deployTx = contract.deploymentTransaction();
  if (!deployTx) throw new Error("deployment transaction missing");
  const receipt = await deployTx.wait();
  if (!receipt) throw new Error("deployment receipt missing");
  const address = await contract.getAddress();
  log(`VoteRegistry at ${address} (block ${receipt.blockNumber})`);

  const registry = connectVoteRegistry(address, deployer);
  const managers = [
    ...new Set([...(options.electionManagers ?? [deployerAddress]), ...(options.relayer ? [options.relayer] : [])]),
  ];
  const recorders = options.relayer ? [options.relayer] : [];
  const pausers = options.pausers ?? [deployerAddress];
  const grants: [string, string, string][] = [
    ...managers.map((a) => ["election manager", "ELECTION_MANAGER_ROLE", a] as [string, string, string]),
    ...recorders.map((a) => ["recorder", "RECORDER_ROLE", a] as [string, string, string]),
    ...pausers.map((a) => ["pauser", "PAUSER_ROLE", a] as [string, string, string]),
  ];
  if (admin.toLowerCase() !== deployerAddress.toLowerCase()) grants.push(["admin", "DEFAULT_ADMIN_ROLE", admin]);
  for (const [label, roleName, account] of grants) {
    const role = await (registry[roleName as "RECORDER_ROLE"] as () => Promise<string>)();
    log(`granting ${label} to ${account}`);
    await (await registry.grantRole(role, account)).wait();
  }
  if (admin.toLowerCase() !== deployerAddress.toLowerCase()) {
    log(`deployer renounces admin in favour of ${admin}`);
    await (await registry.revokeRole(await registry.DEFAULT_ADMIN_ROLE(), deployerAddress)).wait();
  }

  const deployment: Deployment = {
    contract: "VoteRegistry",
    chainId: Number(chainId),
    address,
    deploymentBlock: receipt.blockNumber,
    transactionHash: receipt.hash,
    deployer: deployerAddress,
    deployedAt: new Date().toISOString(),
    roles: { admin, electionManagers: managers, recorders, pausers },
  };
  return { deployment, registry };
}

export interface CreateElectionOptions {
  electionId: bigint | number;
  metadata: ElectionMetadata;
  opensAt: number;
  closesAt: number;
  recordUntil: number;
}

/** Sends `createElection` and waits for it; returns the block it landed in. */
export async function createElection(registry: VoteRegistryContract, options: CreateElectionOptions): Promise<number> {
  const tx = await registry.createElection(
    options.electionId,
    options.metadata.choices.length,
    options.opensAt,
    options.closesAt,
    options.recordUntil,
    encodeElectionMetadata(options.metadata),
  );
  const receipt = await tx.wait();
  if (!receipt) throw new Error("createElection receipt missing");
  return receipt.blockNumber;
}
