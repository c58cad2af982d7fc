import {Entity as Entity_, Column as Column_, Index as Index_, ManyToOne as ManyToOne_, BigIntColumn as BigIntColumn_, StringColumn as StringColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, BooleanColumn as BooleanColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_, Column as TypeormColumn_} from "typeorm"
import {Election} from "./election.model.js"
import {Batch} from "./batch.model.js"

@Index_(["election", "seq"], {unique: true})
@Entity_()
export class Vote {
    constructor(props?: Partial<Vote>) {
        Object.assign(this, props)
    }

    /**
     * electionId-seq
     */
    @PrimaryColumn_("varchar", {collation: "C"})
    id!: string

    @ManyToOne_(() => Election, {nullable: true, createForeignKeyConstraints: false})
    election!: Election

    @BigIntColumn_({nullable: false})
    seq!: bigint

    @Index_()
    @TypeormColumn_({type: "text", nullable: false, collation: "C"})
    ref!: string

    @IntColumn_({nullable: false})
    choice!: number

    @Index_()
    @TypeormColumn_({type: "text", nullable: false, collation: "C"})
    voteHash!: string

    @IntColumn_({nullable: false})
    blockNumber!: number

    @StringColumn_({nullable: false})
    blockHash!: string

    @DateTimeColumn_({nullable: false})
    timestamp!: Date

    @StringColumn_({nullable: false})
    txHash!: string

    @IntColumn_({nullable: false})
    logIndex!: number

    @Index_()
    @ManyToOne_(() => Batch, {nullable: true, createForeignKeyConstraints: false})
    batch!: Batch

    /**
     * recorded after the election's closesAt
     */
    @BooleanColumn_({nullable: false})
    inGracePeriod!: boolean
}
