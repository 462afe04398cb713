import FunctionPlatform
import InfiniCacheProxy
import InfiniCacheTraces

/// An exact object-level LRU cache of a fixed memory: the model of an always-on
/// ElastiCache node of that memory, and of what ElastiCache Serverless would store.
/// Cache-aside, as the replay: a GET that misses caches the object, evicting the least
/// recently used objects until it fits (an object larger than the whole memory is not
/// cached). Sizes are full scale.
struct LRUCacheModel {
    let capacity: Int
    private var order = LRUOrder<String>()
    private var sizes: [String: Int] = [:]
    private var seen: Set<String> = []
    private(set) var storedBytes = 0
    /// Stored bytes integrated over time, in byte-seconds, and ECPUs used: what
    /// ElastiCache Serverless bills.
    private(set) var storedByteSeconds = 0.0
    private(set) var ecpus = 0
    private var lastTime = Duration.zero

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Serves `request`, and returns how it ended.
    mutating func serve(_ request: TraceRequest) -> RequestOutcome {
        self.advance(to: request.time)
        switch request.operation {
        case .get:
            if self.sizes[request.key] != nil {
                self.order.touch(request.key)
                self.ecpus += Prices.ecpus(bytes: request.size)
                return .hit
            }
            let outcome: RequestOutcome = self.seen.contains(request.key) ? .capacityMiss : .firstAccess
            self.store(request.key, size: request.size)
            return outcome
        case .put:
            self.store(request.key, size: request.size)
            return .write
        case .delete:
            self.remove(request.key)
            self.ecpus += 1
            return .write
        }
    }

    /// Accounts stored bytes up to `time`.
    mutating func advance(to time: Duration) {
        guard time > self.lastTime else { return }
        self.storedByteSeconds += Double(self.storedBytes) * (time - self.lastTime).seconds
        self.lastTime = time
    }

    private mutating func store(_ key: String, size: Int) {
        self.seen.insert(key)
        self.ecpus += Prices.ecpus(bytes: size)
        self.remove(key)
        guard size <= self.capacity else { return }
        while self.storedBytes + size > self.capacity, let victim = self.order.leastRecent {
            self.remove(victim)
        }
        self.sizes[key] = size
        self.storedBytes += size
        self.order.touch(key)
    }

    private mutating func remove(_ key: String) {
        guard let size = self.sizes.removeValue(forKey: key) else { return }
        self.storedBytes -= size
        self.order.remove(key)
    }
}
