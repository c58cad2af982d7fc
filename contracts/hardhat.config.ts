import { createRequire } from "node:module";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import { defineConfig } from "hardhat/config";

// Hardhat cannot download compilers on this network: point it at the npm `solc` package's
// soljson.js and take the version from the same package, so the two can never disagree.
const require = createRequire(import.meta.url);
const solcPath = require.resolve("solc/soljson.js");
const solcVersion: string = require("solc/package.json").version;

const compiler = {
  version: solcVersion,
  path: solcPath,
  settings: {
    // Cancun is live on every network we target; newer defaults are not.
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 10_000 },
  },
};

/**
 * Block production of the local node (`npm run chain`): VERITALLY_BLOCK_MS > 0 mines a block every
 * so many milliseconds, 0 mines one block per transaction, -1 mines only on request (evm_mine),
 * which `./veritally start` uses while it replays a saved chain.
 */
const blockMs = Number(process.env.VERITALLY_BLOCK_MS ?? 1000);
const mining =
  blockMs > 0 ? { auto: false, interval: blockMs } : blockMs === 0 ? { auto: true } : { auto: false, interval: 0 };
/** A fixed genesis time makes a replayed chain reproduce the same block hashes. */
const genesisDate = process.env.VERITALLY_GENESIS_DATE;

export default defineConfig({
  plugins: [hardhatEthers, hardhatNetworkHelpers],
  solidity: {
    profiles: {
      default: compiler,
      production: compiler,
    },
  },
  networks: {
    // In-process chain used by the contract tests: automine, one block per transaction.
    default: { type: "edr-simulated", chainType: "l1" },
    // The chain served by `hardhat node` (the task's default network is "node").
    node: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: 31337,
      mining,
      // Sub-second blocks (fast tests) and replays of them share timestamps; Hardhat wants that explicit.
      ...(blockMs !== 0 && blockMs < 1000 ? { allowBlocksWithSameTimestamp: true } : {}),
      ...(genesisDate ? { initialDate: genesisDate } : {}),
    },
  },
});
