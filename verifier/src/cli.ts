/**
 * veritally-verify: verifies one election from the chain alone and prints the report.
 * Exit status: 0 everything that applies verifies, 1 a verification failure, 2 usage or RPC error.
 */
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { formatReport, reportJson } from "./report.js";
import { RpcError } from "./rpc.js";
import { SetupError, verifyElection } from "./verify.js";

const USAGE = `usage: veritally-verify --rpc URL --registry ADDRESS --election ID [options]

Verifies a Veritally election from an EVM JSON-RPC endpoint alone: the election's creation and
ceremony record, the sequence of its records, every sealed ballot's proofs, the encrypted aggregate,
every decryption share and the tally.

  --rpc URL             JSON-RPC endpoint (http or https)
  --registry ADDRESS    the VoteRegistry contract (0x and 40 hex digits)
  --election ID         the election id (decimal, or 0x-hex)
  --json FILE           also write the report as JSON to FILE ("-" for stdout, the human report then goes to stderr)
  --from-block N        first block to read (default 0; the registry's deployment block is faster)
  --to-block N          last block to read (default: the head when the run starts)
  --progress-every N    a progress line on stderr every N ballots (default 10000)
  --threads N           verifier threads (default: every core)
  --help                this text

Exit status: 0 every check that applies passed, 1 a verification failed, 2 usage or RPC error.`;

class UsageError extends Error {}

function nonNegativeInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag}: expected a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

export interface CliResult {
  code: 0 | 1 | 2;
}

export async function main(argv: readonly string[], out = process.stdout, err = process.stderr): Promise<CliResult> {
  try {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError((error as Error).message);
    }
    const { values } = parsed;
    if (values.help) {
      out.write(`${USAGE}\n`);
      return { code: 0 };
    }
    const rpc = values.rpc;
    if (rpc === undefined) throw new UsageError("--rpc: required (the JSON-RPC endpoint's URL)");
    let url: URL;
    try {
      url = new URL(rpc);
    } catch {
      throw new UsageError(`--rpc: not a URL: "${rpc}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(`--rpc: must be an http or https URL, got ${url.protocol}`);
    }
    const registry = values.registry;
    if (registry === undefined) throw new UsageError("--registry: required (the VoteRegistry's address)");
    if (!/^0x[0-9a-fA-F]{40}$/.test(registry)) {
      throw new UsageError(`--registry: expected 0x and 40 hex digits, got "${registry}"`);
    }
    const election = values.election;
    if (election === undefined) throw new UsageError("--election: required (the election's id)");
    if (!/^(\d+|0x[0-9a-fA-F]{1,64})$/.test(election) || BigInt(election) >= 2n ** 256n) {
      throw new UsageError(`--election: expected a decimal or 0x-hex uint256, got "${election}"`);
    }
    const threads = nonNegativeInteger(values.threads, "--threads");
    if (threads === 0) throw new UsageError("--threads: at least 1");
    const progressEvery = nonNegativeInteger(values["progress-every"], "--progress-every");
    if (progressEvery === 0) throw new UsageError("--progress-every: at least 1");
    const fromBlock = nonNegativeInteger(values["from-block"], "--from-block");
    const toBlock = nonNegativeInteger(values["to-block"], "--to-block");
    const json = values.json;
    if (json === "") throw new UsageError("--json: a file name, or - for stdout");

    const report = await verifyElection({
      rpcUrl: rpc,
      registry,
      electionId: BigInt(election),
      ...(fromBlock === undefined ? {} : { fromBlock }),
      ...(toBlock === undefined ? {} : { toBlock }),
      ...(threads === undefined ? {} : { threads }),
      ...(progressEvery === undefined ? {} : { progressEvery }),
      onProgress: (line) => err.write(`${line}\n`),
    });
    const human = formatReport(report);
    if (json === "-") {
      err.write(human);
      out.write(reportJson(report));
    } else {
      out.write(human);
      if (json !== undefined) {
        try {
          await writeFile(json, reportJson(report));
        } catch (error) {
          throw new UsageError(`--json: cannot write ${json} (${(error as Error).message})`);
        }
      }
    }
    return { code: report.result === "ok" ? 0 : 1 };
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`veritally-verify: ${error.message}\n\n${USAGE}\n`);
      return { code: 2 };
    }
    if (error instanceof SetupError) {
      err.write(`veritally-verify: ${error.message}\n`);
      return { code: 2 };
    }
    if (error instanceof RpcError) {
      err.write(`veritally-verify: --rpc: ${error.message}\n`);
      return { code: 2 };
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rpc: { type: "string" },
      registry: { type: "string" },
      election: { type: "string" },
      json: { type: "string" },
      "from-block": { type: "string" },
      "to-block": { type: "string" },
      "progress-every": { type: "string" },
      threads: { type: "string" },
      help: { type: "boolean" },
    },
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { code } = await main(process.argv.slice(2));
  process.exitCode = code;
}
