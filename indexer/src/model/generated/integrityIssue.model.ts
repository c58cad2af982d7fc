import {Entity as Entity_, Column as Column_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"
import {Election} from "./election.model.js"

/**
 * a repeated ref or vote hash
 */
@Entity_()
export class IntegrityIssue {
    constructor(props?: Partial<IntegrityIssue>) {
        Object.assign(this, props)
    }

    @PrimaryColumn_("varchar")
    id!: string

    @Index_()
    @ManyToOne_(() => Election, {nullable: true})
    election!: Election

    /**
     * duplicate_ref, duplicate_hash, duplicate_seq (a seq recorded twice; the contract makes it impossible), invalid_ballot (a sealed ballot whose proofs fail; value is the reason), or duplicate_tracker (a sealed ballot recorded again; value is the tracker)
     */
    @StringColumn_({nullable: false})
    kind!: string

    @StringColumn_({nullable: false})
    value!: string

    /**
     * the seq of the vote that repeated an earlier value
     */
    @BigIntColumn_({nullable: false})
    seq!: bigint

    @BigIntColumn_({nullable: false})
    firstSeq!: bigint

    /**
     * block of the vote that repeated an earlier value
     */
    @IntColumn_({nullable: false})
    blockNumber!: number
}
