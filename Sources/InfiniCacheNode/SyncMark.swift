/// How far a backup store mirrors a primary: the primary's store id, the last of its
/// changes the backup holds, and the last of its deletes the backup reflects.
///
/// The two agree except part-way through a full copy: its pages send the chunks held in
/// the order they were stored, so a page reaches only some change `sequence`, yet it copied
/// the store as it was after every delete made before the page (`deletesThrough`). The rest
/// of the copy then needs only the deletes after that, so it can go on however many older
/// deletes the primary has since forgotten.
public struct SyncMark: Sendable, Hashable {
    /// The primary's ``ChunkStore/storeID``.
    public var storeID: UInt64
    /// The primary's change sequence number: every chunk the primary still holds that it
    /// stored up to this change is held.
    public var sequence: UInt64
    /// Every delete the primary made up to this change is reflected; at least
    /// ``sequence``.
    public var deletesThrough: UInt64

    /// Creates a mark; `deletesThrough` defaults to `sequence`, and is raised to it if
    /// smaller.
    public init(storeID: UInt64, sequence: UInt64, deletesThrough: UInt64? = nil) {
        self.storeID = storeID
        self.sequence = sequence
        self.deletesThrough = max(deletesThrough ?? sequence, sequence)
    }
}

extension SyncMark {
    /// Moves the mark to change `sequence`, the latest a delta page took: every change up
    /// to it went in the page, so the deletes are reflected at least that far.
    mutating func reach(_ sequence: UInt64) {
        self.sequence = sequence
        self.deletesThrough = max(self.deletesThrough, sequence)
    }
}
