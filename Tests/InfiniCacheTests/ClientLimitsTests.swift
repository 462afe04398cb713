import ChunkTransport
import ChunkTransportInProcess
import ChunkTransportTCP
import ChunkWire
@testable import InfiniCacheClient
import InfiniCacheProxy
import InfiniCacheStatistics
import InfiniCacheTesting
import NIOCore
import TestSupport
import Synchronization
import Testing

@Suite("Client limits, connections and tokens")
struct ClientLimitsTests {
    private func isRejected(_ error: any Error, naming text: String) -> Bool {
        guard let error = error as? InfiniCacheError, error.code == .rejected else { return false }
        return error.message.contains(text)
    }

    @Test("a key over 1 KiB is rejected by the client, naming the limit, and later calls still work", arguments: [LocalCluster.Wiring.inProcess, .tcp])
    func longKey(wiring: LocalCluster.Wiring) async throws {
        let cluster = try await LocalCluster.start(wiring: wiring)
        let long = String(repeating: "k", count: 1025)
        await #expect { try await cluster.client.put(long, ByteBuffer(string: "v")) } throws: { self.isRejected($0, naming: "1024") }
        await #expect { _ = try await cluster.client.get(long) } throws: { self.isRejected($0, naming: "1024") }
        await #expect { _ = try await cluster.client.exists(long) } throws: { self.isRejected($0, naming: "1024") }
        await #expect { _ = try await cluster.client.delete(long) } throws: { self.isRejected($0, naming: "1024") }
        let longest = String(repeating: "k", count: 1024)
        for round in 0..<10 {
            try await cluster.client.put(longest, ByteBuffer(string: "v\(round)"))
            #expect(try await cluster.client.get(longest) == ByteBuffer(string: "v\(round)"), "every connection still serves")
        }
        await cluster.stop()
    }

    @Test("an object outside the object limits is rejected before anything is sent")
    func objectLimits() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess, client: ClientConfiguration(dataChunkCount: 1, parityChunkCount: 0, maxChunkLength: 4096))
        // Stripes of one 4 KiB chunk: 4,097 of them is one too many.
        await #expect {
            try await cluster.client.put("big", ByteBuffer(repeating: 1, count: 4097 * 4096))
        } throws: { self.isRejected($0, naming: "the limit is 4096") }
        #expect(throws: InfiniCacheError.self) {
            _ = try InfiniCacheClient(proxies: [[cluster.client.connection(toProxy: 0)]], configuration: ClientConfiguration(maxChunkLength: 4095))
        }
        await cluster.stop()
    }

    @Test("an operation the proxy never answers fails with timedOut, withdraws its request, and leaves the caller's task usable", .timeLimit(.minutes(1)))
    func timeout() async throws {
        let silent = Silent()
        let client = try InfiniCacheClient(proxies: [[InProcessTransport(to: silent)]], configuration: ClientConfiguration(timeout: .milliseconds(200)))
        let started = ContinuousClock.now
        await #expect { _ = try await client.get("k") } throws: { ($0 as? InfiniCacheError)?.code == .timedOut }
        await #expect { _ = try await client.exists("k") } throws: { ($0 as? InfiniCacheError)?.code == .timedOut }
        await #expect { try await client.put("k", [1, 2, 3]) } throws: { ($0 as? InfiniCacheError)?.code == .timedOut }
        await #expect { try await client.put("k", [UInt8](repeating: 1, count: 3 << 20)) } throws: { ($0 as? InfiniCacheError)?.code == .timedOut }
        // Each times out within its timeout plus one sweep (25 ms here); 10 s only guards against a hang.
        #expect(ContinuousClock.now - started >= .milliseconds(800))
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(!Task.isCancelled, "the caller's task is not cancelled")
        #expect(silent.cancelled.load(ordering: .relaxed) == 4, "every request was withdrawn from the proxy")
        // The same caller's task goes on to a next operation, which times out on its own.
        await #expect { _ = try await client.exists("k") } throws: { ($0 as? InfiniCacheError)?.code == .timedOut }
    }

    @Test("a put whose chunks are never stored times out, withdrawing them; cancelling the caller's task throws CancellationError", .timeLimit(.minutes(1)))
    func timeoutStoringChunks() async throws {
        let proxy = AnnounceOnly()
        let client = try InfiniCacheClient(proxies: [[InProcessTransport(to: proxy)]], configuration: ClientConfiguration(timeout: .milliseconds(200)))
        // Past the inline limit: announced (answered), then sent as chunks (never answered).
        await #expect { try await client.put("k", [UInt8](repeating: 1, count: 3 << 20)) } throws: { ($0 as? InfiniCacheError)?.code == .timedOut }
        #expect(proxy.cancelledChunks.load(ordering: .relaxed) >= 1, "the chunks' requests were withdrawn")

        let silent = Silent()
        let patient = try InfiniCacheClient(proxies: [[InProcessTransport(to: silent)]], configuration: ClientConfiguration(timeout: .seconds(60)))
        let waiting = Task { try await patient.exists("k") }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(silent.cancelled.load(ordering: .relaxed) == 1)
    }

    @Test("an operation's deadline ends a wait that begins after it passed, and an inner operation keeps the sooner deadline")
    func deadlineWatch() async throws {
        let expired = OperationDeadline(.now())
        expired.expire()
        let calls = Atomic(0)
        #expect(expired.watch { calls.add(1, ordering: .relaxed) } == nil)
        #expect(calls.load(ordering: .relaxed) == 1, "a wait that begins after the deadline ends at once")
        let pending = OperationDeadline(.now() + .seconds(60))
        let watcher = try #require(pending.watch { calls.add(1, ordering: .relaxed) })
        pending.unwatch(watcher)
        _ = pending.watch { calls.add(10, ordering: .relaxed) }
        pending.expire()
        pending.expire()
        #expect(calls.load(ordering: .relaxed) == 11, "only watchers still watching are called, once")

        let deadlines = OperationDeadlines(timeout: .seconds(60))
        let outer = NIODeadline.now() + .milliseconds(100)
        let inner = try await OperationDeadline.$current.withValue(OperationDeadline(outer)) {
            try await deadlines.run("inner") { OperationDeadline.current?.deadline }
        }
        #expect(inner == outer)
    }

    @Test("a connection that was closed is re-established by the next request")
    func reconnect() async throws {
        let server = try await FrameServer.bind(responder: Echo())
        let connection = try await ProxyConnection.connect(host: "127.0.0.1", port: server.port, configuration: .default)
        #expect(try await connection.request(Frame(.stats, payload: ByteBuffer(string: "one"))).payload == ByteBuffer(string: "one"))
        let first = try #require(connection.currentConnection)
        await first.close()
        #expect(try await connection.request(Frame(.stats, payload: ByteBuffer(string: "two"))).payload == ByteBuffer(string: "two"))
        #expect(connection.currentConnection !== first)
        await connection.close()
        await #expect(throws: TransportError.self) { _ = try await connection.request(Frame(.stats)) }
        await server.close()
    }

    @Test("a reconnect that fails fails its waiting requests; once the proxy is back the next request reconnects")
    func reconnectAfterFailure() async throws {
        let server = try await FrameServer.bind(responder: Echo())
        let port = server.port
        let connection = try await ProxyConnection.connect(host: "127.0.0.1", port: port, configuration: .default)
        let first = try #require(connection.currentConnection)
        await server.close()
        await first.close()
        await #expect { _ = try await connection.request(Frame(.stats)) } throws: { error in
            (error as? TransportError)?.code == .connectFailed
        }
        await #expect(throws: TransportError.self, "still down: a fresh attempt fails too") { _ = try await connection.request(Frame(.stats)) }
        let restarted = try await FrameServer.bind(port: port, responder: Echo())
        #expect(try await connection.request(Frame(.stats, payload: ByteBuffer(string: "back"))).payload == ByteBuffer(string: "back"))
        await connection.close()
        await restarted.close()
    }
}

extension ClientLimitsTests {
    @Test("a proxy that requires a client token refuses clients without it, with a typed error, and serves those with it")
    func clientToken() async throws {
        let proxy = InfiniCacheProxy()
        let server = try await ProxyServer.start(proxy: proxy, token: Array("nodes".utf8), clientToken: Array("clients".utf8))
        let endpoint = [(host: "127.0.0.1", port: server.clientPort)]
        // A wrong token is refused at once; a client without one learns at its first call.
        await #expect {
            _ = try await InfiniCacheClient.connect(to: endpoint, configuration: ClientConfiguration(token: Array("guess".utf8)))
        } throws: { error in
            (error as? InfiniCacheError)?.code == .rejected
        }
        let anonymous = try await InfiniCacheClient.connect(to: endpoint)
        await #expect {
            _ = try await anonymous.statistics()
        } throws: { error in
            (error as? InfiniCacheError)?.code == .rejected
        }
        await anonymous.close()
        // A peer that skips the hello gets an unauthorized error frame, and nothing else.
        let raw = try await RawPeer.connect(port: server.clientPort)
        let answers = try await raw.exchange(try WireFormat.contiguousBytes(of: Frame(.stats, requestID: 1)))
        #expect(answers.map(\.opcode) == [.error])
        #expect(answers.first.map { try? ErrorMessage(from: $0).code } == .unauthorized)

        let client = try await InfiniCacheClient.connect(to: endpoint, configuration: ClientConfiguration(token: Array("clients".utf8)))
        #expect(try await client.statistics().objects == 0)
        await client.close()
        await server.close()
    }
}

/// Answers every request with its own payload.
private struct Echo: FrameResponder {
    func respond(to request: Frame, replies: ReplySink) {
        replies.post(Frame(.statsReport, payload: request.payload))
    }
}

/// A proxy that never answers, counting the requests withdrawn from it.
/// Answers announcements of objects (`putObject`) and never the chunks that follow.
private final class AnnounceOnly: FrameResponder {
    let cancelledChunks = Atomic(0)

    func respond(to request: Frame, replies: ReplySink) {
        guard request.opcode == .putObject else {
            replies.onCancel { self.cancelledChunks.add(1, ordering: .relaxed) }
            return
        }
        var stored = request.response(.stored)
        stored.objectVersion = 1
        replies.post(stored)
    }
}

private final class Silent: FrameResponder {
    let cancelled = Atomic(0)

    func respond(to request: Frame, replies: ReplySink) {
        replies.onCancel { self.cancelled.add(1, ordering: .relaxed) }
    }
}
