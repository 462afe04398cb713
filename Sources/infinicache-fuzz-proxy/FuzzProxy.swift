// A stateful fuzz target for the proxy: each input is a stream of frames a client sends
// to one long-lived proxy with 12 in-process cache nodes. After every input it checks that
// every request was answered (a final response or a failure, within 10 s) and that the
// proxy and its nodes hold no more than their capacity. Built normally it replays the
// files named on its command line; built with `-sanitize=fuzzer -DFUZZING` (README,
// "Fuzzing") it hands control to libFuzzer.
import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import Dispatch
import Foundation
import FuzzTargetSupport
import InfiniCacheNode
import InfiniCacheProxy
import InfiniCacheStatistics
import Logging
import NIOCore
import Synchronization

/// Small nodes, so that inputs reach eviction and refusals.
private let nodeCapacity = 1 << 20

/// The cache every input talks to, for the whole run: state carries over between inputs.
private let cache: (proxy: InfiniCacheProxy, nodes: [CacheNode], client: InProcessTransport) = {
    var quiet = Logger(label: "infinicache.proxy")
    quiet.logLevel = .error
    let proxy = InfiniCacheProxy(uploadTimeout: .seconds(5), logger: quiet)
    let nodes = (0..<12).map { _ in CacheNode(capacity: nodeCapacity) }
    for (index, node) in nodes.enumerated() {
        proxy.addNode(functionID: "node-\(index)", capacity: nodeCapacity, transport: InProcessTransport(to: node))
    }
    return (proxy, nodes, InProcessTransport(to: proxy, verifiesPayloadChecksums: false))
}()

/// Requests sent and not yet answered in full, and a signal when there are none.
private final class Outstanding: Sendable {
    private let count = Mutex(0)
    private let drained = DispatchSemaphore(value: 0)

    func begin() {
        self.count.withLock { $0 += 1 }
    }

    func end() {
        let isLast = self.count.withLock { count in
            count -= 1
            return count == 0
        }
        if isLast {
            self.drained.signal()
        }
    }

    /// Waits until every request has ended; false after `seconds` without that. (A
    /// signal from an earlier moment the count reached zero only makes it look again.)
    func wait(seconds: Double) -> Bool {
        let deadline = DispatchTime.now() + seconds
        while self.count.withLock({ $0 }) > 0 {
            if self.drained.wait(timeout: deadline) == .timedOut {
                return self.count.withLock { $0 } == 0
            }
        }
        return true
    }
}

/// Sends every frame in `bytes` to the proxy, then checks the invariants.
private func exercise(_ bytes: UnsafeRawBufferPointer) {
    var buffer = ByteBuffer(bytes: bytes)
    let parser = FrameParser()
    let outstanding = Outstanding()
    var requests: [Frame] = []
    while let frame = try? parser.parse(&buffer) {
        requests.append(frame)
    }
    for request in requests {
        outstanding.begin()
        let ended = Atomic(false)
        _ = cache.client.send(request) { result in
            if case .success(let response) = result, response.flags.contains(.more) { return }
            if !ended.exchange(true, ordering: .relaxed) {
                outstanding.end()
            }
        }
    }
    precondition(outstanding.wait(seconds: 10), "a request was never answered")
    let statistics = cache.proxy.statistics()
    precondition(statistics.nodes.allSatisfy { $0.used <= $0.capacity }, "the proxy placed more than a node holds")
    precondition(cache.nodes.allSatisfy { $0.store.usedBytes <= nodeCapacity }, "a node holds more than its cap")
}

/// A starting corpus: one input per request a client sends, a whole write and read, an
/// expiring write read by range, a scan and a flush, and writes in one round trip
/// (erasure-coded, and replicated, which the proxy's small-object tier keeps).
/// The chunks of a write carry version 1, the version a fresh proxy gives its first write.
private func writeSeeds(to directory: String) throws {
    let key = ByteBuffer(string: "seed")
    var maxChunkLength = ByteBuffer()
    maxChunkLength.writeInteger(UInt32(4096), endianness: .little)
    let announce = Frame(.putObject, key: key, k: 2, r: 1, objectLength: 8, payload: maxChunkLength)
    let chunks = (0..<3).map { index in
        Frame(.putChunk, key: key, chunkIndex: UInt8(index), k: 2, r: 1, objectLength: 8, objectVersion: 1,
              payload: ByteBuffer(bytes: [UInt8](repeating: UInt8(index), count: 4)))
    }
    var expiry = maxChunkLength
    ObjectExpiry.after(milliseconds: 60_000).write(to: &expiry)
    let expiring = Frame(.putObject, key: key, k: 2, r: 1, objectLength: 8, payload: expiry)
    var range = ByteBuffer()
    range.writeMultipleIntegers(UInt64(2), UInt64(4), endianness: .little)
    var persist = ByteBuffer()
    ObjectExpiry.never.write(to: &persist)
    var scan = ByteBuffer()
    scan.writeMultipleIntegers(UInt64(0), UInt32(10), endianness: .little)
    func inline(k: UInt8, chunks: [ByteBuffer]) -> Frame {
        var payload = ByteBuffer()
        InlinePut(maxChunkLength: 4096, expiry: .never, chunks: chunks).write(to: &payload)
        return Frame(.putObjectInline, key: key, k: k, r: 1, objectLength: 8, payload: payload)
    }
    let codedInline = inline(k: 2, chunks: chunks.map(\.payload))
    let replicatedInline = inline(k: 1, chunks: [ByteBuffer(bytes: [UInt8](repeating: 7, count: 8))])
    let seeds: [String: [Frame]] = [
        "write-and-read": [announce] + chunks + [Frame(.getObject, key: key)],
        "put-object": [announce],
        "get-object": [Frame(.getObject, key: key)],
        "stat-object": [Frame(.statObject, key: key)],
        "delete": [Frame(.delete, key: key)],
        "stats": [Frame(.stats)],
        "expiring-write-and-range-read": [expiring] + chunks + [Frame(.getObject, key: key, payload: range), Frame(.expire, key: key, payload: persist)],
        "scan-and-flush": [announce] + chunks + [Frame(.scan, payload: scan), Frame(.flush)],
        "inline-write-and-read": [codedInline, Frame(.getObject, key: key)],
        "replicated-inline-write-read-delete": [replicatedInline, Frame(.getObject, key: key), Frame(.getObject, key: key, payload: range), Frame(.delete, key: key)],
    ]
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (name, frames) in seeds {
        var bytes = ByteBuffer()
        for frame in frames {
            bytes.writeImmutableBuffer(try WireFormat.contiguousBytes(of: frame))
        }
        try Data(bytes.readableBytesView).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProxy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    exercise(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

@main
enum FuzzProxy {
    static func main() throws {
        #if !FUZZING
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.count == 2, arguments.first == "--write-seeds" {
            try writeSeeds(to: arguments.last!)
            return
        }
        #endif
        try FuzzTarget.main(
            usage: """
                usage: infinicache-fuzz-proxy FILE...               replays fuzz inputs into a proxy
                       infinicache-fuzz-proxy --write-seeds DIR     writes a starting corpus
                """,
            testOneInput: fuzzProxy
        )
    }
}
