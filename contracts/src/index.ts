export * from "./backoff.js";
export * from "./errors.js";
export * from "./local-chain.js";
export * from "./metadata.js";
export * from "./redact.js";
export * from "./ref.js";
export * from "./registry.js";
export * from "./vote-hash.js";
