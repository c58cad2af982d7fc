// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/**
 * @title VoteRegistry
 * @notice Records votes in batches, one `VoteRecorded` event per vote, with a gap-free sequence
 * per election, so that anyone can prove from the chain alone that every recorded vote is there
 * once and unchanged.
 *
 * Votes are not kept in storage: one storage write per batch (the election's next sequence
 * number) keeps the cost of a vote close to the cost of its event. The sequence is the proof
 * of completeness: a batch is accepted only if its first sequence number is the election's next
 * one, so the sequence has no gap and no repeat, and a replayed or overlapping batch reverts
 * with the expected number instead of recording a vote twice.
 *
 * Elections live on chain too. Their metadata (title, description, one label per choice) is a
 * JSON string emitted in `ElectionCreated` and only its hash is stored. `closesAt` ends intake
 * (off chain, at the relayer); recording stays open until `recordUntil`, a grace period so that
 * votes accepted just before the close are not lost to timing. Batches recorded after
 * `closesAt` are visible as such from their block timestamps.
 */
contract VoteRegistry is AccessControl, Pausable {
    /// @notice May create and close elections.
    bytes32 public constant ELECTION_MANAGER_ROLE = keccak256("ELECTION_MANAGER_ROLE");
    /// @notice May record votes (the relayer's signing key).
    bytes32 public constant RECORDER_ROLE = keccak256("RECORDER_ROLE");
    /// @notice May pause and unpause election creation and recording.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice An election as stored on chain. Packed into one slot so that recording a batch
    /// reads one slot and writes one slot.
    struct Election {
        uint40 opensAt;
        uint40 closesAt;
        uint40 recordUntil;
        uint16 choiceCount;
        bool closed;
        uint64 nextSeq;
    }

    mapping(uint256 electionId => Election) private _elections;
    mapping(uint256 electionId => bytes32) private _metadataHashes;

    /// @notice Emitted when an election is created; `metadata` is the JSON the portal shows.
    event ElectionCreated(
        uint256 indexed electionId,
        uint16 choiceCount,
        uint40 opensAt,
        uint40 closesAt,
        uint40 recordUntil,
        bytes32 metadataHash,
        string metadata
    );

    /// @notice Emitted when an election is closed; `closesAt` is the effective end of intake.
    event ElectionClosed(uint256 indexed electionId, uint40 closesAt);

    /// @notice Emitted once per recorded vote.
    event VoteRecorded(uint256 indexed electionId, uint64 seq, bytes16 indexed ref, uint16 choice, bytes32 voteHash);

    /// @notice Emitted once per recorded batch, after its votes.
    event BatchRecorded(uint256 indexed electionId, uint64 firstSeq, uint32 count);

    /// @dev The election does not exist.
    error VoteRegistryUnknownElection(uint256 electionId);
    /// @dev An election with this id already exists.
    error VoteRegistryElectionExists(uint256 electionId);
    /// @dev An election needs at least two choices.
    error VoteRegistryInvalidChoiceCount(uint256 choiceCount);
    /// @dev The window must satisfy `opensAt < closesAt <= recordUntil` and `closesAt` must be in the future.
    error VoteRegistryInvalidWindow(uint256 opensAt, uint256 closesAt, uint256 recordUntil);
    /// @dev The election was already closed.
    error VoteRegistryElectionAlreadyClosed(uint256 electionId);
    /// @dev The election does not open before `opensAt`.
    error VoteRegistryElectionNotOpen(uint256 electionId, uint256 opensAt);
    /// @dev Recording for this election ended at `recordUntil`.
    error VoteRegistryRecordingEnded(uint256 electionId, uint256 recordUntil);
    /// @dev The batch does not start at the election's next sequence number `expected`.
    error VoteRegistrySequenceMismatch(uint256 electionId, uint64 expected, uint64 given);
    /// @dev The three arrays of a batch differ in length.
    error VoteRegistryLengthMismatch(uint256 refs, uint256 choices, uint256 voteHashes);
    /// @dev A batch must hold at least one vote.
    error VoteRegistryEmptyBatch();
    /// @dev The vote at `index` of the batch names a choice the election does not have.
    error VoteRegistryChoiceOutOfRange(uint256 electionId, uint256 index, uint16 choice, uint16 choiceCount);

    /**
     * @param admin receives `DEFAULT_ADMIN_ROLE`, which grants and revokes every other role.
     */
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------------------------------
    // Elections
    // ------------------------------------------------------------------------------------------

    /**
     * @notice Creates an election.
     * @param metadata JSON with the title, description and one label per choice; hashed and
     * emitted, not stored.
     *
     * Requirements:
     * - the caller has `ELECTION_MANAGER_ROLE`; the contract is not paused;
     * - no election with `electionId` exists;
     * - `choiceCount` is at least 2;
     * - `opensAt < closesAt <= recordUntil` and `closesAt` is in the future.
     *
     * Emits an {ElectionCreated} event.
     */
    function createElection(
        uint256 electionId,
        uint16 choiceCount,
        uint40 opensAt,
        uint40 closesAt,
        uint40 recordUntil,
        string calldata metadata
    ) external onlyRole(ELECTION_MANAGER_ROLE) whenNotPaused {
        if (_elections[electionId].choiceCount != 0) revert VoteRegistryElectionExists(electionId);
        if (choiceCount < 2) revert VoteRegistryInvalidChoiceCount(choiceCount);
        if (opensAt >= closesAt || closesAt > recordUntil || closesAt <= block.timestamp) {
            revert VoteRegistryInvalidWindow(opensAt, closesAt, recordUntil);
        }
        bytes32 hash = keccak256(bytes(metadata));
        _elections[electionId] = Election({
            opensAt: opensAt,
            closesAt: closesAt,
            recordUntil: recordUntil,
            choiceCount: choiceCount,
            closed: false,
            nextSeq: 0
        });
        _metadataHashes[electionId] = hash;
        emit ElectionCreated(electionId, choiceCount, opensAt, closesAt, recordUntil, hash, metadata);
    }

    /**
     * @notice Closes an election's intake now (or keeps its earlier `closesAt`). Recording stays
     * open until `recordUntil`, so votes accepted before the close still reach the chain.
     *
     * Requirements:
     * - the caller has `ELECTION_MANAGER_ROLE`;
     * - the election exists and is not closed yet.
     *
     * Emits an {ElectionClosed} event.
     */
    function closeElection(uint256 electionId) external onlyRole(ELECTION_MANAGER_ROLE) {
        Election storage election = _existingElection(electionId);
        if (election.closed) revert VoteRegistryElectionAlreadyClosed(electionId);
        uint40 closesAt = election.closesAt;
        if (block.timestamp < closesAt) closesAt = uint40(block.timestamp);
        election.closed = true;
        election.closesAt = closesAt;
        emit ElectionClosed(electionId, closesAt);
    }

    // ------------------------------------------------------------------------------------------
    // Recording
    // ------------------------------------------------------------------------------------------

    /**
     * @notice Records a batch of votes with sequence numbers `firstSeq, firstSeq + 1, …`.
     *
     * Requirements:
     * - the caller has `RECORDER_ROLE`; the contract is not paused;
     * - the election exists, has opened, and `recordUntil` has not passed;
     * - `firstSeq` equals {nextSeq}: a replayed or overlapping batch reverts with
     *   {VoteRegistrySequenceMismatch}, which carries the expected number;
     * - the arrays are non-empty and of equal length; every choice is below the choice count.
     *
     * Emits one {VoteRecorded} event per vote, then one {BatchRecorded} event.
     */
    function recordVoteBatch(
        uint256 electionId,
        uint64 firstSeq,
        bytes16[] calldata refs,
        uint16[] calldata choices,
        bytes32[] calldata voteHashes
    ) external onlyRole(RECORDER_ROLE) whenNotPaused {
        uint256 count = refs.length;
        if (count == 0) revert VoteRegistryEmptyBatch();
        if (choices.length != count || voteHashes.length != count) {
            revert VoteRegistryLengthMismatch(count, choices.length, voteHashes.length);
        }
        uint16 choiceCount = _advance(electionId, firstSeq, count);
        for (uint256 i = 0; i < count; ++i) {
            uint16 choice = choices[i];
            if (choice >= choiceCount) revert VoteRegistryChoiceOutOfRange(electionId, i, choice, choiceCount);
            // The sequence cannot overflow: _advance checked firstSeq + count fits in uint64.
            unchecked {
                emit VoteRecorded(electionId, firstSeq + uint64(i), refs[i], choice, voteHashes[i]);
            }
        }
        emit BatchRecorded(electionId, firstSeq, uint32(count));
    }

    /**
     * @notice Records one vote; the same rules and event as a batch of one.
     *
     * Requirements: as {recordVoteBatch}.
     *
     * Emits a {VoteRecorded} event, then a {BatchRecorded} event.
     */
    function recordVote(
        uint256 electionId,
        uint64 seq,
        bytes16 ref,
        uint16 choice,
        bytes32 voteHash
    ) external onlyRole(RECORDER_ROLE) whenNotPaused {
        uint16 choiceCount = _advance(electionId, seq, 1);
        if (choice >= choiceCount) revert VoteRegistryChoiceOutOfRange(electionId, 0, choice, choiceCount);
        emit VoteRecorded(electionId, seq, ref, choice, voteHash);
        emit BatchRecorded(electionId, seq, 1);
    }

    // ------------------------------------------------------------------------------------------
    // Pause
    // ------------------------------------------------------------------------------------------

    /**
     * @notice Stops election creation and recording.
     *
     * Requirements: the caller has `PAUSER_ROLE`; the contract is not paused.
     *
     * Emits a {Paused} event.
     */
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /**
     * @notice Resumes election creation and recording.
     *
     * Requirements: the caller has `PAUSER_ROLE`; the contract is paused.
     *
     * Emits an {Unpaused} event.
     */
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------------------------------
    // Getters
    // ------------------------------------------------------------------------------------------

    /// @notice The election with `electionId`. Reverts with {VoteRegistryUnknownElection} if none.
    function getElection(uint256 electionId) external view returns (Election memory) {
        return _existingElection(electionId);
    }

    /// @notice Whether an election with `electionId` exists.
    function electionExists(uint256 electionId) external view returns (bool) {
        return _elections[electionId].choiceCount != 0;
    }

    /// @notice The sequence number the next recorded vote of the election must carry.
    function nextSeq(uint256 electionId) external view returns (uint64) {
        return _existingElection(electionId).nextSeq;
    }

    /// @notice keccak256 of the election's metadata JSON as emitted in {ElectionCreated}.
    function metadataHash(uint256 electionId) external view returns (bytes32) {
        _existingElection(electionId);
        return _metadataHashes[electionId];
    }

    /**
     * @notice The vote hash of the design brief, computed by this registry on this chain:
     * `keccak256(abi.encode(chainId, registry, electionId, ref, choice, receiptSecret))`.
     * A voter (or anyone) can use it to check an implementation of the hash off chain.
     */
    function voteHashOf(
        uint256 electionId,
        bytes16 ref,
        uint16 choice,
        bytes32 receiptSecret
    ) external view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), electionId, ref, choice, receiptSecret));
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev Checks the window and the sequence, advances `nextSeq` by `count` (the one storage
    /// write of a batch) and returns the choice count for the per-vote checks.
    function _advance(uint256 electionId, uint64 firstSeq, uint256 count) private returns (uint16) {
        Election memory election = _elections[electionId];
        if (election.choiceCount == 0) revert VoteRegistryUnknownElection(electionId);
        if (block.timestamp < election.opensAt) revert VoteRegistryElectionNotOpen(electionId, election.opensAt);
        if (block.timestamp > election.recordUntil) {
            revert VoteRegistryRecordingEnded(electionId, election.recordUntil);
        }
        if (firstSeq != election.nextSeq) revert VoteRegistrySequenceMismatch(electionId, election.nextSeq, firstSeq);
        // A batch that would overflow the sequence reverts (SafeCast).
        _elections[electionId].nextSeq = SafeCast.toUint64(uint256(firstSeq) + count);
        return election.choiceCount;
    }

    function _existingElection(uint256 electionId) private view returns (Election storage election) {
        election = _elections[electionId];
        if (election.choiceCount == 0) revert VoteRegistryUnknownElection(electionId);
    }
}
