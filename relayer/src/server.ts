/**
 * Boots the relayer API: configuration (a bad variable stops here with its name), migrations,
 * then Fastify on HOST:PORT. With API_PROCESSES > 1 it forks that many processes sharing the
 * port (node:cluster): the API is stateless apart from short caches, so it scales out like that
 * or across machines. `npm run start:api -w relayer`. The logic is in boot/api.ts and boot/cluster.ts.
 */
import { runApiCommand } from "./boot/api.js";

await runApiCommand();
