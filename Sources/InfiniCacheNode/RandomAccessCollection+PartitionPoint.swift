extension RandomAccessCollection {
    /// The first index whose element satisfies `belongsAfter`, found by binary search: the
    /// predicate must be false for a prefix of the collection and true for the rest.
    func partitionPoint(where belongsAfter: (Element) -> Bool) -> Index {
        var low = self.startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = self.index(low, offsetBy: half)
            if belongsAfter(self[middle]) {
                count = half
            } else {
                low = self.index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
