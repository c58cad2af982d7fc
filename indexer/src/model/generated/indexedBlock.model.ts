import {Entity as Entity_, Column as Column_, IntColumn as IntColumn_, Index as Index_, StringColumn as StringColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"

/**
 * a block that held at least one VoteRegistry event, with its hash: how a restarted indexer checks that what it stored is still on the chain
 */
@Entity_()
export class IndexedBlock {
    constructor(props?: Partial<IndexedBlock>) {
        Object.assign(this, props)
    }

    /**
     * block number, zero-padded to 10 digits
     */
    @PrimaryColumn_("varchar")
    id!: string

    @Index_()
    @IntColumn_({nullable: false})
    height!: number

    @StringColumn_({nullable: false})
    hash!: string

    @DateTimeColumn_({nullable: false})
    timestamp!: Date
}
