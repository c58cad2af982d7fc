// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ReferenceVoteStore
 * @notice NOT FOR USE. The storage layout of Veritally's original design, kept only as the
 * gas benchmark's baseline: a per-vote struct in storage keyed by a string reference, an array
 * of all references, a duplicate-hash mapping and a per-election counter, one transaction per
 * vote, plus its own batch function.
 */
contract ReferenceVoteStore {
    struct StoredVote {
        uint256 electionId;
        uint256 choice;
        bytes32 voteHash;
        address recorder;
        uint256 recordedAt;
        bool exists;
    }

    mapping(string ref => StoredVote) private _votes;
    string[] private _refs;
    mapping(bytes32 voteHash => bool) private _seenHashes;
    mapping(uint256 electionId => uint256) private _voteCounts;

    event VoteStored(string ref, uint256 indexed electionId, uint256 choice, bytes32 voteHash);

    error ReferenceVoteStoreDuplicate(string ref);

    function storeVote(string calldata ref, uint256 electionId, uint256 choice, bytes32 voteHash) external {
        _store(ref, electionId, choice, voteHash);
    }

    function storeVotes(
        string[] calldata refs,
        uint256 electionId,
        uint256[] calldata choices,
        bytes32[] calldata voteHashes
    ) external {
        for (uint256 i = 0; i < refs.length; ++i) {
            _store(refs[i], electionId, choices[i], voteHashes[i]);
        }
    }

    function voteCount(uint256 electionId) external view returns (uint256) {
        return _voteCounts[electionId];
    }

    function _store(string calldata ref, uint256 electionId, uint256 choice, bytes32 voteHash) private {
        if (_votes[ref].exists || _seenHashes[voteHash]) revert ReferenceVoteStoreDuplicate(ref);
        _votes[ref] = StoredVote(electionId, choice, voteHash, msg.sender, block.timestamp, true);
        _refs.push(ref);
        _seenHashes[voteHash] = true;
        _voteCounts[electionId] += 1;
        emit VoteStored(ref, electionId, choice, voteHash);
    }
}
