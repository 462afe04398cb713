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

    /// Reserves `chunkLength` bytes on each of `count` distinct nodes, those with the most
    /// free memory first (ties rotate, so equal nodes share the load); nil if fewer than
    /// `count` nodes have room.
    mutating func reserve(count: Int, chunkLength: Int) -> [NodeID]? {
        let rotation = self.rotation
        self.rotation &+= 1
        let candidates = self.nodes
            .filter { $0.value.free >= chunkLength }
            .sorted { left, right in
                if left.value.free != right.value.free { return left.value.free > right.value.free }
                return (left.key.value &+ rotation) % 1024 < (right.key.value &+ rotation) % 1024
            }
        guard candidates.count >= count else { return nil }
        let chosen = candidates.prefix(count).map(\.key)
        for id in chosen {
            self.nodes[id]?.used += chunkLength
            self.nodes[id]?.chunks += 1
        }
        return chosen
    }

    /// Frees one chunk of `bytes` on node `id`.
    mutating func release(_ id: NodeID, bytes: Int) {
        self.nodes[id]?.used -= bytes
        self.nodes[id]?.chunks -= 1
    }
}
