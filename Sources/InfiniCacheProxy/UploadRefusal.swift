import ChunkWire

/// A refused upload: the reason for the client, and the node deletions that evictions or
/// expiries decided before the refusal, which must still be sent.
struct UploadRefusal: Error {
    var message: ErrorMessage
    var deletions: [Deletion]

    init(_ message: ErrorMessage, _ deletions: [Deletion]) {
        self.message = message
        self.deletions = deletions
    }
}
