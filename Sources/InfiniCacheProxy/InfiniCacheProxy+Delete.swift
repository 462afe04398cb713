import ChunkTransport
import ChunkWire
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
    /// that is gone takes every batch for it at once: its memory is gone with it.
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
            _ = transport.request(Frame(.deleteVersions, payload: payload)) { _ in
                if let following = self.finished(batch) {
                    self.send(following)
                }
            }
            return
        }
    }

    /// Runs the completions of `batch`, which its node answered or cannot, and returns the
    /// batch that waited behind it.
    private func finished(_ batch: DeletionBatches.Batch) -> DeletionBatches.Batch? {
        batch.completions.forEach { $0() }
        return self.deletionBatches.withLock { $0.answered(batch.node) }
    }
}
