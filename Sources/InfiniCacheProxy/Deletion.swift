/// Chunks of one object version on one node that must be deleted there.
struct Deletion: Sendable {
    var node: NodeID
    var version: VersionID
}
