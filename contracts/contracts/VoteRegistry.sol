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
 *
 * A secret election records sealed ballots instead of choices: each ballot (the choices encrypted
 * under the trustees' joint election key, with proofs; see docs/ballot-spec.md) is emitted whole
 * in `BallotRecorded`, with the same gap-free sequence, so that the chain alone holds everything
 * a verifier needs. The key and the trustees' ceremony record are emitted at creation; after
 * recording ends, the trustees' decryption shares and the tally are published here too. The
 * contract checks none of the cryptography (verifiers do, from the events): who sends a share or
 * the tally does not matter, the proofs do.
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
        /// Records sealed ballots ({recordBallotBatch}), not choices.
        bool secret;
        /// A secret election's tally was published ({publishTally}).
        bool tallyPublished;
    }

    mapping(uint256 electionId => Election) private _elections;
    mapping(uint256 electionId => bytes32) private _metadataHashes;
    mapping(uint256 electionId => bytes32) private _electionKeys;

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

    /// @notice Emitted after {ElectionCreated} for a secret election: the joint election key (a
    /// ristretto255 point), the threshold k of n trustees, and the ceremony record (the trustees'
    /// public keys, commitments and proofs, docs/trustee-spec.md) that proves the key.
    event SecretElectionCreated(
        uint256 indexed electionId,
        bytes32 electionKey,
        uint16 threshold,
        uint16 trusteeCount,
        bytes ceremonyRecord
    );

    /// @notice Emitted once per recorded sealed ballot of a secret election.
    event BallotRecorded(uint256 indexed electionId, uint64 seq, bytes ballot);

    /// @notice Emitted when a trustee's decryption share of a secret election's aggregate is published.
    event DecryptionSharePublished(uint256 indexed electionId, uint16 indexed trusteeIndex, bytes share);

    /// @notice Emitted once per secret election: the count per choice, with the record that proves it.
    event TallyPublished(uint256 indexed electionId, uint64[] counts, bytes proof);

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
    /// @dev Open votes for a secret election, or sealed ballots for an open one (`secret` is the election's kind).
    error VoteRegistryWrongElectionKind(uint256 electionId, bool secret);
    /// @dev A secret election needs a non-zero key and `1 <= threshold <= trusteeCount`.
    error VoteRegistryInvalidTrustees(bytes32 electionKey, uint256 threshold, uint256 trusteeCount);
    /// @dev The ballot at `index` of the batch is empty.
    error VoteRegistryEmptyBallot(uint256 index);
    /// @dev Shares and the tally wait until recording has ended, at `recordUntil`.
    error VoteRegistryRecordingNotEnded(uint256 electionId, uint256 recordUntil);
    /// @dev The tally must give one count per choice (`expected`).
    error VoteRegistryTallyLength(uint256 electionId, uint256 expected, uint256 given);
    /// @dev The election's tally was published already.
    error VoteRegistryTallyAlreadyPublished(uint256 electionId);

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
        _create(electionId, choiceCount, opensAt, closesAt, recordUntil, metadata, false);
    }

    /**
     * @notice Creates a secret election: its ballots are sealed under `key`, the joint key
     * of `trusteeCount` trustees of whom any `threshold` decrypt the tally together.
     * @param ceremonyRecord the trustees' public record that proves the key (emitted, not stored).
     *
     * Requirements: as {createElection}, and
     * - `key` is not zero; `1 <= threshold <= trusteeCount`.
     *
     * Emits an {ElectionCreated} event, then a {SecretElectionCreated} event.
     */
    function createSecretElection(
        uint256 electionId,
        uint16 choiceCount,
        uint40 opensAt,
        uint40 closesAt,
        uint40 recordUntil,
        string calldata metadata,
        bytes32 key,
        uint16 threshold,
        uint16 trusteeCount,
        bytes calldata ceremonyRecord
    ) external onlyRole(ELECTION_MANAGER_ROLE) whenNotPaused {
        if (key == bytes32(0) || threshold == 0 || threshold > trusteeCount) {
            revert VoteRegistryInvalidTrustees(key, threshold, trusteeCount);
        }
        _create(electionId, choiceCount, opensAt, closesAt, recordUntil, metadata, true);
        _electionKeys[electionId] = key;
        emit SecretElectionCreated(electionId, key, threshold, trusteeCount, ceremonyRecord);
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
     * - the arrays are non-empty and of equal length; every choice is below the choice count;
     * - the election is not secret.
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
        uint16 choiceCount = _advance(electionId, firstSeq, count, false);
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
        uint16 choiceCount = _advance(electionId, seq, 1, false);
        if (choice >= choiceCount) revert VoteRegistryChoiceOutOfRange(electionId, 0, choice, choiceCount);
        emit VoteRecorded(electionId, seq, ref, choice, voteHash);
        emit BatchRecorded(electionId, seq, 1);
    }

    /**
     * @notice Records a batch of sealed ballots of a secret election with sequence numbers
     * `firstSeq, firstSeq + 1, …`. The ballots are emitted as given: their proofs are checked by
     * the relayer before it accepts them and by every verifier from the events.
     *
     * Requirements: as {recordVoteBatch} (role, pause, window, sequence), and
     * - the election is secret; the batch is non-empty and no ballot is empty.
     *
     * Emits one {BallotRecorded} event per ballot, then one {BatchRecorded} event.
     */
    function recordBallotBatch(
        uint256 electionId,
        uint64 firstSeq,
        bytes[] calldata ballots
    ) external onlyRole(RECORDER_ROLE) whenNotPaused {
        uint256 count = ballots.length;
        if (count == 0) revert VoteRegistryEmptyBatch();
        _advance(electionId, firstSeq, count, true);
        for (uint256 i = 0; i < count; ++i) {
            if (ballots[i].length == 0) revert VoteRegistryEmptyBallot(i);
            // The sequence cannot overflow: _advance checked firstSeq + count fits in uint64.
            unchecked {
                emit BallotRecorded(electionId, firstSeq + uint64(i), ballots[i]);
            }
        }
        emit BatchRecorded(electionId, firstSeq, uint32(count));
    }

    /**
     * @notice Publishes trustee `trusteeIndex`'s decryption share of the election's aggregate
     * (partial decryptions with their proofs). A share that fails verification is ignored by
     * verifiers; a trustee may publish again.
     *
     * Requirements:
     * - the caller has `RECORDER_ROLE`; the election exists, is secret, and recording has ended.
     *
     * Emits a {DecryptionSharePublished} event.
     */
    function publishDecryptionShare(
        uint256 electionId,
        uint16 trusteeIndex,
        bytes calldata share
    ) external onlyRole(RECORDER_ROLE) {
        _endedSecretElection(electionId);
        emit DecryptionSharePublished(electionId, trusteeIndex, share);
    }

    /**
     * @notice Publishes a secret election's tally: one count per choice, with the record that
     * proves it from the ballots and the decryption shares.
     *
     * Requirements:
     * - the caller has `RECORDER_ROLE`; the election exists, is secret, and recording has ended;
     * - `counts` has one entry per choice; no tally was published for the election before.
     *
     * Emits a {TallyPublished} event.
     */
    function publishTally(
        uint256 electionId,
        uint64[] calldata counts,
        bytes calldata proof
    ) external onlyRole(RECORDER_ROLE) {
        Election storage election = _endedSecretElection(electionId);
        if (counts.length != election.choiceCount) {
            revert VoteRegistryTallyLength(electionId, election.choiceCount, counts.length);
        }
        if (election.tallyPublished) revert VoteRegistryTallyAlreadyPublished(electionId);
        election.tallyPublished = true;
        emit TallyPublished(electionId, counts, proof);
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

    /// @notice A secret election's joint key (zero for an open election).
    function electionKey(uint256 electionId) external view returns (bytes32) {
        _existingElection(electionId);
        return _electionKeys[electionId];
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

    function _create(
        uint256 electionId,
        uint16 choiceCount,
        uint40 opensAt,
        uint40 closesAt,
        uint40 recordUntil,
        string calldata metadata,
        bool secret
    ) private {
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
            nextSeq: 0,
            secret: secret,
            tallyPublished: false
        });
        _metadataHashes[electionId] = hash;
        emit ElectionCreated(electionId, choiceCount, opensAt, closesAt, recordUntil, hash, metadata);
    }

    /// @dev Checks the kind, the window and the sequence, advances `nextSeq` by `count` (the one
    /// storage write of a batch) and returns the choice count for the per-vote checks.
    function _advance(uint256 electionId, uint64 firstSeq, uint256 count, bool secret) private returns (uint16) {
        Election memory election = _elections[electionId];
        if (election.choiceCount == 0) revert VoteRegistryUnknownElection(electionId);
        if (election.secret != secret) revert VoteRegistryWrongElectionKind(electionId, election.secret);
        if (block.timestamp < election.opensAt) revert VoteRegistryElectionNotOpen(electionId, election.opensAt);
        if (block.timestamp > election.recordUntil) {
            revert VoteRegistryRecordingEnded(electionId, election.recordUntil);
        }
        if (firstSeq != election.nextSeq) revert VoteRegistrySequenceMismatch(electionId, election.nextSeq, firstSeq);
        // A batch that would overflow the sequence reverts (SafeCast).
        _elections[electionId].nextSeq = SafeCast.toUint64(uint256(firstSeq) + count);
        return election.choiceCount;
    }

    /// @dev A secret election whose recording has ended: its aggregate can no longer change.
    function _endedSecretElection(uint256 electionId) private view returns (Election storage election) {
        election = _existingElection(electionId);
        if (!election.secret) revert VoteRegistryWrongElectionKind(electionId, false);
        if (block.timestamp <= election.recordUntil) {
            revert VoteRegistryRecordingNotEnded(electionId, election.recordUntil);
        }
    }

    function _existingElection(uint256 electionId) private view returns (Election storage election) {
        election = _elections[electionId];
        if (election.choiceCount == 0) revert VoteRegistryUnknownElection(electionId);
    }
}
