module.exports = class IssueBlock1795463764633 {
    name = 'IssueBlock1795463764633'

    async up(db) {
        await db.query(`ALTER TABLE "integrity_issue" ADD "block_number" integer NOT NULL`)
    }

    async down(db) {
        await db.query(`ALTER TABLE "integrity_issue" DROP COLUMN "block_number"`)
    }
}
