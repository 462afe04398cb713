import ChunkTransport
import ChunkWire
import Logging
import NIOCore
import Synchronization

extension InfiniCacheProxy {
    /// Deletes chunks on their nodes without waiting for their answers. No request of a
    /// client's carries the clean-up, so a client that cancels cannot cancel it.
    func sendLater(_ deletions: [Deletion]) {
        self.delete(deletions) {}
    }

    /// Deletes chunks on their nodes and calls `completion` once every node has answered,
    /// or failed (a node that is gone or fails is ignored: its memory is gone with it).
    /// Each node's deletions travel as `deleteVersions` batches, one at a time per node
    /// (``DeletionBatches``), so those asked while a batch travels share the next one.
    /// Answers arrive by callback: no task per deletion.
    func delete(_ deletions: [Deletion], then completion: @escaping @Sendable () -> Void) {
        guard !deletions.isEmpty else {
            completion()
            return
        }
        var byNode: [NodeID: [VersionID]] = [:]
        for deletion in deletions {
            byNode[deletion.node, default: []].append(deletion.version)
        }
        let outstanding = Atomic(byNode.count)
        let nodeDone: @Sendable () -> Void = {
            if outstanding.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                completion()
            }
        }
        let batches = self.deletionBatches.withLock { batches in
            byNode.compactMap { node, versions in batches.add(versions, on: node, then: nodeDone) }
        }
        for batch in batches {
            self.send(batch)
        }
    }

    /// Sends `first`, then each batch that waited behind it as the node answers. A node
    /// that is gone takes every batch for it at once: its memory is gone with it. A batch
    /// answered before its request returns (a closed in-process transport fails at once)
    /// hands the next one back to this loop rather than sending it from the answer, so a
    /// long queue never nests calls.
    private func send(_ first: DeletionBatches.Batch) {
        var next: DeletionBatches.Batch? = first
        while let batch = next {
            guard let transport = self.withState({ $0.transport(of: batch.node) }) else {
                next = self.finished(batch)
                continue
            }
            let list = DeletionList(batch.versions.map { DeletionList.Entry(key: $0.key, version: $0.version) })
            var payload = ByteBuffer()
            list.write(to: &payload)
            let handoff = BatchHandoff()
            _ = transport.request(Frame(.deleteVersions, payload: payload)) { result in
                if case .success(let answer) = result, answer.opcode != .deleted {
                    self.logger.warning(
                        "a node refused a batch of deletions; their chunks stay until it is reclaimed",
                        metadata: ["node": "\(batch.node)", "versions": "\(batch.versions.count)", "answer": "\(answer.opcode)"]
                    )
                }
                if let following = handoff.answered(next: self.finished(batch)) {
                    self.send(following)
                }
            }
            next = handoff.requestReturned()
        }
    }

    /// Runs the completions of `batch`, which its node answered or cannot, and returns the
    /// batch that waited behind it.
    private func finished(_ batch: DeletionBatches.Batch) -> DeletionBatches.Batch? {
        batch.completions.forEach { $0() }
        return self.deletionBatches.withLock { $0.answered(batch.node) }
    }
}

/// Where the answer to a deletion batch leaves the batch behind it: with the loop that sent
/// it, if the answer came before the request returned, or with the answer's own thread.
final class BatchHandoff: Sendable {
    private enum State {
        case sending
        case answeredWhileSending(DeletionBatches.Batch?)
        case sent
    }

    private let state = Mutex(State.sending)

    /// The answer arrived with `next` behind it: returns it if the answer's thread must
    /// send it, nil if the sending loop takes it.
    func answered(next: DeletionBatches.Batch?) -> DeletionBatches.Batch? {
        self.state.withLock { state in
            guard case .sending = state else { return next }
            state = .answeredWhileSending(next)
            return nil
        }
    }

    /// The request returned: the batch the sending loop must send next, if the answer
    /// came first.
    func requestReturned() -> DeletionBatches.Batch? {
        self.state.withLock { state in
            defer { state = .sent }
            guard case .answeredWhileSending(let next) = state else { return nil }
            return next
        }
    }
}
