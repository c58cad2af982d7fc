import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const events = {
    BallotRecorded: event("0x66f0e6c3f61277fd4ec276d7ea429f921c58877ee1b76a508a72f66946dbd7db", "BallotRecorded(uint256,uint64,bytes)", {"electionId": indexed(p.uint256), "seq": p.uint64, "ballot": p.bytes}),
    BatchRecorded: event("0x557183976a2c780e62b6b872d438dd1629590a23d2afe5b58822cb6e59fb0864", "BatchRecorded(uint256,uint64,uint32)", {"electionId": indexed(p.uint256), "firstSeq": p.uint64, "count": p.uint32}),
    DecryptionSharePublished: event("0x0ed6a93221af191c61d887aa1853531c5c9b9c168a2d226df26f0e69e52359f7", "DecryptionSharePublished(uint256,uint16,bytes)", {"electionId": indexed(p.uint256), "trusteeIndex": indexed(p.uint16), "share": p.bytes}),
    ElectionClosed: event("0xa3428445b2c2f11e05a493cac32c567dc5c16e33a4922836b4acf03ffb5cf0d9", "ElectionClosed(uint256,uint40)", {"electionId": indexed(p.uint256), "closesAt": p.uint40}),
    ElectionCreated: event("0xb63fabd76e91b8877ca4d5e234848974bb263b0856b5c2aefaae9a7a551b8e3e", "ElectionCreated(uint256,uint16,uint40,uint40,uint40,bytes32,string)", {"electionId": indexed(p.uint256), "choiceCount": p.uint16, "opensAt": p.uint40, "closesAt": p.uint40, "recordUntil": p.uint40, "metadataHash": p.bytes32, "metadata": p.string}),
    Paused: event("0x62e78cea01bee320cd4e420270b5ea74000d11b0c9f74754ebdbfc544b05a258", "Paused(address)", {"account": p.address}),
    RoleAdminChanged: event("0xbd79b86ffe0ab8e8776151514217cd7cacd52c909f66475c3af44e129f0b00ff", "RoleAdminChanged(bytes32,bytes32,bytes32)", {"role": indexed(p.bytes32), "previousAdminRole": indexed(p.bytes32), "newAdminRole": indexed(p.bytes32)}),
    RoleGranted: event("0x2f8788117e7eff1d82e926ec794901d17c78024a50270940304540a733656f0d", "RoleGranted(bytes32,address,address)", {"role": indexed(p.bytes32), "account": indexed(p.address), "sender": indexed(p.address)}),
    RoleRevoked: event("0xf6391f5c32d9c69d2a47ea670b442974b53935d1edc7fd64eb21e047a839171b", "RoleRevoked(bytes32,address,address)", {"role": indexed(p.bytes32), "account": indexed(p.address), "sender": indexed(p.address)}),
    SecretElectionCreated: event("0xf494b1970fa5d294f1ebc49b524c1645d9b45a687592ea30a346743ae0411d34", "SecretElectionCreated(uint256,bytes32,uint16,uint16,bytes)", {"electionId": indexed(p.uint256), "electionKey": p.bytes32, "threshold": p.uint16, "trusteeCount": p.uint16, "ceremonyRecord": p.bytes}),
    TallyPublished: event("0xede7cee1f105bbae6e2e6f22b161c83078cdaaa29aa8d1759c9250a6b71a14f0", "TallyPublished(uint256,uint64[],bytes)", {"electionId": indexed(p.uint256), "counts": p.array(p.uint64), "proof": p.bytes}),
    Unpaused: event("0x5db9ee0a495bf2e6ff9c91a7834c1ba4fdd244a5e8aa4e537bd38aeae4b073aa", "Unpaused(address)", {"account": p.address}),
    VoteRecorded: event("0x17e773875481c174dfad934d70688d53f2dca951f69ef5e7c0f5ef456ad38ebe", "VoteRecorded(uint256,uint64,bytes16,uint16,bytes32)", {"electionId": indexed(p.uint256), "seq": p.uint64, "ref": indexed(p.bytes16), "choice": p.uint16, "voteHash": p.bytes32}),
}

export const functions = {
    DEFAULT_ADMIN_ROLE: viewFun("0xa217fddf", "DEFAULT_ADMIN_ROLE()", {}, p.bytes32),
    ELECTION_MANAGER_ROLE: viewFun("0xcd080a67", "ELECTION_MANAGER_ROLE()", {}, p.bytes32),
    PAUSER_ROLE: viewFun("0xe63ab1e9", "PAUSER_ROLE()", {}, p.bytes32),
    RECORDER_ROLE: viewFun("0xbea86581", "RECORDER_ROLE()", {}, p.bytes32),
    closeElection: fun("0x09e33d07", "closeElection(uint256)", {"electionId": p.uint256}, ),
    createElection: fun("0xad14b28e", "createElection(uint256,uint16,uint40,uint40,uint40,string)", {"electionId": p.uint256, "choiceCount": p.uint16, "opensAt": p.uint40, "closesAt": p.uint40, "recordUntil": p.uint40, "metadata": p.string}, ),
    createSecretElection: fun("0x29bcca68", "createSecretElection(uint256,uint16,uint40,uint40,uint40,string,bytes32,uint16,uint16,bytes)", {"electionId": p.uint256, "choiceCount": p.uint16, "opensAt": p.uint40, "closesAt": p.uint40, "recordUntil": p.uint40, "metadata": p.string, "key": p.bytes32, "threshold": p.uint16, "trusteeCount": p.uint16, "ceremonyRecord": p.bytes}, ),
    electionExists: viewFun("0x773e078e", "electionExists(uint256)", {"electionId": p.uint256}, p.bool),
    electionKey: viewFun("0xb34bbacd", "electionKey(uint256)", {"electionId": p.uint256}, p.bytes32),
    getElection: viewFun("0x9d710777", "getElection(uint256)", {"electionId": p.uint256}, p.struct({"opensAt": p.uint40, "closesAt": p.uint40, "recordUntil": p.uint40, "choiceCount": p.uint16, "closed": p.bool, "nextSeq": p.uint64, "secret": p.bool, "tallyPublished": p.bool})),
    getRoleAdmin: viewFun("0x248a9ca3", "getRoleAdmin(bytes32)", {"role": p.bytes32}, p.bytes32),
    grantRole: fun("0x2f2ff15d", "grantRole(bytes32,address)", {"role": p.bytes32, "account": p.address}, ),
    hasRole: viewFun("0x91d14854", "hasRole(bytes32,address)", {"role": p.bytes32, "account": p.address}, p.bool),
    metadataHash: viewFun("0x219cc8bc", "metadataHash(uint256)", {"electionId": p.uint256}, p.bytes32),
    nextSeq: viewFun("0xed2601f1", "nextSeq(uint256)", {"electionId": p.uint256}, p.uint64),
    pause: fun("0x8456cb59", "pause()", {}, ),
    paused: viewFun("0x5c975abb", "paused()", {}, p.bool),
    publishDecryptionShare: fun("0x58613317", "publishDecryptionShare(uint256,uint16,bytes)", {"electionId": p.uint256, "trusteeIndex": p.uint16, "share": p.bytes}, ),
    publishTally: fun("0xfe469389", "publishTally(uint256,uint64[],bytes)", {"electionId": p.uint256, "counts": p.array(p.uint64), "proof": p.bytes}, ),
    recordBallotBatch: fun("0x2431e4de", "recordBallotBatch(uint256,uint64,bytes[])", {"electionId": p.uint256, "firstSeq": p.uint64, "ballots": p.array(p.bytes)}, ),
    recordVote: fun("0x039ee741", "recordVote(uint256,uint64,bytes16,uint16,bytes32)", {"electionId": p.uint256, "seq": p.uint64, "ref": p.bytes16, "choice": p.uint16, "voteHash": p.bytes32}, ),
    recordVoteBatch: fun("0x1e6fa6be", "recordVoteBatch(uint256,uint64,bytes16[],uint16[],bytes32[])", {"electionId": p.uint256, "firstSeq": p.uint64, "refs": p.array(p.bytes16), "choices": p.array(p.uint16), "voteHashes": p.array(p.bytes32)}, ),
    renounceRole: fun("0x36568abe", "renounceRole(bytes32,address)", {"role": p.bytes32, "callerConfirmation": p.address}, ),
    revokeRole: fun("0xd547741f", "revokeRole(bytes32,address)", {"role": p.bytes32, "account": p.address}, ),
    supportsInterface: viewFun("0x01ffc9a7", "supportsInterface(bytes4)", {"interfaceId": p.bytes4}, p.bool),
    unpause: fun("0x3f4ba83a", "unpause()", {}, ),
    voteHashOf: viewFun("0xc3426ab6", "voteHashOf(uint256,bytes16,uint16,bytes32)", {"electionId": p.uint256, "ref": p.bytes16, "choice": p.uint16, "receiptSecret": p.bytes32}, p.bytes32),
}

export class Contract extends ContractBase {

    DEFAULT_ADMIN_ROLE() {
        return this.eth_call(functions.DEFAULT_ADMIN_ROLE, {})
    }

    ELECTION_MANAGER_ROLE() {
        return this.eth_call(functions.ELECTION_MANAGER_ROLE, {})
    }

    PAUSER_ROLE() {
        return this.eth_call(functions.PAUSER_ROLE, {})
    }

    RECORDER_ROLE() {
        return this.eth_call(functions.RECORDER_ROLE, {})
    }

    electionExists(electionId: ElectionExistsParams["electionId"]) {
        return this.eth_call(functions.electionExists, {electionId})
    }

    electionKey(electionId: ElectionKeyParams["electionId"]) {
        return this.eth_call(functions.electionKey, {electionId})
    }

    getElection(electionId: GetElectionParams["electionId"]) {
        return this.eth_call(functions.getElection, {electionId})
    }

    getRoleAdmin(role: GetRoleAdminParams["role"]) {
        return this.eth_call(functions.getRoleAdmin, {role})
    }

    hasRole(role: HasRoleParams["role"], account: HasRoleParams["account"]) {
        return this.eth_call(functions.hasRole, {role, account})
    }

    metadataHash(electionId: MetadataHashParams["electionId"]) {
        return this.eth_call(functions.metadataHash, {electionId})
    }

    nextSeq(electionId: NextSeqParams["electionId"]) {
        return this.eth_call(functions.nextSeq, {electionId})
    }

    paused() {
        return this.eth_call(functions.paused, {})
    }

    supportsInterface(interfaceId: SupportsInterfaceParams["interfaceId"]) {
        return this.eth_call(functions.supportsInterface, {interfaceId})
    }

    voteHashOf(electionId: VoteHashOfParams["electionId"], ref: VoteHashOfParams["ref"], choice: VoteHashOfParams["choice"], receiptSecret: VoteHashOfParams["receiptSecret"]) {
        return this.eth_call(functions.voteHashOf, {electionId, ref, choice, receiptSecret})
    }
}

/// Event types
export type BallotRecordedEventArgs = EParams<typeof events.BallotRecorded>
export type BatchRecordedEventArgs = EParams<typeof events.BatchRecorded>
export type DecryptionSharePublishedEventArgs = EParams<typeof events.DecryptionSharePublished>
export type ElectionClosedEventArgs = EParams<typeof events.ElectionClosed>
export type ElectionCreatedEventArgs = EParams<typeof events.ElectionCreated>
export type PausedEventArgs = EParams<typeof events.Paused>
export type RoleAdminChangedEventArgs = EParams<typeof events.RoleAdminChanged>
export type RoleGrantedEventArgs = EParams<typeof events.RoleGranted>
export type RoleRevokedEventArgs = EParams<typeof events.RoleRevoked>
export type SecretElectionCreatedEventArgs = EParams<typeof events.SecretElectionCreated>
export type TallyPublishedEventArgs = EParams<typeof events.TallyPublished>
export type UnpausedEventArgs = EParams<typeof events.Unpaused>
export type VoteRecordedEventArgs = EParams<typeof events.VoteRecorded>

/// Function types
export type DEFAULT_ADMIN_ROLEParams = FunctionArguments<typeof functions.DEFAULT_ADMIN_ROLE>
export type DEFAULT_ADMIN_ROLEReturn = FunctionReturn<typeof functions.DEFAULT_ADMIN_ROLE>

export type ELECTION_MANAGER_ROLEParams = FunctionArguments<typeof functions.ELECTION_MANAGER_ROLE>
export type ELECTION_MANAGER_ROLEReturn = FunctionReturn<typeof functions.ELECTION_MANAGER_ROLE>

export type PAUSER_ROLEParams = FunctionArguments<typeof functions.PAUSER_ROLE>
export type PAUSER_ROLEReturn = FunctionReturn<typeof functions.PAUSER_ROLE>

export type RECORDER_ROLEParams = FunctionArguments<typeof functions.RECORDER_ROLE>
export type RECORDER_ROLEReturn = FunctionReturn<typeof functions.RECORDER_ROLE>

export type CloseElectionParams = FunctionArguments<typeof functions.closeElection>
export type CloseElectionReturn = FunctionReturn<typeof functions.closeElection>

export type CreateElectionParams = FunctionArguments<typeof functions.createElection>
export type CreateElectionReturn = FunctionReturn<typeof functions.createElection>

export type CreateSecretElectionParams = FunctionArguments<typeof functions.createSecretElection>
export type CreateSecretElectionReturn = FunctionReturn<typeof functions.createSecretElection>

export type ElectionExistsParams = FunctionArguments<typeof functions.electionExists>
export type ElectionExistsReturn = FunctionReturn<typeof functions.electionExists>

export type ElectionKeyParams = FunctionArguments<typeof functions.electionKey>
export type ElectionKeyReturn = FunctionReturn<typeof functions.electionKey>

export type GetElectionParams = FunctionArguments<typeof functions.getElection>
export type GetElectionReturn = FunctionReturn<typeof functions.getElection>

export type GetRoleAdminParams = FunctionArguments<typeof functions.getRoleAdmin>
export type GetRoleAdminReturn = FunctionReturn<typeof functions.getRoleAdmin>

export type GrantRoleParams = FunctionArguments<typeof functions.grantRole>
export type GrantRoleReturn = FunctionReturn<typeof functions.grantRole>

export type HasRoleParams = FunctionArguments<typeof functions.hasRole>
export type HasRoleReturn = FunctionReturn<typeof functions.hasRole>

export type MetadataHashParams = FunctionArguments<typeof functions.metadataHash>
export type MetadataHashReturn = FunctionReturn<typeof functions.metadataHash>

export type NextSeqParams = FunctionArguments<typeof functions.nextSeq>
export type NextSeqReturn = FunctionReturn<typeof functions.nextSeq>

export type PauseParams = FunctionArguments<typeof functions.pause>
export type PauseReturn = FunctionReturn<typeof functions.pause>

export type PausedParams = FunctionArguments<typeof functions.paused>
export type PausedReturn = FunctionReturn<typeof functions.paused>

export type PublishDecryptionShareParams = FunctionArguments<typeof functions.publishDecryptionShare>
export type PublishDecryptionShareReturn = FunctionReturn<typeof functions.publishDecryptionShare>

export type PublishTallyParams = FunctionArguments<typeof functions.publishTally>
export type PublishTallyReturn = FunctionReturn<typeof functions.publishTally>

export type RecordBallotBatchParams = FunctionArguments<typeof functions.recordBallotBatch>
export type RecordBallotBatchReturn = FunctionReturn<typeof functions.recordBallotBatch>

export type RecordVoteParams = FunctionArguments<typeof functions.recordVote>
export type RecordVoteReturn = FunctionReturn<typeof functions.recordVote>

export type RecordVoteBatchParams = FunctionArguments<typeof functions.recordVoteBatch>
export type RecordVoteBatchReturn = FunctionReturn<typeof functions.recordVoteBatch>

export type RenounceRoleParams = FunctionArguments<typeof functions.renounceRole>
export type RenounceRoleReturn = FunctionReturn<typeof functions.renounceRole>

export type RevokeRoleParams = FunctionArguments<typeof functions.revokeRole>
export type RevokeRoleReturn = FunctionReturn<typeof functions.revokeRole>

export type SupportsInterfaceParams = FunctionArguments<typeof functions.supportsInterface>
export type SupportsInterfaceReturn = FunctionReturn<typeof functions.supportsInterface>

export type UnpauseParams = FunctionArguments<typeof functions.unpause>
export type UnpauseReturn = FunctionReturn<typeof functions.unpause>

export type VoteHashOfParams = FunctionArguments<typeof functions.voteHashOf>
export type VoteHashOfReturn = FunctionReturn<typeof functions.voteHashOf>

