/**
 * What `./veritally setup` builds after installing the dependencies, each only when missing or
 * older than its sources: the contracts' artifacts (what `npm run deploy` needs) and the indexer's
 * processor bundle. `./veritally start` runs the same checks itself, and builds the portal too.
 */
import { ensureContractsBuilt } from "@veritally/contracts/build";
import { prepareIndexer } from "@veritally/indexer/launch";

const say = (m: string) => console.log(`build: ${m}`);
if (!(await ensureContractsBuilt({ onProgress: say }))) say("contracts: artifacts are up to date");
await prepareIndexer();
say("indexer: processor bundle is up to date");
