module.exports = class FastVoteWrites1795467202820 {
    name = 'FastVoteWrites1795467202820'

    async up(db) {
        await db.query(`ALTER TABLE "vote" DROP CONSTRAINT "FK_ff1eb5902502ea8ce55d1a608ca"`)
        await db.query(`ALTER TABLE "vote" DROP CONSTRAINT "FK_6a9564f58bf1d1bfb0d5f8e4a85"`)
        await db.query(`ALTER TABLE "vote" ALTER COLUMN "id" TYPE character varying COLLATE "C"`)
        await db.query(`ALTER TABLE "vote" ALTER COLUMN "ref" TYPE text COLLATE "C"`)
        await db.query(`ALTER TABLE "vote" ALTER COLUMN "vote_hash" TYPE text COLLATE "C"`)
    }

    async down(db) {
        await db.query(`ALTER TABLE "vote" ADD CONSTRAINT "FK_ff1eb5902502ea8ce55d1a608ca" FOREIGN KEY ("election_id") REFERENCES "election"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`)
        await db.query(`ALTER TABLE "vote" ADD CONSTRAINT "FK_6a9564f58bf1d1bfb0d5f8e4a85" FOREIGN KEY ("batch_id") REFERENCES "batch"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`)
        await db.query(`ALTER TABLE "vote" ALTER COLUMN "id" TYPE character varying COLLATE pg_catalog."default"`)
        await db.query(`ALTER TABLE "vote" ALTER COLUMN "ref" TYPE text COLLATE pg_catalog."default"`)
        await db.query(`ALTER TABLE "vote" ALTER COLUMN "vote_hash" TYPE text COLLATE pg_catalog."default"`)
    }
}
