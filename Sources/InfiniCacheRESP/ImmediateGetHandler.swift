import NIOCore
import RESPWire
import Synchronization

/// Answers `GET key` where it is decoded, on the connection's event loop, when its answer is
/// at hand without a round trip (``RESPServer/ImmediateRead``: in the proxy's process, a
/// value in the proxy's small-object tier, or a key not cached at all) and nothing has to
/// come first: the connection has authenticated, every command before it has been
/// answered, and the socket can take the reply. Every other command, and a GET whose answer
/// is not at hand, goes on to the connection's loop, which counts them here until it has
/// answered them.
final class ImmediateGetHandler: ChannelInboundHandler {
    typealias InboundIn = RESPParser.CommandPart
    typealias InboundOut = RESPParser.CommandPart
    typealias OutboundOut = ByteBuffer

    /// The commands a connection's loop has been handed and not yet answered.
    final class Backlog: Sendable {
        private let commands = Atomic(0)

        var isEmpty: Bool { self.commands.load(ordering: .relaxed) == 0 }

        func handed() {
            self.commands.add(1, ordering: .relaxed)
        }

        /// The loop wrote a command's reply (or dropped an empty command). Counted on
        /// `eventLoop`, after the reply's write has reached the channel there, so that a GET
        /// answered at once never goes out ahead of it.
        func answered(on eventLoop: any EventLoop) {
            guard eventLoop.inEventLoop else {
                eventLoop.execute { self.answered(on: eventLoop) }
                return
            }
            self.commands.subtract(1, ordering: .relaxed)
        }
    }

    /// The connection's commands handed on and not yet answered.
    let backlog = Backlog()
    private let read: RESPServer.ImmediateRead
    private let session: @Sendable () -> (isAuthenticated: Bool, version: RESPVersion)
    private let counted: @Sendable () -> Void
    private var needsFlush = false

    /// Serves GETs through `read` when the backlog is empty, the channel is writable and
    /// `session()` says the connection has authenticated, replying in the version it says;
    /// calls `counted` for each command it answers.
    init(
        read: @escaping RESPServer.ImmediateRead,
        session: @escaping @Sendable () -> (isAuthenticated: Bool, version: RESPVersion),
        counted: @escaping @Sendable () -> Void
    ) {
        self.read = read
        self.session = session
        self.counted = counted
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .command(let words):
            if let (answer, version) = self.immediateAnswer(to: words, context: context) {
                self.counted()
                var reply: [ByteBuffer] = []
                let value: ByteBuffer? = if case .found(let value) = answer { value } else { nil }
                RESPEncoder(version: version).encode(.bulkString(value), into: &reply)
                for part in reply {
                    context.write(self.wrapOutboundOut(part), promise: nil)
                }
                self.needsFlush = true
                return
            }
            self.backlog.handed()
        case .streamedCommand:
            self.backlog.handed()
        case .argumentBytes, .argumentEnd:
            break
        }
        context.fireChannelRead(data)
    }

    /// The replies written during a read leave together, once it has been decoded.
    func channelReadComplete(context: ChannelHandlerContext) {
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// The answer to `words`, and the protocol version to reply in, if it is a GET that may
    /// be answered here and now.
    private func immediateAnswer(to words: [ByteBuffer], context: ChannelHandlerContext) -> (RESPServer.ImmediateValue, RESPVersion)? {
        guard words.count == 2, self.backlog.isEmpty, context.channel.isWritable, words[0].uppercasedName == "GET" else {
            return nil
        }
        let session = self.session()
        guard session.isAuthenticated, let answer = self.read(words[1]) else { return nil }
        return (answer, session.version)
    }
}
