import ChunkWire
import NIOCore

/// Deletions on their way to the nodes, batched per node: at most one `deleteVersions`
/// request travels to a node at a time, and what is asked meanwhile waits, then leaves as
/// the next batch once the node answers. A lone deletion leaves at once; under load (an
/// overwrite replaces a version per write) a node's deletions share one frame and one
/// answer, in order. Pure state: ``InfiniCacheProxy`` sends the batches it returns.
struct DeletionBatches {
    /// Deletions for one node to send as one request.
    struct Batch {
        /// The node that holds the chunks.
        var node: NodeID
        /// The versions whose chunks go, in the order they were asked for.
        var versions: [VersionID]
        /// Run once the node has answered the batch (or failed): each was given with the
        /// last of its deletions, so every deletion it waited for is done.
        var completions: [@Sendable () -> Void]
    }

    private struct Waiting {
        var version: VersionID
        var completion: (@Sendable () -> Void)?
    }

    /// Per node with a batch in flight, the deletions behind it (possibly none). A node
    /// absent here has nothing in flight.
    private var queues: [NodeID: [Waiting]] = [:]

    /// Largest payload of a batch, in bytes; a batch takes at least one version, whatever
    /// its key's length.
    let maximumBatchBytes: Int

    /// Creates empty batches of at most `maximumBatchBytes` payload bytes each.
    init(maximumBatchBytes: Int = 64 << 10) {
        self.maximumBatchBytes = maximumBatchBytes
    }

    /// Asks for `versions` to be deleted on `node`, with `completion` to run once they
    /// all are. Returns the batch to send now if none travels to `node`; otherwise they
    /// wait for ``answered(_:)``.
    mutating func add(_ versions: [VersionID], on node: NodeID, then completion: @escaping @Sendable () -> Void) -> Batch? {
        guard !versions.isEmpty else {
            completion()
            return nil
        }
        var waiting = versions.map { Waiting(version: $0, completion: nil) }
        waiting[waiting.count - 1].completion = completion
        if let queue = self.queues.index(forKey: node) {
            self.queues.values[queue].append(contentsOf: waiting)
            return nil
        }
        return self.take(from: waiting, for: node)
    }

    /// The batch in flight to `node` was answered (or failed): returns the next one, or
    /// nil when nothing waits, which leaves the node idle.
    mutating func answered(_ node: NodeID) -> Batch? {
        guard let waiting = self.queues.removeValue(forKey: node), !waiting.isEmpty else {
            return nil
        }
        return self.take(from: waiting, for: node)
    }

    /// Whether a batch travels to `node`; for tests.
    func isInFlight(to node: NodeID) -> Bool {
        self.queues[node] != nil
    }

    /// The first batch of `waiting` for `node`, which then counts as in flight with the
    /// rest behind it.
    private mutating func take(from waiting: [Waiting], for node: NodeID) -> Batch {
        var bytes = 4
        var count = 0
        for entry in waiting {
            bytes += DeletionList.encodedLength(keyLength: entry.version.key.readableBytes)
            guard count == 0 || bytes <= self.maximumBatchBytes else { break }
            count += 1
        }
        self.queues[node] = Array(waiting[count...])
        let sent = waiting[..<count]
        return Batch(node: node, versions: sent.map(\.version), completions: sent.compactMap(\.completion))
    }
}
