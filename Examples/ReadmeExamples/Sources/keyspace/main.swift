import InfiniCacheClient
import InfiniCacheTesting
import NIOCore

let cluster = try await LocalCluster.start(wiring: .inProcess)
let client = cluster.client

try await client.put("session", ByteBuffer(string: "token"), expiresIn: .seconds(60))
guard case .milliseconds(let left) = try await client.ttl("session") else { fatalError("no expiry") }
precondition(left > 59_000 && left <= 60_000)                    // by the proxy's clock

let video = ByteBuffer(bytes: (0..<50_000_000).map { UInt8(truncatingIfNeeded: $0) })
try await client.put("video", video)
let middle = try await client.get(ByteBuffer(string: "video"), range: 25_000_000..<25_001_024)
precondition(middle == video.getSlice(at: 25_000_000, length: 1024))   // one stripe read

let upload = try await client.beginUpload(ByteBuffer(string: "copy"), length: video.readableBytes)
var rest = video
while let part = rest.readSlice(length: min(1 << 20, rest.readableBytes)), part.readableBytes > 0 {
    try await upload.write(part)                                 // coded stripe by stripe
}
try await upload.finish()

var keys: [String] = []
var cursor: UInt64 = 0
repeat {
    let page = try await client.scan(from: cursor, count: 100)
    keys += page.keys.map { String(buffer: $0) }
    cursor = page.cursor
} while cursor != 0
precondition(Set(keys) == ["session", "video", "copy"])
try await client.flush()
await cluster.stop()
