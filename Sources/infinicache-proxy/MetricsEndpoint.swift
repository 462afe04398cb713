import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// `GET /metrics` in the Prometheus text format (version 0.0.4), on a port of its own:
/// what the process's swift-metrics backend, a Prometheus registry, holds. `refresh` runs
/// before each scrape, for figures that are read rather than counted (the bill). Any
/// other path is 404, any other method 405.
final class MetricsEndpoint: Service, Sendable {
    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    /// Binds `host`:`port` (0 picks a free port).
    ///
    /// - Throws: NIO's `IOError` if the port cannot be bound.
    static func start(host: String, port: Int, registry: PrometheusCollectorRegistry, refresh: @escaping @Sendable () -> Void) async throws -> MetricsEndpoint {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry, refresh: refresh))
                }
            }
            .bind(host: host, port: port)
            .get()
        return MetricsEndpoint(port: channel.localAddress?.port ?? port, channel: channel)
    }

    /// Serves until a graceful shutdown, then closes the port.
    func run() async throws {
        try? await gracefulShutdown()
        try? await self.channel.close()
    }
}

/// Answers each HTTP request once its end arrives.
private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private let refresh: @Sendable () -> Void
    private var head: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry, refresh: @escaping @Sendable () -> Void) {
        self.registry = registry
        self.refresh = refresh
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            self.respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let (status, body): (HTTPResponseStatus, ByteBuffer)
        switch (head.method, head.uri.split(separator: "?").first ?? "") {
        case (.GET, "/metrics"):
            self.refresh()
            status = .ok
            body = ByteBuffer(bytes: self.registry.emitToBuffer())
        case (_, "/metrics"):
            (status, body) = (.methodNotAllowed, ByteBuffer(string: "only GET\n"))
        default:
            (status, body) = (.notFound, ByteBuffer(string: "metrics are at /metrics\n"))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: status == .ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let keepAlive = head.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive {
                channel.close(promise: nil)
            }
        }
    }
}
