import ChunkTransport
import ChunkWire
import FunctionPlatform
import InfiniCacheProxy
import InfiniCacheStatistics
import Synchronization

/// Counts what happens to the proxy's functions, and works out the chunks a new instance
/// lacks from the mapping.
final class LifecycleLedger: Sendable {
    private let counters = Mutex(LifecycleCounters())
    private let proxy: InfiniCacheProxy
    let metrics = LifecycleMetrics()

    init(proxy: InfiniCacheProxy) {
        self.proxy = proxy
    }

    var snapshot: LifecycleCounters {
        self.counters.withLock { $0 }
    }

    func update(_ change: (inout LifecycleCounters) -> Void) {
        let (before, after) = self.counters.withLock { counters in
            let before = counters
            change(&counters)
            return (before, counters)
        }
        self.metrics.record(from: before, to: after)
    }

    /// Counts an invocation. For one meant for the primary, `previous` is the instance the
    /// primary was on: when the invocation landed elsewhere, the primary was reclaimed, and
    /// the chunks the new instance lacks are lost. A backup invocation passes nil.
    func invoked(_ invocation: any FunctionInvocation, replacing previous: UInt64?) async {
        self.update { counters in
            counters.invocations += 1
            counters.coldStarts += invocation.isColdStart ? 1 : 0
        }
        guard let previous, previous != invocation.instanceID else { return }
        let mapped = self.proxy.chunkCount(ofFunction: invocation.function)
        // A count, not a comparison of sets: chunks the new instance holds that the mapping
        // no longer needs can hide lost ones. Unknown (the instance did not say) counts 0.
        var held: Int? = 0
        if !invocation.isColdStart {
            let answer = try? await invocation.transport.request(Frame(.syncStatus, payloadChecksum: 0))
            held = answer.flatMap { try? SyncMessage(from: $0.expecting(.syncMark)) }.map { Int(clamping: $0.chunkCount) }
        }
        self.update { counters in
            counters.reclaimsSeen += 1
            counters.failovers += invocation.isColdStart ? 0 : 1
            counters.chunksLost += held.map { max(mapped - $0, 0) } ?? 0
        }
    }
}
