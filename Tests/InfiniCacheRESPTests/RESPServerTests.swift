import InfiniCacheClient
import InfiniCacheProxy
import InfiniCacheRESP
import InfiniCacheTesting
import Logging
import NIOCore
import RESPWire
import ServiceLifecycle
import TestSupport
import Synchronization
import Testing

/// Sends `bytes` to the endpoint and reads replies until `count` have arrived or the
/// connection closes.
private func exchange(port: Int, _ bytes: ByteBuffer, replies count: Int) async throws -> (replies: [RESPValue], closed: Bool) {
    let peer = try await RawPeer.connect(port: port)
    return try await peer.channel.executeThenClose { inbound, outbound in
        try await outbound.write(bytes)
        return try await readReplies(count, from: inbound)
    }
}

/// Replies from `inbound` until `count` have arrived (`closed` false) or the connection
/// closes (`closed` true); `received` is called after each reply.
private func readReplies(
    _ count: Int,
    from inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
    received: () -> Void = {}
) async throws -> (replies: [RESPValue], closed: Bool) {
    var parts = inbound.makeAsyncIterator()
    return try await readReplies(count, from: &parts, received: received)
}

/// As ``readReplies(_:from:received:)``, from an iterator that later reads can go on
/// with (bytes past the `count`th reply are dropped).
private func readReplies(
    _ count: Int,
    from parts: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
    received: () -> Void = {}
) async throws -> (replies: [RESPValue], closed: Bool) {
    var parser = RESPParser()
    var buffer = ByteBuffer()
    var replies: [RESPValue] = []
    while let part = try await parts.next() {
        buffer.writeImmutableBuffer(part)
        while let reply = try parser.next(from: &buffer) {
            replies.append(reply)
            received()
        }
        if replies.count >= count {
            return (replies, false)
        }
    }
    return (replies, true)
}

private func commands(_ commands: [[String]]) -> ByteBuffer {
    var buffer = ByteBuffer()
    for command in commands {
        buffer.writeImmutableBuffer(RESPEncoder().encode(.array(command.map { .bulkString($0) })))
    }
    return buffer
}

@Suite("RESP endpoint over TCP")
struct RESPServerTests {
    /// An endpoint over a cluster of 6 in-process nodes; `immediateRead` makes the
    /// endpoint's immediate reader from the cluster, if given.
    private func withEndpoint(
        password: String? = nil,
        immediateRead: ((LocalCluster) -> RESPServer.ImmediateRead)? = nil,
        _ body: (Int) async throws -> Void
    ) async throws {
        // Stripes of 4 × 64 KiB: a value of a few MiB streams over many of them.
        let configuration = ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2, maxChunkLength: 64 << 10)
        let cluster = try await LocalCluster.start(wiring: .inProcess, nodeCount: 6, client: configuration)
        let server = try await RESPServer.start(
            client: cluster.client, password: password.map { Array($0.utf8) }, limits: .init(maximumBulkLength: 4 << 20, streamingThreshold: 64 << 10),
            immediateRead: immediateRead?(cluster)
        )
        let serving = Task { try await server.run() }
        do {
            try await body(server.port)
        } catch {
            serving.cancel()
            await cluster.stop()
            throw error
        }
        serving.cancel()
        _ = try? await serving.value
        await cluster.stop()
    }

    @Test("pipelined commands sent in one write are answered in order")
    func pipelining() async throws {
        try await self.withEndpoint { port in
            let batch = (0..<100).flatMap { [["SET", "k\($0)", "v\($0)"], ["GET", "k\($0)"]] }
            let (replies, _) = try await exchange(port: port, commands(batch), replies: 200)
            #expect(replies == (0..<100).flatMap { [RESPValue.ok, .bulkString("v\($0)")] })
        }
    }

    @Test("a GET whose value is at hand is answered at once, but never ahead of a command sent before it, nor before AUTH")
    func immediateReads() async throws {
        // A reader that has a stale value of "k", to tell which way each GET was served.
        let immediate: RESPServer.ImmediateRead = { key in key == ByteBuffer(string: "k") ? .found(ByteBuffer(string: "at-hand")) : nil }
        try await self.withEndpoint(immediateRead: { _ in immediate }) { port in
            var (replies, _) = try await exchange(port: port, commands([["GET", "k"], ["get", "k"], ["GET", "other"]]), replies: 3)
            #expect(replies == [.bulkString("at-hand"), .bulkString("at-hand"), .bulkString(nil)])
            // The GET waits for the SET sent before it, and is read the usual way.
            (replies, _) = try await exchange(port: port, commands([["SET", "k", "v"], ["GET", "k"], ["GET", "k", "extra"]]), replies: 3)
            #expect(replies == [.ok, .bulkString("v"), .error("ERR wrong number of arguments for 'get' command")])
            (replies, _) = try await exchange(port: port, commands([["INFO", "stats"]]), replies: 1)
            guard case .bulkString(let info?) = replies.first else {
                Issue.record("INFO did not answer with a bulk string")
                return
            }
            #expect(String(buffer: info).contains("total_commands_processed:7"), "commands answered at once are counted too")
        }
        try await self.withEndpoint(password: "secret", immediateRead: { _ in immediate }) { port in
            // The second GET waits behind the AUTH; once it is answered, a GET is immediate.
            let peer = try await RawPeer.connect(port: port)
            try await peer.channel.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                try await outbound.write(commands([["GET", "k"], ["AUTH", "secret"], ["GET", "k"]]))
                var (replies, _) = try await readReplies(3, from: &parts)
                #expect(replies == [.error("NOAUTH Authentication required."), .ok, .bulkString(nil)])
                try await outbound.write(commands([["GET", "k"]]))
                (replies, _) = try await readReplies(1, from: &parts)
                #expect(replies == [.bulkString("at-hand")])
            }
        }
    }

    @Test("a GET behind a streamed SET, an empty command or HELLO 3 keeps its turn, and is immediate once they are answered")
    func immediateReadsAfterOtherCommands() async throws {
        let immediate: RESPServer.ImmediateRead = { key in
            switch String(buffer: key) {
            case "k": .found(ByteBuffer(string: "at-hand"))
            case "absent": .missing
            default: nil
            }
        }
        try await self.withEndpoint(immediateRead: { _ in immediate }) { port in
            let value = ByteBuffer(repeating: 7, count: 100_000)
            var streamed = RESPEncoder().encode(.array([.bulkString("SET"), .bulkString("k"), .bulkString(value)]))
            streamed.writeImmutableBuffer(commands([["GET", "k"]]))
            var (replies, _) = try await exchange(port: port, streamed, replies: 2)
            #expect(replies == [.ok, .bulkString(value)], "the GET waited for the streamed SET")
            let peer = try await RawPeer.connect(port: port)
            try await peer.channel.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                try await outbound.write(ByteBuffer(string: "\r\nPING\r\n"))
                (replies, _) = try await readReplies(1, from: &parts)
                #expect(replies == [.simpleString("PONG")])
                try await outbound.write(commands([["HELLO", "3"]]))
                (replies, _) = try await readReplies(1, from: &parts)
                guard case .map = replies.first else {
                    Issue.record("HELLO 3 did not answer with a map: \(replies)")
                    return
                }
                try await outbound.write(commands([["GET", "k"]]))
                (replies, _) = try await readReplies(1, from: &parts)
                #expect(replies == [.bulkString("at-hand")], "immediate again: the empty command and HELLO were counted as answered")
                try await outbound.write(commands([["GET", "absent"]]))
                (replies, _) = try await readReplies(1, from: &parts)
                #expect(replies == [.null], "a key not cached is RESP3's null after HELLO 3")
            }
            (replies, _) = try await exchange(port: port, commands([["GET", "absent"]]), replies: 1)
            #expect(replies == [.bulkString(nil)], "and RESP2's nil bulk string without it")
        }
    }

    @Test("in the proxy's process, a GET of a small object is read from the proxy's tier at once, with the value last written")
    func immediateReadsFromTheTier() async throws {
        let answered = Atomic(0)
        try await self.withEndpoint(immediateRead: { cluster in
            { key in
                switch cluster.proxy.lookUpInTier(key) {
                case .found(let value):
                    answered.add(1, ordering: .relaxed)
                    return .found(value)
                case .missing:
                    return .missing
                case .notInTier:
                    return nil
                }
            }
        }) { port in
            for round in 0..<3 {
                var (replies, _) = try await exchange(port: port, commands([["SET", "small", "v\(round)"]]), replies: 1)
                #expect(replies == [.ok])
                (replies, _) = try await exchange(port: port, commands([["GET", "small"]]), replies: 1)
                #expect(replies == [.bulkString(ByteBuffer(string: "v\(round)"))])
            }
            let (replies, _) = try await exchange(port: port, commands([["GET", "never-written"]]), replies: 1)
            #expect(replies == [.bulkString(nil)])
            #expect(answered.load(ordering: .relaxed) == 3)
        }
    }

    @Test("inline commands work, and an unknown command leaves the connection usable")
    func inlineAndUnknown() async throws {
        try await self.withEndpoint { port in
            let (replies, _) = try await exchange(port: port, ByteBuffer(string: "PING\r\nNOPE 1\r\nSET \"a b\" 'c d'\r\nGET \"a b\"\r\n"), replies: 4)
            #expect(replies == [.simpleString("PONG"), .error("ERR unknown command 'NOPE', with args beginning with: '1' "), .ok, .bulkString("c d")])
        }
    }

    @Test("a protocol error is answered as Redis answers it, then the connection closes")
    func protocolError() async throws {
        try await self.withEndpoint { port in
            let (replies, closed) = try await exchange(port: port, ByteBuffer(string: "PING\r\n*1\r\n:5\r\nPING\r\n"), replies: 3)
            #expect(replies == [.simpleString("PONG"), .error("ERR Protocol error: expected '$', got ':'")])
            #expect(closed)
        }
    }

    @Test("a value above the bulk limit is refused before its bytes arrive")
    func bulkLimit() async throws {
        try await self.withEndpoint { port in
            let (replies, closed) = try await exchange(port: port, ByteBuffer(string: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n"), replies: 2)
            #expect(replies == [.error("ERR Protocol error: invalid bulk length")])
            #expect(closed)
        }
    }

    @Test("QUIT is answered, then the connection closes")
    func quit() async throws {
        try await self.withEndpoint { port in
            let (replies, closed) = try await exchange(port: port, commands([["QUIT"], ["PING"]]), replies: 3)
            #expect(replies == [.ok])
            #expect(closed)
        }
    }

    @Test("HELLO 3 switches the connection to RESP3 replies")
    func resp3() async throws {
        try await self.withEndpoint { port in
            let (replies, _) = try await exchange(port: port, commands([["GET", "missing"], ["HELLO", "3"], ["GET", "missing"]]), replies: 3)
            #expect(replies.count == 3)
            #expect(replies[0] == .bulkString(nil))
            #expect(replies[2] == .null)
        }
    }

    @Test("a GET of a value of many stripes streams it as one bulk string, byte for byte; a missing key is nil")
    func streamedGet() async throws {
        try await self.withEndpoint { port in
            let value = ByteBuffer(bytes: randomBytes(count: (3 << 20) + 5, seed: 9))
            var request = RESPEncoder().encode(.array([.bulkString("SET"), .bulkString("big"), .bulkString(value)]))
            request.writeImmutableBuffer(commands([["GET", "big"], ["GET", "nothing"], ["STRLEN", "big"]]))
            let (replies, _) = try await exchange(port: port, request, replies: 4)
            #expect(replies.count == 4)
            #expect(replies.first == .ok)
            #expect(replies.dropFirst().first == .bulkString(value))
            #expect(replies.dropFirst(2).first == .bulkString(nil))
            #expect(replies.last == .integer(Int64(value.readableBytes)))
        }
    }

    @Test("a SET whose value arrives in pieces is stored as it arrives; other commands gather a large last argument")
    func streamedSet() async throws {
        try await self.withEndpoint(password: "pw") { port in
            let value = ByteBuffer(bytes: randomBytes(count: (1 << 20) + 3, seed: 10))
            let set = RESPEncoder().encode(.array([.bulkString("SET"), .bulkString("big"), .bulkString(value)]))
            let echo = RESPEncoder().encode(.array([.bulkString("ECHO"), .bulkString(value)]))
            let peer = try await RawPeer.connect(port: port)
            let replies = try await peer.channel.executeThenClose { inbound, outbound in
                try await outbound.write(commands([["AUTH", "pw"]]))
                var rest = set
                while rest.readableBytes > 0 {
                    try await outbound.write(rest.readSlice(length: min(50_000, rest.readableBytes))!)
                }
                try await outbound.write(echo)
                try await outbound.write(commands([["GET", "big"]]))
                return try await readReplies(4, from: inbound).replies
            }
            #expect(replies == [.ok, .ok, .bulkString(value), .bulkString(value)])
        }
    }

    @Test("before AUTH, a client may send 10 arguments of 16 KiB, as Redis allows; after it, the full limits")
    func limitsBeforeAuthentication() async throws {
        try await self.withEndpoint(password: "pw") { port in
            let big = ByteBuffer(repeating: 1, count: 20_000)
            let set = RESPEncoder().encode(.array([.bulkString("SET"), .bulkString("k"), .bulkString(big)]))
            let (refused, closed) = try await exchange(port: port, set, replies: 2)
            #expect(refused == [.error("ERR Protocol error: unauthenticated bulk length")])
            #expect(closed)
            let many = commands([(0..<11).map { "w\($0)" }])
            let (tooMany, _) = try await exchange(port: port, many, replies: 2)
            #expect(tooMany == [.error("ERR Protocol error: unauthenticated multibulk length")])
            var authenticated = commands([["AUTH", "pw"]])
            authenticated.writeImmutableBuffer(set)
            authenticated.writeImmutableBuffer(commands([["STRLEN", "k"]]))
            let (replies, _) = try await exchange(port: port, authenticated, replies: 3)
            #expect(replies == [.ok, .ok, .integer(20_000)])
        }
    }

    @Test("a graceful shutdown closes idle connections and ends the server")
    func gracefulShutdown() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess, nodeCount: 6, client: ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2))
        let server = try await RESPServer.start(client: cluster.client)
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        let peer = try await RawPeer.connect(port: server.port)
        let (answered, signal) = AsyncStream<Void>.makeStream()
        let closed = Task {
            try await peer.channel.executeThenClose { inbound, outbound in
                try await outbound.write(commands([["PING"]]))
                // Read until the server closes the connection.
                return try await readReplies(.max, from: inbound) { signal.finish() }.replies
            }
        }
        // The PING is answered before the shutdown begins: the connection is open and idle.
        for await _ in answered {}
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try await closed.value == [.simpleString("PONG")])
        await cluster.stop()
    }
}
