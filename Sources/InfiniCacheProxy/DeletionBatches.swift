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
    private var queues: [NodeID: CircularBuffer<Waiting>] = [:]

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
        var waiting = CircularBuffer(versions.lazy.map { Waiting(version: $0, completion: nil) })
        waiting[waiting.index(before: waiting.endIndex)].completion = completion
        if let queue = self.queues.index(forKey: node) {
            self.queues.values[queue].append(contentsOf: waiting)
            return nil
        }
        return self.take(from: &waiting, for: node)
    }

    /// The batch in flight to `node` was answered (or failed): returns the next one, or
    /// nil when nothing waits, which leaves the node idle.
    mutating func answered(_ node: NodeID) -> Batch? {
        guard var waiting = self.queues.removeValue(forKey: node), !waiting.isEmpty else {
            return nil
        }
        return self.take(from: &waiting, for: node)
    }

    /// Whether a batch travels to `node`; for tests.
    func isInFlight(to node: NodeID) -> Bool {
        self.queues[node] != nil
    }

    /// Takes the first batch off `waiting` for `node`, which then counts as in flight with
    /// the rest behind it: O(versions taken).
    private mutating func take(from waiting: inout CircularBuffer<Waiting>, for node: NodeID) -> Batch {
        var batch = Batch(node: node, versions: [], completions: [])
        var bytes = 4
        while let next = waiting.first {
            bytes += DeletionList.encodedLength(keyLength: next.version.key.readableBytes)
            guard batch.versions.isEmpty || bytes <= self.maximumBatchBytes else { break }
            waiting.removeFirst()
            batch.versions.append(next.version)
            if let completion = next.completion {
                batch.completions.append(completion)
            }
        }
        self.queues[node] = waiting
        return batch
    }
}
