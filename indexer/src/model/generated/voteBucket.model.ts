import {Entity as Entity_, Column as Column_, Index as Index_, ManyToOne as ManyToOne_, StringColumn as StringColumn_, DateTimeColumn as DateTimeColumn_, IntColumn as IntColumn_} from "@subsquid/typeorm-store"
import {PrimaryColumn as PrimaryColumn_} from "typeorm"
import {Election} from "./election.model.js"

/**
 * votes per minute and per hour, for the timeline chart
 */
@Index_(["election", "granularity", "start"], {unique: true})
@Entity_()
export class VoteBucket {
    constructor(props?: Partial<VoteBucket>) {
        Object.assign(this, props)
    }

    /**
     * electionId-granularity-startEpochSeconds
     */
    @PrimaryColumn_("varchar")
    id!: string

    @ManyToOne_(() => Election, {nullable: true})
    election!: Election

    /**
     * minute or hour
     */
    @StringColumn_({nullable: false})
    granularity!: string

    @DateTimeColumn_({nullable: false})
    start!: Date

    @IntColumn_({nullable: false})
    count!: number
}
