import {Entity as Entity_, Column as Column_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, StringColumn as StringColumn_, BooleanColumn as BooleanColumn_, BigIntColumn as BigIntColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"
import {Vote} from "./vote.model.js"
import {Batch} from "./batch.model.js"

@Entity_()
export class Election {
    constructor(props?: Partial<Election>) {
        Object.assign(this, props)
    }

    /**
     * electionId as a decimal string
     */
    @PrimaryColumn_("varchar")
    id!: string

    @IntColumn_({nullable: false})
    choiceCount!: number

    @DateTimeColumn_({nullable: false})
    opensAt!: Date

    @DateTimeColumn_({nullable: false})
    closesAt!: Date

    @DateTimeColumn_({nullable: false})
    recordUntil!: Date

    @StringColumn_({nullable: false})
    metadataHash!: string

    /**
     * the metadata JSON exactly as emitted in ElectionCreated
     */
    @StringColumn_({nullable: false})
    metadataRaw!: string

    /**
     * false when the metadata is not valid JSON of the expected shape (see metadataError)
     */
    @BooleanColumn_({nullable: false})
    metadataValid!: boolean

    @StringColumn_({nullable: true})
    metadataError!: string | undefined | null

    @StringColumn_({nullable: true})
    title!: string | undefined | null

    @StringColumn_({nullable: true})
    description!: string | undefined | null

    /**
     * one label per choice, in choice order; null when the metadata is malformed
     */
    @StringColumn_({array: true, nullable: true})
    choiceLabels!: (string)[] | undefined | null

    @IntColumn_({nullable: false})
    createdAtBlock!: number

    @DateTimeColumn_({nullable: false})
    createdAt!: Date

    @StringColumn_({nullable: false})
    createdTx!: string

    @BooleanColumn_({nullable: false})
    closed!: boolean

    @DateTimeColumn_({nullable: true})
    closedAt!: Date | undefined | null

    /**
     * block of the ElectionClosed event
     */
    @IntColumn_({nullable: true})
    closedAtBlock!: number | undefined | null

    /**
     * closesAt as created; closesAt above is the effective end of intake (earlier if closed early)
     */
    @DateTimeColumn_({nullable: false})
    scheduledClosesAt!: Date

    @IntColumn_({nullable: false})
    totalVotes!: number

    /**
     * count per choice, index = choice
     */
    @IntColumn_({array: true, nullable: false})
    tally!: (number)[]

    @DateTimeColumn_({nullable: true})
    firstVoteAt!: Date | undefined | null

    @DateTimeColumn_({nullable: true})
    lastVoteAt!: Date | undefined | null

    @IntColumn_({nullable: false})
    batchCount!: number

    @BigIntColumn_({nullable: false})
    gasUsed!: bigint

    @BigIntColumn_({nullable: false})
    feesWei!: bigint

    /**
     * votes recorded after closesAt (in the grace period)
     */
    @IntColumn_({nullable: false})
    graceVotes!: number

    /**
     * the seq the next vote must carry if the sequence has no gap: max seq seen + 1
     */
    @BigIntColumn_({nullable: false})
    nextExpectedSeq!: bigint

    /**
     * number of seqs missing below nextExpectedSeq (sum of the seq_gap ranges)
     */
    @BigIntColumn_({nullable: false})
    missingSeqCount!: bigint

    @IntColumn_({nullable: false})
    duplicateRefCount!: number

    @IntColumn_({nullable: false})
    duplicateHashCount!: number

    /**
     * sum(tally) == totalVotes
     */
    @BooleanColumn_({nullable: false})
    tallyConsistent!: boolean

    /**
     * votes whose choice is not below choiceCount (the contract refuses them; counted, never expected)
     */
    @IntColumn_({nullable: false})
    outOfRangeVotes!: number

    /**
     * false when ElectionCreated was not seen (the indexer started after it); window and choices then come from the contract's storage
     */
    @BooleanColumn_({nullable: false})
    createdEventSeen!: boolean

    @OneToMany_(() => Vote, e => e.election)
    votes!: Vote[]

    @OneToMany_(() => Batch, e => e.election)
    batches!: Batch[]
}
