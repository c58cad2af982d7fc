import {Entity as Entity_, Column as Column_, ManyToOne as ManyToOne_, Index as Index_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, StringColumn as StringColumn_, BooleanColumn as BooleanColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"
import {Election} from "./election.model.js"

@Entity_()
export class Batch {
    constructor(props?: Partial<Batch>) {
        Object.assign(this, props)
    }

    /**
     * txHash-logIndex of the BatchRecorded event
     */
    @PrimaryColumn_("varchar")
    id!: string

    @Index_()
    @ManyToOne_(() => Election, {nullable: true})
    election!: Election

    @BigIntColumn_({nullable: false})
    firstSeq!: bigint

    @IntColumn_({nullable: false})
    count!: number

    @Index_()
    @IntColumn_({nullable: false})
    blockNumber!: number

    @DateTimeColumn_({nullable: false})
    timestamp!: Date

    @Index_()
    @StringColumn_({nullable: false})
    txHash!: string

    /**
     * gas used by the whole transaction (one batch per transaction)
     */
    @BigIntColumn_({nullable: true})
    gasUsed!: bigint | undefined | null

    @BigIntColumn_({nullable: true})
    effectiveGasPrice!: bigint | undefined | null

    @BigIntColumn_({nullable: true})
    feeWei!: bigint | undefined | null

    @BooleanColumn_({nullable: false})
    inGracePeriod!: boolean
}
