import {Entity as Entity_, Column as Column_, ManyToOne as ManyToOne_, Index as Index_, IntColumn as IntColumn_, BytesColumn as BytesColumn_, DateTimeColumn as DateTimeColumn_, StringColumn as StringColumn_, BooleanColumn as BooleanColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"
import {Election} from "./election.model.js"

/**
 * a trustee's decryption share of a secret election's aggregate (DecryptionSharePublished)
 */
@Entity_()
export class DecryptionShare {
    constructor(props?: Partial<DecryptionShare>) {
        Object.assign(this, props)
    }

    /**
     * txHash-logIndex
     */
    @PrimaryColumn_("varchar")
    id!: string

    @Index_()
    @ManyToOne_(() => Election, {nullable: true})
    election!: Election

    @IntColumn_({nullable: false})
    trusteeIndex!: number

    /**
     * the share as emitted (the UTF-8 JSON of a veritally/decryption-share/v1 file)
     */
    @BytesColumn_({nullable: false})
    share!: Uint8Array

    @IntColumn_({nullable: false})
    blockNumber!: number

    @DateTimeColumn_({nullable: false})
    timestamp!: Date

    @StringColumn_({nullable: false})
    txHash!: string

    @IntColumn_({nullable: false})
    logIndex!: number

    /**
     * true when it verifies against the election key record and this indexer's aggregate; false when it does not or cannot be checked (see error)
     */
    @BooleanColumn_({nullable: false})
    valid!: boolean

    @StringColumn_({nullable: true})
    error!: string | undefined | null
}
