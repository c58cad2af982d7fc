#!/usr/bin/env node
// The command's entry: TypeScript through tsx (as every workspace runs), then the CLI.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
const { code } = await main(process.argv.slice(2));
process.exitCode = code;
