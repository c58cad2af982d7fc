import {Entity as Entity_, Column as Column_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, StringColumn as StringColumn_, BooleanColumn as BooleanColumn_, BigIntColumn as BigIntColumn_, BytesColumn as BytesColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"
import {Vote} from "./vote.model.js"
import {Ballot} from "./ballot.model.js"
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

    /**
     * votes recorded (secret elections: ballots recorded, valid or not)
     */
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
     * open elections: sum(tally) == totalVotes; secret elections: true until a tally is published, then sum(tallyCounts) == validBallots
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

    /**
     * a secret election: sealed ballots (Ballot), not votes; false for open elections
     */
    @BooleanColumn_({nullable: false})
    secret!: boolean

    /**
     * the trustees' joint election key (ristretto255, 0x-hex) from SecretElectionCreated
     */
    @StringColumn_({nullable: true})
    electionKey!: string | undefined | null

    @IntColumn_({nullable: true})
    threshold!: number | undefined | null

    @IntColumn_({nullable: true})
    trusteeCount!: number | undefined | null

    /**
     * the ceremony record as emitted (the UTF-8 JSON of a veritally/election-key/v1 file)
     */
    @BytesColumn_({nullable: true})
    ceremonyRecord!: Uint8Array | undefined | null

    /**
     * null when the ceremony record was read and verified (docs/trustee-spec.md 2.4) and matches the key, threshold, trustees and election; else why not
     */
    @StringColumn_({nullable: true})
    ceremonyRecordError!: string | undefined | null

    /**
     * ballots whose proofs verify (their ciphertexts are in the aggregate)
     */
    @IntColumn_({nullable: false})
    validBallots!: number

    /**
     * ballots that failed verification (each also an integrity issue of kind invalid_ballot), left out of the aggregate
     */
    @IntColumn_({nullable: false})
    invalidBallots!: number

    /**
     * the running encrypted aggregate of the valid ballots, per choice: product of the alphas, 0x-hex (identity = zeros)
     */
    @StringColumn_({array: true, nullable: true})
    aggregateAlphas!: (string)[] | undefined | null

    /**
     * per choice: product of the betas, 0x-hex
     */
    @StringColumn_({array: true, nullable: true})
    aggregateBetas!: (string)[] | undefined | null

    /**
     * decryption shares published (every DecryptionSharePublished, valid or not)
     */
    @IntColumn_({nullable: false})
    decryptionSharesReceived!: number

    /**
     * the trustees (ascending) with at least one share that verifies against the aggregate
     */
    @IntColumn_({array: true, nullable: false})
    decryptionShareTrustees!: (number)[]

    /**
     * at least threshold trustees have a verified share
     */
    @BooleanColumn_({nullable: false})
    decryptionThresholdReached!: boolean

    /**
     * the published tally's counts (TallyPublished) as decimal strings (uint64), null before it
     */
    @StringColumn_({array: true, nullable: true})
    tallyCounts!: (string)[] | undefined | null

    /**
     * the record proving the tally as emitted (the UTF-8 JSON of a veritally/tally/v1 file)
     */
    @BytesColumn_({nullable: true})
    tallyProof!: Uint8Array | undefined | null

    @IntColumn_({nullable: true})
    tallyPublishedAtBlock!: number | undefined | null

    @StringColumn_({nullable: true})
    tallyTx!: string | undefined | null

    /**
     * true when the published tally verifies against this indexer's aggregate and ballot count; false when it does not or cannot be checked (see tallyError); null before it
     */
    @BooleanColumn_({nullable: true})
    tallyValid!: boolean | undefined | null

    @StringColumn_({nullable: true})
    tallyError!: string | undefined | null

    @OneToMany_(() => Vote, e => e.election)
    votes!: Vote[]

    @OneToMany_(() => Ballot, e => e.election)
    ballots!: Ballot[]

    @OneToMany_(() => Batch, e => e.election)
    batches!: Batch[]
}
