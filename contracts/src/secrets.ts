/** Secrets come from the environment (NAME) or a file named by NAME_FILE; never from code. */
import { readFileSync } from "node:fs";
import { NonRetryableError } from "./errors.js";

export function readSecret(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, "utf8").trim();
    } catch (error) {
      throw new NonRetryableError(
        "secret_unreadable",
        `${name}_FILE: cannot read ${file} (${(error as Error).message})`,
      );
    }
  }
  const value = env[name];
  return value === undefined || value === "" ? undefined : value.trim();
}

/** A 32-byte private key as 0x-hex, or a NonRetryableError naming the variable (never the value). */
export function parsePrivateKey(name: string, value: string): string {
  const key = value.startsWith("0x") ? value : `0x${value}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new NonRetryableError("invalid_private_key", `${name}: expected 64 hex digits (with or without 0x)`);
  }
  return key;
}
