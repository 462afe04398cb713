public import ChunkTransport
public import ChunkWire
import ErasureCoding
import Foundation
public import Logging
import Metrics
import NIOCore
import Synchronization

/// The proxy as a library: serves clients' requests (it is their ``FrameResponder``),
/// places erasure-coded chunks on the cache nodes registered with it, and answers reads
/// with the first k chunks of every stripe to arrive. It never decodes: coding happens in
/// the client.
public final class InfiniCacheProxy: FrameResponder {
    let state: ProxyState
    let logger: Logger
    private let lifecycleReport = Mutex<(@Sendable () -> LifecycleReport)?>(nil)

    /// Creates a proxy with no nodes. Uploads that do not complete within
    /// `uploadTimeout` are abandoned and their chunks deleted.
    public init(uploadTimeout: Duration = .seconds(120), logger: Logger = Logger(label: "infinicache.proxy")) {
        self.state = ProxyState(uploadTimeout: uploadTimeout)
        self.logger = logger
    }

    /// Objects longer than this (1 PiB) are refused before any arithmetic on their length.
    static let maximumObjectLength = 1 << 50

    /// Registers a cache node reachable through `transport`.
    @discardableResult
    public func addNode(functionID: String, capacity: Int, transport: any NodeTransport) -> NodeID {
        let id = self.state.addNode(functionID: functionID, transport: transport, capacity: capacity)
        self.logger.info("node registered", metadata: ["node": "\(id)", "function": "\(functionID)", "capacity": "\(capacity)"])
        return id
    }

    /// Forgets a node that went away; the chunks it held count as lost.
    public func removeNode(_ id: NodeID) {
        self.state.removeNode(id)
        self.logger.info("node removed", metadata: ["node": "\(id)"])
    }

    /// The proxy's counters and per-node use, with the lifecycle's counters and bill when
    /// its nodes are functions.
    public func statistics() -> ProxyStatistics {
        var statistics = self.state.statistics()
        statistics.lifecycle = self.lifecycleReport.withLock { $0 }?()
        return statistics
    }

    /// Makes ``statistics()`` include the report of the ``FunctionLifecycle`` that runs
    /// this proxy's nodes.
    func reportLifecycle(_ report: @escaping @Sendable () -> LifecycleReport) {
        self.lifecycleReport.withLock { $0 = report }
    }

    /// The functions holding chunks of the object stored under `key`, or nil if it is not
    /// cached: for operators and tests that need to know what a lost node takes with it.
    public func functions(holding key: String) -> Set<String>? {
        guard let record = self.state.record(for: ByteBuffer(string: key)) else { return nil }
        let names = Dictionary(uniqueKeysWithValues: self.state.statistics().nodes.map { ($0.id, $0.functionID) })
        return Set(record.placement.joined().compactMap { names[$0.value] })
    }

    /// Answers `stats`. Every other request the proxy serves is answered through
    /// ``respondInline(to:replies:)``, which transports call first.
    public func respond(to request: Frame, replies: ReplySink) async throws {
        switch request.opcode {
        case .stats:
            let report = try JSONEncoder().encode(self.statistics())
            try await replies.send(Frame(.statsReport, payload: ByteBuffer(bytes: report)))
        default:
            throw ErrorMessage(.badRequest, "the proxy does not serve \(request.opcode)")
        }
    }

    /// Every request but `stats` is answered inline: its work is a look-up in the
    /// mapping, or requests sent to nodes and what comes back passed on.
    public func respondInline(to request: Frame, replies: ReplySink) -> Bool {
        switch request.opcode {
        case .putObject:
            self.beginPut(request, replies: replies)
        case .putChunk:
            self.startPutChunk(request, replies: replies)
        case .getObject:
            self.startGet(request, replies: replies)
        case .statObject:
            let record = self.state.record(for: request.key)
            replies.post(record.map { $0.infoFrame() } ?? request.response(.notFound))
        case .delete:
            guard let deletions = self.state.delete(request.key) else {
                replies.post(request.response(.notFound))
                return true
            }
            self.sendLater(deletions)
            replies.post(request.response(.deleted))
        default:
            return false
        }
        return true
    }

    /// Places a new object's chunks and answers with its version, or refuses it.
    private func beginPut(_ request: Frame, replies: ReplySink) {
        let placed: (record: ObjectRecord, evicted: [Deletion])
        do {
            placed = try self.place(request)
        } catch {
            replies.post(error.frame(requestID: 0))
            return
        }
        var response = request.response(.stored)
        response.objectVersion = placed.record.version
        guard !placed.evicted.isEmpty else {
            replies.post(response)
            return
        }
        // The evicted chunks leave their nodes before the client may send the new ones,
        // which could otherwise reach a node first and find it still full.
        self.delete(placed.evicted) { [response] in
            replies.post(response)
        }
    }

    private func place(_ request: Frame) throws(ErrorMessage) -> (record: ObjectRecord, evicted: [Deletion]) {
        var payload = request.payload
        guard let maxChunkLength = payload.readInteger(endianness: .little, as: UInt32.self) else {
            throw ErrorMessage(.badRequest, "putObject needs the maximum chunk length as its payload")
        }
        guard let objectLength = Int(exactly: request.objectLength), objectLength <= Self.maximumObjectLength else {
            throw ErrorMessage(.capacityExceeded, "an object of \(request.objectLength) bytes is larger than any cache")
        }
        let layout: StripeLayout
        do {
            layout = try StripeLayout(objectLength: objectLength, dataChunkCount: Int(request.k), parityChunkCount: Int(request.r), maxChunkLength: Int(maxChunkLength))
        } catch {
            throw ErrorMessage(.badRequest, "\(error)")
        }
        do {
            return try self.state.beginUpload(key: request.key, layout: layout)
        } catch {
            self.sendLater(error.deletions)
            throw error.message
        }
    }

    /// Passes a chunk of an upload on to its node, answered inline: the node's answer
    /// completes the request, with no task at the proxy.
    private func startPutChunk(_ request: Frame, replies: ReplySink) {
        let version = VersionID(key: request.key, version: request.objectVersion)
        let stripe = Int(request.stripeIndex)
        let chunk = Int(request.chunkIndex)
        guard let target = self.state.uploadTarget(version, stripe: stripe, chunk: chunk, length: request.payload.readableBytes) else {
            replies.post(ErrorMessage(.badRequest, "no upload of this key and version takes chunk \(chunk) of stripe \(stripe) with \(request.payload.readableBytes) bytes").frame(requestID: 0))
            return
        }
        let pending = target.transport.request(request) { result in
            let answer: Frame
            do {
                answer = try result.get()
            } catch {
                self.sendLater(self.state.abortUpload(version))
                replies.post(ErrorMessage(.unavailable, "node \(target.node) did not store the chunk: \(error)").frame(requestID: 0))
                return
            }
            guard answer.opcode == .stored else {
                self.sendLater(self.state.abortUpload(version))
                replies.post(answer)
                return
            }
            guard let replaced = self.state.chunkStored(version, stripe: stripe, chunk: chunk) else {
                // The upload expired or was aborted while this chunk travelled: drop it too.
                self.sendLater([Deletion(node: target.node, version: version)])
                replies.post(ErrorMessage(.unavailable, "the upload of this version was abandoned before it completed").frame(requestID: 0))
                return
            }
            self.sendLater(replaced)
            replies.post(request.response(.stored))
        }
        // A client that gives up on a chunk gives up on the upload.
        replies.onCancel {
            pending.cancel()
            self.sendLater(self.state.abortUpload(version))
        }
    }

    /// Deletes chunks on their nodes without waiting for their answers. No request of a
    /// client's carries the clean-up, so a client that cancels cannot cancel it.
    func sendLater(_ deletions: [Deletion]) {
        self.delete(deletions) {}
    }

    /// Deletes chunks on their nodes and calls `completion` once every node has answered,
    /// or failed (a node that is gone or fails is ignored: its memory is gone with it).
    /// Answers arrive by callback: no task per deletion.
    private func delete(_ deletions: [Deletion], then completion: @escaping @Sendable () -> Void) {
        let requests = deletions.compactMap { deletion in
            self.state.transport(of: deletion.node).map { ($0, Frame(.delete, key: deletion.version.key, objectVersion: deletion.version.version)) }
        }
        guard !requests.isEmpty else {
            completion()
            return
        }
        let outstanding = Mutex(requests.count)
        for (transport, frame) in requests {
            _ = transport.request(frame) { _ in
                let isLast = outstanding.withLock { count in
                    count -= 1
                    return count == 0
                }
                if isLast {
                    completion()
                }
            }
        }
    }
}
