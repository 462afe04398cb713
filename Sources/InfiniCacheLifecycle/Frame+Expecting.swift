import ChunkWire

extension Frame {
    /// This frame, if its opcode is `opcode`; else the error it carries or a protocol error.
    @discardableResult
    func expecting(_ opcode: Opcode) throws -> Frame {
        guard self.opcode != opcode else { return self }
        if self.opcode == .error, let message = try? ErrorMessage(from: self) {
            throw message
        }
        throw ErrorMessage(.protocolViolation, "expected \(opcode), got \(self.opcode)")
    }
}
