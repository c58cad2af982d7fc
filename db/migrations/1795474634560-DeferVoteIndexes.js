// Written by hand: the vote table's lookup indexes are built by the indexer when it reaches the
// chain head (indexer/src/deferred-indexes.ts), not maintained row by row during the initial sync.
module.exports = class DeferVoteIndexes1795474634560 {
    name = 'DeferVoteIndexes1795474634560'

    async up(db) {
        await db.query(`DROP INDEX IF EXISTS "public"."IDX_be2691f768310564ef7a85c901"`)
        await db.query(`DROP INDEX IF EXISTS "public"."IDX_4bedcf6489b891351825394f59"`)
        await db.query(`DROP INDEX IF EXISTS "public"."IDX_6a9564f58bf1d1bfb0d5f8e4a8"`)
    }

    async down(db) {
        await db.query(`CREATE INDEX IF NOT EXISTS "IDX_be2691f768310564ef7a85c901" ON "vote" ("ref") `)
        await db.query(`CREATE INDEX IF NOT EXISTS "IDX_4bedcf6489b891351825394f59" ON "vote" ("vote_hash") `)
        await db.query(`CREATE INDEX IF NOT EXISTS "IDX_6a9564f58bf1d1bfb0d5f8e4a8" ON "vote" ("batch_id") `)
    }
}
