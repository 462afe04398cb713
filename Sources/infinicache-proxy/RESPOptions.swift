import ArgumentParser
import ChunkTransport
import ChunkTransportInProcess
import InfiniCacheClient
import InfiniCacheProxy
import InfiniCacheRESP
import Logging

/// The proxy's Redis-protocol endpoint: a port in the proxy's process where Redis
/// clients read and write the cache. It codes objects as a Swift client does, with these
/// options, and talks to the proxy in process.
struct RESPOptions: ParsableArguments {
    @Option(help: "Serve the Redis protocol (RESP2/RESP3) on this port of --host (0 picks a free one); off without it.")
    var respPort: Int?

    @Option(help: "Data chunks per stripe of objects written through the RESP port (k).")
    var respDataChunks = 10

    @Option(help: "Parity chunks per stripe of objects written through the RESP port (r).")
    var respParityChunks = 2

    @Option(help: "Longest chunk of objects written through the RESP port, in KiB: a stripe holds k of them.")
    var respChunkKib = 512

    @Option(help: "Values of at most this many KiB (and at most one chunk) written through the RESP port are stored as r + 1 replicas instead (0: none).")
    var respReplicationThresholdKib = ClientConfiguration.defaultReplicationThreshold >> 10

    @Option(help: "Longest value or key a RESP client may send, in MiB (Redis's proto-max-bulk-len).")
    var respMaxBulkMib = 512

    func validate() throws {
        guard (1...4095).contains(self.respMaxBulkMib) else {
            throw ValidationError("--resp-max-bulk-mib must be from 1 to 4095 (a value is one buffer of at most 4 GiB)")
        }
        guard (0...(16 << 10)).contains(self.respReplicationThresholdKib) else {
            throw ValidationError("--resp-replication-threshold-kib must be from 0 to 16384")
        }
        guard (4...(16 << 10)).contains(self.respChunkKib) else {
            throw ValidationError("--resp-chunk-kib must be from 4 to 16384")
        }
        guard (1...255).contains(self.respDataChunks), (0...254).contains(self.respParityChunks), self.respDataChunks + self.respParityChunks <= 255 else {
            throw ValidationError("--resp-data-chunks and --resp-parity-chunks must be at least 1 and 0, and at most 255 together")
        }
    }

    /// Starts the endpoint, serving through `responder` (`proxy`, or its serverless
    /// lifecycle's responder), and `GET`s of objects in `proxy`'s small-object tier, or of
    /// keys it does not hold, straight from it; nil without `--resp-port`. Connections
    /// must `AUTH` with `password` when one is given (the proxy's client token).
    ///
    /// - Throws: `InfiniCacheError` for a coding the client refuses, NIO's `IOError` if the
    ///   port cannot be bound.
    func start(proxy: InfiniCacheProxy, responder: any FrameResponder, host: String, password: [UInt8]?, logger: Logger) async throws -> RESPServer? {
        guard let port = self.respPort else { return nil }
        let configuration = ClientConfiguration(
            dataChunkCount: self.respDataChunks, parityChunkCount: self.respParityChunks, maxChunkLength: self.respChunkKib << 10,
            replicationThreshold: self.respReplicationThresholdKib << 10
        )
        let client = try InfiniCacheClient(proxies: [[InProcessTransport(to: responder, verifiesPayloadChecksums: false)]], configuration: configuration)
        return try await RESPServer.start(
            client: client, host: host, port: port, password: password,
            limits: RESPServer.Limits(maximumBulkLength: self.respMaxBulkMib << 20),
            immediateRead: { key in
                switch proxy.lookUpInTier(key) {
                case .found(let value): .found(value)
                case .missing: .missing
                case .notInTier: nil
                }
            },
            logger: logger
        )
    }
}
