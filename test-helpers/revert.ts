/** Asserting on custom-error reverts, decoded with VoteRegistry's ABI (OpenZeppelin's included). */
import { decodeRegistryError } from "@veritally/contracts";
import { expect } from "vitest";

function revertData(error: unknown): string | undefined {
  // ethers and hardhat-ethers put the revert data in different places depending on the path.
  const e = error as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown } };
  for (const candidate of [e.data, e.info?.error?.data, e.error?.data]) {
    if (typeof candidate === "string" && candidate.startsWith("0x")) return candidate;
    if (candidate && typeof candidate === "object" && "data" in candidate) {
      const inner = (candidate as { data?: unknown }).data;
      if (typeof inner === "string") return inner;
    }
  }
  return undefined;
}

/** Awaits `action`, expects it to revert with custom error `name`, and returns the error's args. */
export async function expectRevert(
  action: Promise<unknown> | (() => Promise<unknown>),
  name: string,
  args?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  let caught: unknown;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a revert with ${name}, but it succeeded`).toBeDefined();
  const decoded = decodeRegistryError(revertData(caught));
  expect(decoded?.name, `revert reason of: ${String((caught as Error).message).slice(0, 300)}`).toBe(name);
  if (args) {
    for (const [key, value] of Object.entries(args)) {
      expect(decoded?.args[key], `argument ${key} of ${name}`).toEqual(value);
    }
  }
  return decoded?.args ?? {};
}
