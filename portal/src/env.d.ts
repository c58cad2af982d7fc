declare namespace App {
  interface Locals {
    /** Set by the middleware when a database is down; read by /unavailable. */
    outage?: { database: "indexer" | "relayer"; message: string };
  }
}
