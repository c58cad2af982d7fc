import {Entity as Entity_, Column as Column_, Index as Index_, ManyToOne as ManyToOne_, BigIntColumn as BigIntColumn_, StringColumn as StringColumn_, BytesColumn as BytesColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, BooleanColumn as BooleanColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"
import {Election} from "./election.model.js"
import {Batch} from "./batch.model.js"

/**
 * a sealed ballot of a secret election (BallotRecorded), verified by the indexer
 */
@Index_(["election", "seq"], {unique: true})
@Entity_()
export class Ballot {
    constructor(props?: Partial<Ballot>) {
        Object.assign(this, props)
    }

    /**
     * electionId-seq
     */
    @PrimaryColumn_("varchar")
    id!: string

    @ManyToOne_(() => Election, {nullable: true})
    election!: Election

    @BigIntColumn_({nullable: false})
    seq!: bigint

    /**
     * SHA-256 of the ballot's bytes, 0x-hex: what the voter keeps to find it
     */
    @Index_()
    @StringColumn_({nullable: false})
    tracker!: string

    /**
     * the ballot's bytes as emitted
     */
    @BytesColumn_({nullable: false})
    ballot!: Uint8Array

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
    @ManyToOne_(() => Batch, {nullable: true})
    batch!: Batch

    /**
     * recorded after the election's closesAt
     */
    @BooleanColumn_({nullable: false})
    inGracePeriod!: boolean

    /**
     * the proofs verify for this election's context (docs/ballot-spec.md section 8)
     */
    @BooleanColumn_({nullable: false})
    valid!: boolean

    /**
     * why verification refused the ballot (the verifier's reason), null when valid
     */
    @StringColumn_({nullable: true})
    invalidReason!: string | undefined | null
}
