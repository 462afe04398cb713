// swift-tools-version:6.1
import PackageDescription

// The module graph, lowest layer first (README.md, "Module graph", lists the edges):
// the codec and the wire format; the transport abstraction and its two implementations;
// the statistics types clients and the proxy share; the cache node, the proxy and the
// client; the function-platform abstraction, its local implementation and the instance
// launchers; the serverless lifecycle on top of the proxy; the testing product; the
// executables. No module imports one above it, and no abstraction imports an
// implementation.

let nio = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "swift-infinicache",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ErasureCoding", targets: ["ErasureCoding"]),
        .library(name: "ChunkWire", targets: ["ChunkWire"]),
        .library(name: "ChunkTransport", targets: ["ChunkTransport"]),
        .library(name: "ChunkTransportInProcess", targets: ["ChunkTransportInProcess"]),
        .library(name: "ChunkTransportTCP", targets: ["ChunkTransportTCP"]),
        .library(name: "RESPWire", targets: ["RESPWire"]),
        .library(name: "InfiniCacheStatistics", targets: ["InfiniCacheStatistics"]),
        .library(name: "InfiniCacheClient", targets: ["InfiniCacheClient"]),
        .library(name: "InfiniCacheProxy", targets: ["InfiniCacheProxy"]),
        .library(name: "InfiniCacheRESP", targets: ["InfiniCacheRESP"]),
        .library(name: "InfiniCacheNode", targets: ["InfiniCacheNode"]),
        .library(name: "FunctionPlatform", targets: ["FunctionPlatform"]),
        .library(name: "LocalFunctionPlatform", targets: ["LocalFunctionPlatform"]),
        .library(name: "InstanceLaunchers", targets: ["InstanceLaunchers"]),
        .library(name: "InfiniCacheLifecycle", targets: ["InfiniCacheLifecycle"]),
        .library(name: "InfiniCacheTesting", targets: ["InfiniCacheTesting"]),
        .library(name: "InfiniCacheTraces", targets: ["InfiniCacheTraces"]),
        .library(name: "InfiniCacheReplay", targets: ["InfiniCacheReplay"]),
        .executable(name: "infinicache-bench", targets: ["infinicache-bench"]),
        .executable(name: "infinicache-proxy", targets: ["infinicache-proxy"]),
        .executable(name: "infinicache-node", targets: ["infinicache-node"]),
        .executable(name: "infinicache", targets: ["infinicache"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
    ],
    targets: [
        // MARK: Coding and the wire

        .systemLibrary(
            name: "CISAL",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        .target(name: "ErasureCoding", dependencies: ["CISAL", nio]),
        .target(name: "ChunkWire", dependencies: ["CISAL", nio]),
        .target(name: "RESPWire", dependencies: [nio]),

        // MARK: Transports: the abstraction, then its implementations

        .target(name: "ChunkTransport", dependencies: ["ChunkWire", nio]),
        .target(name: "ChunkTransportInProcess", dependencies: ["ChunkTransport", "ChunkWire"]),
        .target(name: "ChunkTransportTCP", dependencies: ["ChunkTransport", "ChunkWire", nio, nioPosix]),

        // MARK: The cache: node, proxy, client

        .target(name: "InfiniCacheStatistics", dependencies: ["FunctionPlatform"]),
        .target(
            name: "InfiniCacheNode",
            dependencies: ["ChunkTransport", "ChunkTransportTCP", "ChunkWire", nio, logging, serviceLifecycle]
        ),
        .target(
            name: "InfiniCacheProxy",
            dependencies: [
                "ChunkTransport", "ChunkTransportTCP", "ChunkWire", "ErasureCoding", "InfiniCacheStatistics",
                nio, nioPosix, logging, serviceLifecycle,
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "InfiniCacheClient",
            dependencies: ["ChunkTransport", "ChunkTransportTCP", "ChunkWire", "ErasureCoding", "InfiniCacheStatistics", nio, nioPosix]
        ),

        .target(
            name: "InfiniCacheRESP",
            dependencies: [
                "ChunkWire", "FunctionPlatform", "InfiniCacheClient", "InfiniCacheStatistics", "RESPWire", logging, nio, nioPosix, serviceLifecycle,
            ]
        ),

        // MARK: Serverless: the platform abstraction, a local platform, the lifecycle

        .target(name: "FunctionPlatform", dependencies: ["ChunkTransport", serviceLifecycle]),
        .target(
            name: "LocalFunctionPlatform",
            dependencies: ["ChunkTransport", "ChunkWire", "FunctionPlatform", logging, nio, serviceLifecycle]
        ),
        .target(
            name: "InstanceLaunchers",
            dependencies: [
                "ChunkTransport", "ChunkTransportInProcess", "ChunkTransportTCP", "FunctionPlatform", "InfiniCacheNode",
                "LocalFunctionPlatform",
            ]
        ),
        .target(
            name: "InfiniCacheLifecycle",
            dependencies: [
                "ChunkTransport", "ChunkWire", "FunctionPlatform", "InfiniCacheProxy", "InfiniCacheStatistics",
                logging, nio, serviceLifecycle, .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // MARK: Testing and executables

        .target(
            name: "InfiniCacheTesting",
            dependencies: [
                "ChunkTransport", "ChunkTransportInProcess", "ChunkTransportTCP", "ChunkWire", "FunctionPlatform",
                "InfiniCacheClient", "InfiniCacheLifecycle", "InfiniCacheNode", "InfiniCacheProxy", "InfiniCacheStatistics",
                "InstanceLaunchers", "LocalFunctionPlatform", logging,
            ]
        ),

        // MARK: Workloads: traces, and their replay on simulated time

        .target(
            name: "InfiniCacheTraces",
            dependencies: [
                nio,
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .target(
            name: "InfiniCacheReplay",
            dependencies: [
                "ChunkWire", "ErasureCoding", "FunctionPlatform", "InfiniCacheClient", "InfiniCacheLifecycle", "InfiniCacheProxy",
                "InfiniCacheStatistics", "InfiniCacheTesting", "InfiniCacheTraces", "LocalFunctionPlatform", logging, nio,
            ]
        ),
        .target(name: "InfiniCacheCommandSupport", dependencies: [argumentParser, logging]),
        .executableTarget(
            name: "infinicache-proxy",
            dependencies: [
                "ChunkTransport", "ChunkTransportInProcess", "FunctionPlatform", "InfiniCacheClient", "InfiniCacheCommandSupport",
                "InfiniCacheLifecycle", "InfiniCacheProxy", "InfiniCacheRESP",
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"), nio, nioPosix,
                "InstanceLaunchers", "LocalFunctionPlatform",
                argumentParser, logging, serviceLifecycle,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "infinicache-node",
            dependencies: [
                "ChunkTransport", "ChunkWire", "InfiniCacheCommandSupport", "InfiniCacheNode", "InfiniCacheTesting",
                argumentParser, logging, serviceLifecycle,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "infinicache", dependencies: ["FunctionPlatform", "InfiniCacheClient", "InfiniCacheCommandSupport", "InfiniCacheStatistics", argumentParser, nio]
        ),
        .target(name: "FuzzTargetSupport"),
        .executableTarget(name: "infinicache-fuzz-wire", dependencies: ["ChunkWire", "FuzzTargetSupport", nio]),
        .executableTarget(name: "infinicache-fuzz-resp", dependencies: ["RESPWire", "FuzzTargetSupport", nio]),
        .executableTarget(
            name: "infinicache-fuzz-proxy",
            dependencies: [
                "ChunkTransport", "ChunkTransportInProcess", "ChunkWire", "FuzzTargetSupport", "InfiniCacheNode",
                "InfiniCacheProxy", "InfiniCacheStatistics", logging, nio,
            ]
        ),
        .executableTarget(
            name: "infinicache-bench",
            dependencies: [
                "CISAL", "ChunkWire", "ErasureCoding", "FunctionPlatform", "InfiniCacheClient", "InfiniCacheProxy",
                "InfiniCacheLifecycle", "InfiniCacheReplay", "InfiniCacheStatistics", "InfiniCacheTesting", "InfiniCacheTraces",
                "InstanceLaunchers", "LocalFunctionPlatform", "infinicache-proxy", "infinicache-node",
                argumentParser, nio, nioPosix, logging,
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/infinicache-bench",
            exclude: ["Traces/README.md"],
            resources: [.copy("Traces/dal09_10mb_50h.csv.gz")]
        ),

        // MARK: Tests

        .target(name: "TestSupport", dependencies: ["ChunkTransport", "ChunkWire", "ErasureCoding", "LocalFunctionPlatform", nio, nioPosix], path: "Tests/TestSupport"),
        .testTarget(name: "ErasureCodingTests", dependencies: ["CISAL", "ErasureCoding", "TestSupport", nio]),
        .testTarget(
            name: "ChunkWireTests",
            dependencies: [
                "ChunkWire", "LocalFunctionPlatform", "TestSupport", nio,
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "RESPWireTests", dependencies: ["RESPWire", nio]),
        .testTarget(
            name: "InfiniCacheRESPTests",
            dependencies: [
                "ChunkTransport", "ChunkTransportInProcess", "ChunkWire", "InfiniCacheClient", "InfiniCacheProxy", "InfiniCacheRESP", "InfiniCacheTesting",
                "RESPWire", "TestSupport", logging, nio, serviceLifecycle,
            ]
        ),
        .testTarget(
            name: "ChunkTransportTests",
            dependencies: ["ChunkTransport", "ChunkTransportInProcess", "ChunkTransportTCP", "ChunkWire", "TestSupport", nio, nioPosix]
        ),
        .testTarget(
            name: "InfiniCacheTests",
            dependencies: [
                "ChunkTransport", "ChunkTransportInProcess", "ChunkTransportTCP", "ChunkWire", "FunctionPlatform", "InfiniCacheClient",
                "InfiniCacheLifecycle", "InfiniCacheNode", "InfiniCacheProxy", "InfiniCacheStatistics", "InfiniCacheTesting",
                "InstanceLaunchers", "LocalFunctionPlatform", "TestSupport",
                "infinicache", "infinicache-node", "infinicache-proxy", argumentParser, logging, nio, serviceLifecycle,
            ]
        ),
        .testTarget(
            name: "InfiniCacheProxyTests",
            dependencies: ["ChunkTransport", "ChunkWire", "ErasureCoding", "InfiniCacheProxy", "InfiniCacheStatistics", "TestSupport", nio]
        ),
        .testTarget(
            name: "InfiniCacheLifecycleTests",
            dependencies: ["ChunkTransport", "ChunkWire", "FunctionPlatform", "InfiniCacheLifecycle", "InfiniCacheProxy", "TestSupport", nio]
        ),
        .testTarget(
            name: "InfiniCacheTracesTests",
            dependencies: [
                "ErasureCoding", "FunctionPlatform", "InfiniCacheClient", "InfiniCacheReplay", "InfiniCacheStatistics", "InfiniCacheTraces",
                "LocalFunctionPlatform", nio,
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .testTarget(
            name: "LocalFunctionPlatformTests",
            dependencies: ["ChunkTransport", "ChunkWire", "FunctionPlatform", "LocalFunctionPlatform", "TestSupport"]
        ),
    ]
)

// One settings pass for every Swift target (as swift-log does), instead of a
// `swiftSettings:` on each.
for target in package.targets where [.regular, .executable, .test].contains(target.type) {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
}
