/**
 * The processor's data classes (Block, BlockHeader, Transaction, Log, traces, state diffs), as
 * @subsquid/evm-processor 1.27.3 defines them in lib/mapping/entities.js, with one difference:
 * their links (a log's block and transaction, a transaction's block and logs, ...) are native
 * private fields, where the package's compiled code keeps them in module-wide WeakMaps
 * (TypeScript's output for private fields before ES2022). A full sync makes a Log per event, and
 * each costs three WeakMap insertions (and entries the garbage collector must trace): in a
 * 100,000-event sync the Log constructor took 160 ms of CPU, 20 ms as ported, and the whole sync
 * ran 14% faster (BENCHMARKS.md).
 *
 * The bundle (src/build.ts, with fasterEvmEntities from ./index.ts) uses this module in place of
 * the package's, only when the package's file is the one this was written from (its SHA-256);
 * otherwise it keeps the package's and says so. Same classes, same fields, same getters and setters, same errors
 * (evm-entities.test.ts compares the two).
 */
import assert from "node:assert";
import { formatId } from "@subsquid/util-internal-processor-tools";

export class Block {
  transactions: Transaction[] = [];
  logs: Log[] = [];
  traces: TraceBase[] = [];
  stateDiffs: StateDiffBase[] = [];
  header: BlockHeader;

  constructor(header: BlockHeader) {
    this.header = header;
  }
}

export class BlockHeader {
  [field: string]: unknown;
  id: string;
  height: number;
  hash: string;
  parentHash: string;

  constructor(height: number, hash: string, parentHash: string) {
    this.id = formatId({ height, hash });
    this.height = height;
    this.hash = hash;
    this.parentHash = parentHash;
  }
}

export class Transaction {
  [field: string]: unknown;
  #block: BlockHeader;
  #logs: Log[] | undefined;
  #traces: TraceBase[] | undefined;
  #stateDiffs: StateDiffBase[] | undefined;
  id: string;
  transactionIndex: number;

  constructor(block: BlockHeader, transactionIndex: number) {
    this.id = formatId(block, transactionIndex);
    this.transactionIndex = transactionIndex;
    this.#block = block;
  }

  get block(): BlockHeader {
    return this.#block;
  }

  get logs(): Log[] {
    if (!this.#logs) this.#logs = [];
    return this.#logs;
  }

  set logs(value: Log[]) {
    this.#logs = value;
  }

  get traces(): TraceBase[] {
    if (!this.#traces) this.#traces = [];
    return this.#traces;
  }

  set traces(value: TraceBase[]) {
    this.#traces = value;
  }

  get stateDiffs(): StateDiffBase[] {
    if (!this.#stateDiffs) this.#stateDiffs = [];
    return this.#stateDiffs;
  }

  set stateDiffs(value: StateDiffBase[]) {
    this.#stateDiffs = value;
  }
}

export class Log {
  [field: string]: unknown;
  #block: BlockHeader;
  #transaction: Transaction | undefined;
  id: string;
  logIndex: number;
  transactionIndex: number;

  constructor(block: BlockHeader, logIndex: number, transactionIndex: number) {
    this.id = formatId(block, logIndex);
    this.logIndex = logIndex;
    this.transactionIndex = transactionIndex;
    this.#block = block;
  }

  get block(): BlockHeader {
    return this.#block;
  }

  get transaction(): Transaction | undefined {
    return this.#transaction;
  }

  set transaction(value: Transaction | undefined) {
    this.#transaction = value;
  }

  getTransaction(): Transaction {
    assert(this.transaction != null);
    return this.transaction;
  }
}

export class TraceBase {
  [field: string]: unknown;
  #block: BlockHeader;
  #transaction: Transaction | undefined;
  #parent: TraceBase | undefined;
  #children: TraceBase[] | undefined;
  id: string;
  transactionIndex: number;
  traceAddress: number[];

  constructor(block: BlockHeader, transactionIndex: number, traceAddress: number[]) {
    this.id = formatId(block, transactionIndex, ...traceAddress);
    this.transactionIndex = transactionIndex;
    this.traceAddress = traceAddress;
    this.#block = block;
  }

  get block(): BlockHeader {
    return this.#block;
  }

  get transaction(): Transaction | undefined {
    return this.#transaction;
  }

  set transaction(value: Transaction | undefined) {
    this.#transaction = value;
  }

  getTransaction(): Transaction {
    assert(this.transaction != null);
    return this.transaction;
  }

  get parent(): TraceBase | undefined {
    return this.#parent;
  }

  set parent(value: TraceBase | undefined) {
    this.#parent = value;
  }

  getParent(): TraceBase {
    assert(this.parent != null);
    return this.parent;
  }

  get children(): TraceBase[] {
    if (!this.#children) this.#children = [];
    return this.#children;
  }

  set children(value: TraceBase[]) {
    this.#children = value;
  }
}

export class TraceCreate extends TraceBase {
  type = "create";
}

export class TraceCall extends TraceBase {
  type = "call";
}

export class TraceSuicide extends TraceBase {
  type = "suicide";
}

export class TraceReward extends TraceBase {
  type = "reward";
}

export class StateDiffBase {
  [field: string]: unknown;
  #block: BlockHeader;
  #transaction: Transaction | undefined;
  transactionIndex: number;
  address: string;
  key: string;

  constructor(block: BlockHeader, transactionIndex: number, address: string, key: string) {
    this.transactionIndex = transactionIndex;
    this.address = address;
    this.key = key;
    this.#block = block;
  }

  get block(): BlockHeader {
    return this.#block;
  }

  get transaction(): Transaction | undefined {
    return this.#transaction;
  }

  set transaction(value: Transaction | undefined) {
    this.#transaction = value;
  }

  getTransaction(): Transaction {
    assert(this.transaction != null);
    return this.transaction;
  }
}

export class StateDiffNoChange extends StateDiffBase {
  kind = "=";
}

export class StateDiffAdd extends StateDiffBase {
  kind = "+";
}

export class StateDiffChange extends StateDiffBase {
  kind = "*";
}

export class StateDiffDelete extends StateDiffBase {
  kind = "-";
}
