import {Entity as Entity_, Column as Column_, ManyToOne as ManyToOne_, Index as Index_, BigIntColumn as BigIntColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"
import {Election} from "./election.model.js"

/**
 * a range of seqs missing from the chain record, inclusive
 */
@Entity_()
export class SeqGap {
    constructor(props?: Partial<SeqGap>) {
        Object.assign(this, props)
    }

    /**
     * electionId-fromSeq
     */
    @PrimaryColumn_("varchar")
    id!: string

    @Index_()
    @ManyToOne_(() => Election, {nullable: true})
    election!: Election

    @BigIntColumn_({nullable: false})
    fromSeq!: bigint

    @BigIntColumn_({nullable: false})
    toSeq!: bigint
}
