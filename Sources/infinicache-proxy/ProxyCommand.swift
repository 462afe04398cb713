import ArgumentParser
import Foundation
import InfiniCacheCommandSupport
import InfiniCacheLifecycle
import InfiniCacheProxy
import InfiniCacheRESP
import Metrics
import Prometheus
import Logging
import ServiceLifecycle
import UnixSignals

/// `infinicache-proxy`: the proxy as a process. Parses its options, builds its services
/// (``buildApplication(executables:logger:)``, which tests call too), and runs them in a
/// service group that shuts them down gracefully on SIGTERM or SIGINT.
@main
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infinicache-proxy",
        abstract: "Runs an InfiniCache proxy: clients connect to its client port, cache nodes dial its node port.",
        discussion: """
            Once its ports are bound it prints one line to stdout, \
            "ready client-port=N node-port=M" (and " resp-port=P" with --resp-port), which \
            scripts can wait for (useful with port 0).
            """
    )

    @Option(help: "Address to bind both ports to.")
    var host = "127.0.0.1"

    @Option(help: "Port clients connect to (0 picks a free one).")
    var clientPort = 7070

    @Option(help: "Port cache nodes dial in to (0 picks a free one).")
    var nodePort = 7071

    @Option(help: "Seconds an upload may take before its chunks are dropped.")
    var uploadTimeout = 120

    @Option(help: "Milliseconds a read of a replicated object waits for one replica before asking another (0 asks all at once).")
    var hedgeDelayMs = Int(InfiniCacheProxy.defaultHedgeDelay / .milliseconds(1))

    @Option(help: "MiB of the proxy's memory that keeps small replicated objects whole, so that a GET of one asks no node (0 turns it off).")
    var smallObjectTierMib = InfiniCacheProxy.defaultSmallObjectTierBudget >> 20

    @Option(help: "Longest object the small-object tier keeps, in KiB.")
    var smallObjectKib = InfiniCacheProxy.defaultSmallObjectLimit >> 10

    @Option(help: "Shared secret clients must present in a hello before any request; defaults to $INFINICACHE_CLIENT_TOKEN. Without one, any process that reaches the client port may read, write and delete every key.")
    var clientToken: String?

    @OptionGroup var service: ServiceOptions

    @OptionGroup(title: "Serverless functions") var functions: FunctionOptions

    @OptionGroup(title: "Redis protocol") var resp: RESPOptions

    @Option(help: "Serve Prometheus metrics at /metrics on this port of --host (0 picks a free one); off without it.")
    var metricsPort: Int?

    func validate() throws {
        guard (0...60_000).contains(self.hedgeDelayMs) else {
            throw ValidationError("--hedge-delay-ms must be from 0 to 60000")
        }
        guard (0...(1 << 20)).contains(self.smallObjectTierMib), (0...(16 << 10)).contains(self.smallObjectKib) else {
            throw ValidationError("--small-object-tier-mib must be from 0 to 1048576 and --small-object-kib from 0 to 16384")
        }
    }

    func run() async throws {
        let logger = try self.service.bootstrapLogging(label: "infinicache.proxy")
        // Metrics are bootstrapped once per process, before the proxy makes its counters.
        let registry = self.metricsPort.map { _ in Self.bootstrapMetrics() }
        let executables = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let application = try await self.buildApplication(executables: executables, registry: registry, logger: logger)
        let respPort = application.resp.map { " resp-port=\($0.port)" } ?? ""
        let metricsPort = application.metrics.map { " metrics-port=\($0.port)" } ?? ""
        FileHandle.standardOutput.write(Data("ready client-port=\(application.server.clientPort) node-port=\(application.server.nodePort)\(respPort)\(metricsPort)\n".utf8))
        logger.info("proxy listening", metadata: ["clients": "\(self.host):\(application.server.clientPort)", "nodes": "\(self.host):\(application.server.nodePort)", "functions": "\(self.functions.functions)"])
        var configuration = ServiceGroupConfiguration(services: application.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Whatever a service waits for, SIGTERM ends the process within half a minute.
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
    }

    /// Builds the proxy with its ports bound and, with `--functions`, its platform and
    /// lifecycle (instances are `infinicache-node` processes found in `executables`);
    /// with `--metrics-port`, `registry` is what `/metrics` serves.
    ///
    /// - Throws: `ValidationError` without a token, `TransportError` if a port cannot be
    ///   bound, `PlatformError` if `infinicache-node` is missing.
    func buildApplication(executables: URL, registry: PrometheusCollectorRegistry? = nil, logger: Logger) async throws -> ProxyApplication {
        let token = try self.service.resolvedToken()
        let clientToken = resolvedClientToken(self.clientToken)
        let proxy = InfiniCacheProxy(
            uploadTimeout: .seconds(self.uploadTimeout), hedgeDelay: self.hedgeDelayMs > 0 ? .milliseconds(self.hedgeDelayMs) : nil,
            smallObjectTierBudget: self.smallObjectTierMib << 20, smallObjectLimit: self.smallObjectKib << 10, logger: logger
        )
        let serverless = try await self.functions.deploy(proxy: proxy, executables: executables, logger: logger)
        let server = try await ProxyServer.start(
            proxy: proxy,
            clientResponder: serverless?.lifecycle.clientResponder,
            host: self.host,
            clientPort: self.clientPort,
            nodePort: self.nodePort,
            token: token,
            clientToken: clientToken
        )
        let resp = try await self.resp.start(
            proxy: proxy, responder: serverless?.lifecycle.clientResponder ?? proxy, host: self.host, password: clientToken, logger: logger
        )
        let lifecycle = serverless?.lifecycle
        var metrics: MetricsEndpoint?
        if let port = self.metricsPort, let registry {
            metrics = try await MetricsEndpoint.start(host: self.host, port: port, registry: registry) { _ = lifecycle?.report() }
        }
        // A service group stops its services in reverse order: the metrics and RESP ports
        // first, the lifecycle's schedules, then the platform (its instances), then the ports.
        let services: [any Service] = [server] + (serverless.map { [$0.platform, $0.lifecycle] } ?? []) + (resp.map { [$0] } ?? []) + (metrics.map { [$0] } ?? [])
        return ProxyApplication(server: server, resp: resp, metrics: metrics, services: services)
    }

    /// A Prometheus registry as the process's swift-metrics backend, with request-duration
    /// buckets from 100 µs to 30 s (the backend's default starts at 5 ms, above most requests).
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
            .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}

/// What `infinicache-proxy` runs: its server and, in serverless mode, the function
/// platform and lifecycle, as services.
struct ProxyApplication {
    let server: ProxyServer
    /// The Redis-protocol endpoint, with `--resp-port`.
    let resp: RESPServer?
    /// The Prometheus endpoint, with `--metrics-port`.
    let metrics: MetricsEndpoint?
    let services: [any Service]
}
