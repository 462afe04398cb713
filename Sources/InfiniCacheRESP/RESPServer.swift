public import InfiniCacheClient
public import Logging
public import NIOCore
import NIOPosix
import RESPWire
public import ServiceLifecycle
import Synchronization

/// The RESP endpoint on the network: a port that speaks the Redis protocol (RESP2, and
/// RESP3 after `HELLO 3`), serving each connection's commands in order through a
/// ``RESPCommandExecutor``. As a `Service`, it serves until a graceful shutdown, then
/// stops accepting connections and closes the open ones once their current command is
/// answered (their input is shut: a command not yet read is not served).
///
/// Each connection reads at most a few commands ahead of the one being served, and
/// waits while its socket cannot take a reply, so a client that sends without reading
/// holds a bounded amount of the endpoint's memory.
public final class RESPServer: Service, Sendable {
    /// The port bound (useful after binding port 0).
    public let port: Int
    private let listener: Listener
    private let executor: RESPCommandExecutor
    private let logger: Logger
    /// The open connections, to close at a graceful shutdown; nil once it has begun.
    private let connections = Mutex<[ObjectIdentifier: any Channel]?>([:])

    /// One client's connection, what its session has said (its decoder's limits depend on
    /// it), and with immediate reads, the commands handed to its loop.
    private struct Connection: Sendable {
        let channel: NIOAsyncChannel<RESPParser.CommandPart, ByteBuffer>
        let flags: SessionFlags
        let backlog: ImmediateGetHandler.Backlog?
    }

    /// What a `GET` finds without a round trip, when the endpoint can tell.
    public enum ImmediateValue: Sendable, Hashable {
        /// The key's value.
        case found(ByteBuffer)
        /// The key is not cached: the reply is nil.
        case missing
    }

    /// What a `GET` of a key finds without a round trip, if the endpoint can tell: in the
    /// proxy's process, `InfiniCacheProxy.lookUpInTier(_:)` (a value in the small-object
    /// tier, or a key not cached at all). A `GET` it answers is served on the connection's
    /// event loop as soon as it is decoded, provided every command before it has been
    /// answered; nil sends the GET the usual way.
    public typealias ImmediateRead = @Sendable (_ key: ByteBuffer) -> ImmediateValue?

    /// What a connection's session has said, for its decoder and its immediate GETs:
    /// whether it has authenticated, and the protocol version of its replies. It may send
    /// commands of any size once it has authenticated, and while an `AUTH` or `HELLO` it
    /// sent has been read but not yet carried out (the commands after it are read before
    /// it runs, and must not be refused for its sake).
    private final class SessionFlags: Sendable {
        private let authenticated: Atomic<Bool>
        private let version = Atomic(RESPVersion.resp2.rawValue)
        private let pending = Atomic(0)

        init(authenticated: Bool) {
            self.authenticated = Atomic(authenticated)
        }

        var replyVersion: RESPVersion {
            RESPVersion(rawValue: self.version.load(ordering: .relaxed)) ?? .resp2
        }

        var allowsAnySize: Bool {
            self.isAuthenticated || self.pending.load(ordering: .relaxed) > 0
        }

        var isAuthenticated: Bool {
            self.authenticated.load(ordering: .relaxed)
        }

        /// The decoder read `part`.
        func decoded(_ part: RESPParser.CommandPart) {
            if case .command(let words) = part, Self.mayAuthenticate(words) {
                self.pending.add(1, ordering: .relaxed)
            }
        }

        /// The loop carried out `words`, leaving the connection's session as `session`.
        func carriedOut(_ words: [ByteBuffer], session: RESPSession) {
            self.authenticated.store(session.isAuthenticated, ordering: .relaxed)
            self.version.store(session.version.rawValue, ordering: .relaxed)
            if Self.mayAuthenticate(words) {
                self.pending.subtract(1, ordering: .relaxed)
            }
        }

        private static func mayAuthenticate(_ words: [ByteBuffer]) -> Bool {
            guard let name = words.first?.uppercasedName else { return false }
            return name == "AUTH" || name == "HELLO"
        }
    }

    private typealias Listener = NIOAsyncChannel<Connection, Never>

    /// What a client may send before it has authenticated, when a password is required:
    /// Redis 7's 10 arguments of at most 16 KiB.
    static let limitsBeforeAuthentication = RESPParser.Limits(maximumBulkLength: 16 << 10, maximumAggregateLength: 10, maximumLineLength: 16 << 10)

    /// Limits on one command's arguments: Redis's `proto-max-bulk-len` (512 MiB) by default.
    public struct Limits: Sendable {
        /// Values and keys of at most this many bytes are accepted.
        public var maximumBulkLength: Int
        /// Commands of at most this many words are accepted.
        public var maximumArgumentCount: Int
        /// A command's last argument of at least this many bytes (1 MiB by default) is
        /// taken in parts as it arrives: `SET key value` codes and stores the value stripe
        /// by stripe, so the endpoint holds a few stripes of it, not all of it.
        public var streamingThreshold: Int

        /// Creates limits.
        public init(maximumBulkLength: Int = 512 << 20, maximumArgumentCount: Int = 1 << 20, streamingThreshold: Int = 1 << 20) {
            self.maximumBulkLength = maximumBulkLength
            self.maximumArgumentCount = maximumArgumentCount
            self.streamingThreshold = streamingThreshold
        }
    }

    private init(port: Int, listener: Listener, executor: RESPCommandExecutor, logger: Logger) {
        self.port = port
        self.listener = listener
        self.executor = executor
        self.logger = logger
    }

    /// Binds `host`:`port` (0 picks a free port) and serves the cache through `client`.
    /// With a `password`, connections must authenticate first (`AUTH password`,
    /// `AUTH default password` or `HELLO 3 AUTH default password`). With `immediateRead`,
    /// a `GET` whose value it has is answered on the event loop (see ``ImmediateRead``).
    ///
    /// - Throws: NIO's `IOError` if the port cannot be bound.
    public static func start(
        client: InfiniCacheClient,
        host: String = "127.0.0.1",
        port: Int = 0,
        password: [UInt8]? = nil,
        limits: Limits = Limits(),
        immediateRead: ImmediateRead? = nil,
        logger: Logger = Logger(label: "infinicache.resp")
    ) async throws -> RESPServer {
        // The port INFO reports is set once it is bound.
        let executor = RESPCommandExecutor(client: client, password: password)
        let parserLimits = RESPParser.Limits(maximumBulkLength: limits.maximumBulkLength, maximumAggregateLength: limits.maximumArgumentCount)
        let listener: Listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let flags = SessionFlags(authenticated: password == nil)
                    let decoder = RESPCommandDecoder(
                        limits: parserLimits, streamingFrom: limits.streamingThreshold, limitsBeforeAuthentication: Self.limitsBeforeAuthentication,
                        isAuthenticated: { flags.allowsAnySize }, decoded: { flags.decoded($0) }
                    )
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
                    let immediateGets = immediateRead.map { read in
                        ImmediateGetHandler(read: read, session: { (flags.isAuthenticated, flags.replyVersion) }, counted: { executor.countCommand() })
                    }
                    if let immediateGets {
                        try channel.pipeline.syncOperations.addHandler(immediateGets)
                    }
                    let connection = try NIOAsyncChannel<RESPParser.CommandPart, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16))
                    )
                    return Connection(channel: connection, flags: flags, backlog: immediateGets?.backlog)
                }
            }
        let bound = listener.channel.localAddress?.port ?? port
        executor.boundPort.store(bound, ordering: .relaxed)
        return RESPServer(port: bound, listener: listener, executor: executor, logger: logger)
    }

    /// Serves connections until a graceful shutdown or cancellation. Each connection's
    /// commands are carried out on its event loop, with no hop to another thread and back
    /// per command, except a `GET` and a command carrying 64 KiB or more, which may decode
    /// or code a stripe: those run on the global executor.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await self.listener.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask(executorPreference: EventLoopTaskExecutor(connection.channel.channel.eventLoop)) {
                            await self.serve(connection)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.listener.channel.close(promise: nil)
            let open = self.connections.withLock { connections in
                defer { connections = nil }
                return connections.map { Array($0.values) } ?? []
            }
            for channel in open {
                Self.closeInput(of: channel)
            }
        }
    }

    /// Shuts a connection's input: its loop ends after the command it is serving.
    private static func closeInput(of channel: any Channel) {
        channel.close(mode: .input).whenFailure { _ in
            channel.close(promise: nil)
        }
    }

    /// Whether `words` is carried out on the connection's event loop (see ``run()``): not a
    /// `GET`, which may decode a stripe, nor a command carrying 64 KiB or more, which may
    /// code one. Those run on the global executor, so that they do not hold up the loop's
    /// other connections.
    static func isLight(_ words: [ByteBuffer]) -> Bool {
        var bytes = 0
        for word in words {
            bytes += word.readableBytes
        }
        return bytes < Self.heavyCommandBytes && words.first?.uppercasedName != "GET"
    }

    /// Commands carrying at least this many bytes run off the event loop.
    static let heavyCommandBytes = 64 << 10

    /// Writes `object` as a bulk string while it is read, in writes of at least 64 KiB
    /// (a small object in one); false if the read failed or came out short.
    private static func write(_ object: SizedObjectStream, to replies: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Bool {
        var pending = [ByteBuffer(string: "$\(object.length)\r\n")]
        var pendingBytes = 0
        var written = 0
        do {
            for try await part in object.parts {
                pending.append(part)
                pendingBytes += part.readableBytes
                written += part.readableBytes
                if pendingBytes >= RESPEncoder.zeroCopyThreshold {
                    try await replies.write(contentsOf: pending)
                    pending = []
                    pendingBytes = 0
                }
            }
        } catch is InfiniCacheError {
            return false
        }
        guard written == object.length else {
            return false
        }
        pending.append(ByteBuffer(string: "\r\n"))
        try await replies.write(contentsOf: pending)
        return true
    }

    /// Serves one connection: each command in turn, its reply written before the next is
    /// taken. A protocol error is answered as Redis answers it, then the connection closes.
    private func serve(_ client: Connection) async {
        let connection = client.channel
        let id = ObjectIdentifier(connection.channel)
        let accepted = self.connections.withLock { connections in
            connections?[id] = connection.channel
            return connections != nil
        }
        if !accepted {
            Self.closeInput(of: connection.channel)
        }
        var session = self.executor.openSession()
        defer {
            self.executor.closeSession(session)
            self.connections.withLock { _ = $0?.removeValue(forKey: id) }
        }
        do {
            try await connection.executeThenClose { inbound, replies in
                var parts = inbound.makeAsyncIterator()
                do {
                    while let part = try await parts.next() {
                        let response: RESPCommandExecutor.Response
                        switch part {
                        case .command(let words):
                            guard !words.isEmpty else {
                                client.backlog?.answered(on: connection.channel.eventLoop)
                                continue
                            }
                            response = await withTaskExecutorPreference(Self.isLight(words) ? nil : globalConcurrentExecutor) {
                                await self.executor.respond(to: words, session: &session)
                            }
                            client.flags.carriedOut(words, session: session)
                        case .streamedCommand(let words, let length):
                            let streamed = try await withTaskExecutorPreference(globalConcurrentExecutor) {
                                try await self.respond(to: words, streamingArgumentOf: length, from: &parts, session: &session)
                            }
                            guard let streamed else {
                                return
                            }
                            response = streamed
                            client.flags.carriedOut([], session: session)
                        case .argumentBytes, .argumentEnd:
                            // The decoder sends these only after a streamed command, which takes them.
                            continue
                        }
                        switch response {
                        case .reply(let reply):
                            var output: [ByteBuffer] = []
                            RESPEncoder(version: session.version).encode(reply, into: &output)
                            try await replies.write(contentsOf: output)
                        case .object(let object):
                            guard try await Self.write(object, to: replies) else {
                                // A bulk reply cannot be taken back: the client must not take
                                // a short value for the object.
                                self.logger.warning("a GET ended before its object did; closing the connection")
                                return
                            }
                        }
                        client.backlog?.answered(on: connection.channel.eventLoop)
                        if session.closesAfterReply {
                            return
                        }
                    }
                } catch let error as RESPError {
                    try await replies.write(RESPEncoder(version: session.version).encode(.error(error.replyText)))
                }
            }
        } catch {
            self.logger.debug("RESP connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// A command whose last argument, `length` bytes, arrives in parts from `parts`.
    /// `SET key value` writes it as it arrives (``ObjectUpload``); any other command
    /// gathers it, then runs as usual. Nil if the connection ended mid-argument.
    private func respond(
        to words: [ByteBuffer],
        streamingArgumentOf length: Int,
        from parts: inout NIOAsyncChannelInboundStream<RESPParser.CommandPart>.AsyncIterator,
        session: inout RESPSession
    ) async throws -> RESPCommandExecutor.Response? {
        guard words.count == 2, session.isAuthenticated, words[0].uppercasedName == "SET" else {
            // Grown as the bytes arrive: the length announced is not yet a promise of them.
            var argument = ByteBuffer()
            while case .argumentBytes(var bytes) = try await parts.next() {
                argument.writeBuffer(&bytes)
            }
            guard argument.readableBytes == length else { return nil }
            return await self.executor.respond(to: words + [argument], session: &session)
        }
        self.executor.countCommand()
        // After a failure the rest of the value is read and dropped: the reply follows it.
        var failure: RESPValue?
        var upload: ObjectUpload?
        do {
            upload = try await self.executor.client.beginUpload(words[1], length: length)
        } catch {
            failure = RESPCommandExecutor.reply(to: error)
        }
        while let part = try await parts.next() {
            switch part {
            case .argumentBytes(let bytes):
                guard failure == nil, let upload else { continue }
                do {
                    try await upload.write(bytes)
                } catch {
                    failure = RESPCommandExecutor.reply(to: error)
                }
            case .argumentEnd:
                if failure == nil, let upload {
                    do {
                        try await upload.finish()
                    } catch {
                        failure = RESPCommandExecutor.reply(to: error)
                    }
                }
                return .reply(failure ?? .ok)
            case .command, .streamedCommand:
                return nil
            }
        }
        return nil
    }
}
