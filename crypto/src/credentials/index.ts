/** Eligibility credentials: codes, keys, ballot signatures and the roll's Merkle tree (docs/credential-spec.md). */
export * from "./code.js";
export * from "./context.js";
export * from "./merkle.js";
export * from "./roll.js";
export * from "./signing.js";
