import NIOCore
import NIOPosix

/// A reply from Redis, as far as the bench needs them.
enum RESPReply {
    case simple(String)
    case error(String)
    case integer(Int)
    case bulk(ByteBuffer?)
}

/// A Redis connection on SwiftNIO that is as careful with copies as the cache's own
/// transport: a value is written as its own buffer between header and trailer (one
/// `writev`, no copy), and a large bulk reply that spans reads is gathered once into a
/// buffer of exactly its size — the same strategy as `FrameDecoder` — so the comparison
/// measures the systems, not the clients.
final class RESPConnection: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func connect(host: String = "127.0.0.1", port: Int) async throws -> RESPConnection {
        let channel = try await ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(RESPCommandHandler())
                }
            }
            .connect(host: host, port: port).get()
        return RESPConnection(channel: channel)
    }

    /// Sends one command (its arguments as bulk strings) and waits for the reply.
    func command(_ arguments: [ByteBuffer]) async throws -> RESPReply {
        var header = ByteBuffer(string: "*\(arguments.count)\r\n")
        var pieces: [ByteBuffer] = []
        for argument in arguments {
            header.writeString("$\(argument.readableBytes)\r\n")
            if argument.readableBytes < 4096 {
                header.writeImmutableBuffer(argument)
                header.writeString("\r\n")
            } else {
                pieces.append(header)
                pieces.append(argument)
                header = ByteBuffer(string: "\r\n")
            }
        }
        pieces.append(header)
        let reply = self.channel.eventLoop.makePromise(of: RESPReply.self)
        self.channel.writeAndFlush(RESPCommandHandler.Command(pieces: pieces, reply: reply), promise: nil)
        return try await reply.futureResult.get()
    }

    func set(_ key: String, _ value: ByteBuffer) async throws {
        guard case .simple("OK") = try await self.command([ByteBuffer(string: "SET"), ByteBuffer(string: key), value]) else {
            throw RedisError("SET \(key) was not acknowledged")
        }
    }

    func get(_ key: String) async throws -> ByteBuffer? {
        guard case .bulk(let value) = try await self.command([ByteBuffer(string: "GET"), ByteBuffer(string: key)]) else {
            throw RedisError("GET \(key) did not return a bulk string")
        }
        return value
    }

    func exists(_ key: String) async throws -> Bool {
        guard case .integer(let count) = try await self.command([ByteBuffer(string: "EXISTS"), ByteBuffer(string: key)]) else {
            throw RedisError("EXISTS \(key) did not return an integer")
        }
        return count > 0
    }

    func close() async {
        try? await self.channel.close()
    }
}

struct RedisError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Writes commands and hands replies to their promises in order.
private final class RESPCommandHandler: ChannelDuplexHandler {
    struct Command {
        var pieces: [ByteBuffer]
        var reply: EventLoopPromise<RESPReply>
    }

    typealias InboundIn = RESPReply
    typealias OutboundIn = Command
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPReply>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = Self.unwrapOutboundIn(data)
        self.waiting.append(command.reply)
        for piece in command.pieces {
            context.write(Self.wrapOutboundOut(piece), promise: nil)
        }
        promise?.succeed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.waiting.popFirst()?.succeed(Self.unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(RedisError("connection closed"))
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        while let promise = self.waiting.popFirst() {
            promise.fail(error)
        }
    }
}

/// Decodes RESP2 replies: simple strings, errors, integers and bulk strings.
private struct RESPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPReply

    /// A bulk string being gathered: the buffer, bytes still missing, then the "\r\n".
    private var gathering: (value: ByteBuffer, missing: Int)?
    private var awaitingTrailer: ByteBuffer?

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if var partial = self.gathering {
            self.gathering = nil
            let take = min(partial.missing, buffer.readableBytes)
            partial.value.writeImmutableBuffer(buffer.readSlice(length: take)!)
            partial.missing -= take
            guard partial.missing == 0 else {
                self.gathering = partial
                return .needMoreData
            }
            self.awaitingTrailer = partial.value
        }
        if let value = self.awaitingTrailer {
            guard buffer.readableBytes >= 2 else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: 2)
            self.awaitingTrailer = nil
            context.fireChannelRead(Self.wrapInboundOut(.bulk(value)))
            return .continue
        }
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")), newline > view.startIndex else {
            return .needMoreData
        }
        let lineLength = newline - view.startIndex + 1
        let line = buffer.getString(at: buffer.readerIndex + 1, length: lineLength - 3) ?? ""
        let kind = view.first!
        switch kind {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"):
            buffer.moveReaderIndex(forwardBy: lineLength)
            let reply: RESPReply = kind == UInt8(ascii: "+") ? .simple(line) : kind == UInt8(ascii: "-") ? .error(line) : .integer(Int(line) ?? 0)
            context.fireChannelRead(Self.wrapInboundOut(reply))
            return .continue
        case UInt8(ascii: "$"):
            guard let length = Int(line) else { throw RedisError("bad bulk length \(line)") }
            guard length >= 0 else {
                buffer.moveReaderIndex(forwardBy: lineLength)
                context.fireChannelRead(Self.wrapInboundOut(.bulk(nil)))
                return .continue
            }
            if buffer.readableBytes >= lineLength + length + 2 {
                buffer.moveReaderIndex(forwardBy: lineLength)
                let value = buffer.readSlice(length: length)!
                buffer.moveReaderIndex(forwardBy: 2)
                context.fireChannelRead(Self.wrapInboundOut(.bulk(value)))
                return .continue
            }
            guard length >= 64 << 10 else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: lineLength)
            var value = context.channel.allocator.buffer(capacity: length)
            value.writeImmutableBuffer(buffer.readSlice(length: min(buffer.readableBytes, length))!)
            self.gathering = (value, length - value.readableBytes)
            return .continue
        default:
            throw RedisError("unexpected reply type \(Character(UnicodeScalar(kind)))")
        }
    }
}
