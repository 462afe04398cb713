import ChunkWire
import NIOCore

extension ChannelHandlerContext {
    /// Tells the peer why the connection ends, with an error frame on request id 0, and
    /// closes it once that frame is written (or could not be).
    func reject(_ message: ErrorMessage) {
        let frame = NIOAny(message.frame(requestID: 0))
        self.writeAndFlush(frame).whenComplete { [channel = self.channel] _ in
            channel.close(promise: nil)
        }
    }

    /// Rejects a peer whose bytes failed to decode.
    func rejectMalformedInput(_ error: any Error) {
        self.reject(ErrorMessage(.protocolViolation, "\(error)"))
    }
}
