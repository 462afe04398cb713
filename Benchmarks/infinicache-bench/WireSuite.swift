import NIOCore

/// `wire`: the cost of framing. In memory, frame encode + decode of 1 KiB and 1 MiB
/// payloads against one memcpy of the payload (checksum carried through) and against the
/// CRC-32C alone (checksum verified). Over loopback TCP, 8 MiB chunks framed against the
/// same bytes unframed on the same kind of NIO connection.
struct WireSuite {
    static let inMemorySizes = [1 << 10, 1 << 20]
    static let transferChunk = 8 << 20

    let settings: BenchSettings

    func run() throws -> [BenchRow] {
        var rows: [BenchRow] = []
        for size in Self.inMemorySizes {
            progress("wire in-memory \(formatBytes(size))")
            rows += try self.inMemory(size: size)
        }
        progress("wire loopback TCP \(formatBytes(Self.transferChunk)) chunks")
        rows += try self.loopback()
        return rows
    }

    private func inMemory(size: Int) throws -> [BenchRow] {
        let fixture = try FramingFixture(size: size)
        let rates = try self.settings.interleaved([
            { try fixture.encodeAndDecode(verifying: false) },
            { fixture.copyPayload() },
            { try fixture.encodeAndDecode(verifying: true) },
            { fixture.checksumPayload() },
        ])
        // Small frames are counted in frames/s, large ones in payload GB/s.
        let perFrame = size < 1 << 20
        let scale = perFrame ? 1 : Double(size) / 1e9
        let unit = perFrame ? "frames/s" : "GB/s"
        func row(_ variant: String, _ value: Double) -> BenchRow {
            BenchRow(suite: "wire", op: "frame-encode-decode", metric: "throughput", unit: unit, value: value * scale, size: size, threads: 1, variant: variant)
        }
        return [
            row("checksum-off", rates[0]).comparedTo(rates[1] * scale, named: "memcpy-payload"),
            row("checksum-on", rates[2]).comparedTo(rates[3] * scale, named: "crc32c-payload"),
        ]
    }

    private func loopback() throws -> [BenchRow] {
        let chunk = ByteBuffer(bytes: pseudoRandomBytes(count: Self.transferChunk))
        let chunksPerTransfer = self.settings.quick ? 4 : 16
        let transfers = try [
            LoopbackTransfer.Kind.framed(verifying: false), .framed(verifying: true), .fixedLength, .discard,
        ].map { try LoopbackTransfer(kind: $0, chunk: chunk, chunksPerTransfer: chunksPerTransfer) }
        defer {
            for transfer in transfers {
                try? transfer.close()
            }
        }
        let rates = try self.settings.interleaved(transfers.map { transfer in { try transfer.transfer() } })
            .map { $0 * Double(Self.transferChunk * chunksPerTransfer) / 1e9 }
        func row(_ variant: String, _ value: Double) -> BenchRow {
            BenchRow(suite: "wire", op: "tcp-transfer", metric: "throughput", unit: "GB/s", value: value, size: Self.transferChunk, threads: 1, variant: variant)
        }
        return [
            row("framed", rates[0]).comparedTo(rates[2], named: "unframed-fixed-length"),
            row("framed-checksum-on", rates[1]).comparedTo(rates[2], named: "unframed-fixed-length"),
            row("framed-vs-discard", rates[0]).comparedTo(rates[3], named: "unframed-discard"),
        ]
    }
}
