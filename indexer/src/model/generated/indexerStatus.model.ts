import {Entity as Entity_, Column as Column_, IntColumn as IntColumn_, StringColumn as StringColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"

@Entity_()
export class IndexerStatus {
    constructor(props?: Partial<IndexerStatus>) {
        Object.assign(this, props)
    }

    /**
     * always 'status'
     */
    @PrimaryColumn_("varchar")
    id!: string

    @IntColumn_({nullable: false})
    height!: number

    @StringColumn_({nullable: false})
    headHash!: string

    @IntColumn_({nullable: false})
    chainHead!: number

    @DateTimeColumn_({nullable: true})
    chainHeadAt!: Date | undefined | null

    @DateTimeColumn_({nullable: false})
    updatedAt!: Date

    /**
     * chainHead - height, in blocks
     */
    @IntColumn_({nullable: false})
    lag!: number

    /**
     * highest block the indexer treats as final (height minus the finality depth); hot blocks above it can be rolled back
     */
    @IntColumn_({nullable: false})
    finalizedHeight!: number

    @IntColumn_({nullable: false})
    chainId!: number

    @StringColumn_({nullable: false})
    contractAddress!: string

    @IntColumn_({nullable: false})
    startBlock!: number

    /**
     * set when the indexer stopped because its database no longer matches the chain: names the block and the recovery command
     */
    @StringColumn_({nullable: true})
    error!: string | undefined | null

    @IntColumn_({nullable: true})
    errorBlock!: number | undefined | null
}
