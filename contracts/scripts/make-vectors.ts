/**
 * Writes vectors/vote-hash.json and vectors/ref.json. Inputs are fixed (derived from a counter,
 * not random) so the file is reproducible; expected hashes come from the independent encoder.
 * Run `npm run vectors -w contracts` only when deliberately changing the format.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { keccak256, toUtf8Bytes } from "ethers";
import { encodeReceipt, encodeRef } from "../src/ref.js";
import { independentVoteHash } from "./independent-encoder.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const seeded = (label: string, bytes: number) => keccak256(toUtf8Bytes(label)).slice(0, 2 + bytes * 2);

// The first contract deployed by Hardhat's account #0 on chain 31337 lives at this address,
// so the contract test can reproduce these vectors with `voteHashOf`.
const LOCAL_REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

const cases = [
  {
    name: "zero-ish",
    chainId: 31337,
    registry: LOCAL_REGISTRY,
    electionId: "1",
    ref: `0x${"00".repeat(16)}`,
    choice: 0,
    receiptSecret: `0x${"00".repeat(32)}`,
  },
  {
    name: "all-ones",
    chainId: 31337,
    registry: LOCAL_REGISTRY,
    electionId: "115792089237316195423570985008687907853269984665640564039457584007913129639935",
    ref: `0x${"ff".repeat(16)}`,
    choice: 65535,
    receiptSecret: `0x${"ff".repeat(32)}`,
  },
  ...Array.from({ length: 8 }, (_, i) => ({
    name: `seeded-${i}`,
    chainId: 31337,
    registry: LOCAL_REGISTRY,
    electionId: String(1 + i * 7),
    ref: seeded(`ref-${i}`, 16),
    choice: i % 5,
    receiptSecret: seeded(`receipt-${i}`, 32),
  })),
  {
    name: "other-chain",
    chainId: 11155111,
    registry: "0x1111111111111111111111111111111111111111",
    electionId: "42",
    ref: seeded("ref-x", 16),
    choice: 3,
    receiptSecret: seeded("receipt-x", 32),
  },
];

const voteHashVectors = cases.map((c) => ({
  ...c,
  voteHash: independentVoteHash(c),
  refText: encodeRef(c.ref),
  receiptText: encodeReceipt(c.receiptSecret),
}));

await writeFile(path.join(root, "vectors/vote-hash.json"), `${JSON.stringify(voteHashVectors, null, 2)}\n`);
console.log(`wrote ${voteHashVectors.length} vote-hash vectors`);
