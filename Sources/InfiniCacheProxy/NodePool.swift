import ChunkTransport

/// The registered cache nodes with their capacity and the bytes placed on them.
struct NodePool: Sendable {
    struct Node: Sendable {
        var functionID: String
        var transport: any FrameTransport
        var capacity: Int
        var used = 0
        /// Chunks placed on the node.
        var chunks = 0
        var free: Int { self.capacity - self.used }
    }

    private(set) var nodes: [NodeID: Node] = [:]
    private var nextID = 0
    private var rotation = 0

    var totalCapacity: Int { self.nodes.values.reduce(0) { $0 + $1.capacity } }

    mutating func add(functionID: String, transport: any FrameTransport, capacity: Int) -> NodeID {
        let id = NodeID(value: self.nextID)
        self.nextID += 1
        self.nodes[id] = Node(functionID: functionID, transport: transport, capacity: capacity)
        return id
    }

    mutating func remove(_ id: NodeID) {
        self.nodes.removeValue(forKey: id)
    }

    func transport(of id: NodeID) -> (any FrameTransport)? {
        self.nodes[id]?.transport
    }

    /// Free bytes over all nodes.
    var totalFree: Int { self.nodes.values.reduce(0) { $0 + max($1.free, 0) } }

    /// Reserves room for every stripe of an object, all or nothing: `width` distinct
    /// nodes per stripe, with `charges[stripe]` bytes on each (a chunk's storage charge). The nodes are ranked
    /// once, most free memory first (ties rotate, so equal nodes share the load), and the
    /// stripes take them in turn around that ranking, each the next `width` nodes that
    /// still have room: O(n log n) for n nodes plus O(n) per stripe at worst, however the
    /// stripes fall. Returns the nodes of each stripe, or nil, reserving nothing, if a
    /// stripe finds fewer than `width` nodes with room.
    mutating func reserve(width: Int, charges: [Int]) -> [[NodeID]]? {
        let rotation = self.rotation
        self.rotation &+= 1
        var ranked = self.nodes.map { (id: $0.key, free: $0.value.free) }
        ranked.sort { left, right in
            if left.free != right.free { return left.free > right.free }
            return (left.id.value &+ rotation) % 1024 < (right.id.value &+ rotation) % 1024
        }
        guard ranked.count >= width else { return nil }
        var placement: [[NodeID]] = []
        placement.reserveCapacity(charges.count)
        var cursor = 0
        for charge in charges {
            var chosen: [NodeID] = []
            chosen.reserveCapacity(width)
            var scanned = 0
            while chosen.count < width, scanned < ranked.count {
                let position = (cursor + scanned) % ranked.count
                scanned += 1
                if ranked[position].free >= charge {
                    ranked[position].free -= charge
                    chosen.append(ranked[position].id)
                }
            }
            guard chosen.count == width else { return nil }
            cursor = (cursor + scanned) % ranked.count
            placement.append(chosen)
        }
        for (stripe, nodes) in placement.enumerated() {
            for id in nodes {
                self.count(chunks: 1, bytes: charges[stripe], on: id)
            }
        }
        return placement
    }

    /// Frees one chunk of `bytes` on node `id`.
    mutating func release(_ id: NodeID, bytes: Int) {
        self.count(chunks: -1, bytes: -bytes, on: id)
    }

    /// Adds `chunks` and `bytes` to node `id`'s, in place: through the dictionary's index,
    /// because optional chaining through its key subscript allocates on every call.
    private mutating func count(chunks: Int, bytes: Int, on id: NodeID) {
        guard let index = self.nodes.index(forKey: id) else { return }
        self.nodes.values[index].used += bytes
        self.nodes.values[index].chunks += chunks
    }
}
