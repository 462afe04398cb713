// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-infinicache",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ErasureCoding", targets: ["ErasureCoding"]),
        .library(name: "ChunkWire", targets: ["ChunkWire"]),
        .library(name: "ChunkTransport", targets: ["ChunkTransport"]),
        .library(name: "InfiniCacheClient", targets: ["InfiniCacheClient"]),
        .library(name: "InfiniCacheProxy", targets: ["InfiniCacheProxy"]),
        .library(name: "InfiniCacheNode", targets: ["InfiniCacheNode"]),
        .library(name: "FunctionPlatform", targets: ["FunctionPlatform"]),
        .library(name: "LocalFunctionPlatform", targets: ["LocalFunctionPlatform"]),
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
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CISAL",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        .target(
            name: "ErasureCoding",
            dependencies: [
                "CISAL",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChunkWire",
            dependencies: [
                "ErasureCoding",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChunkTransport",
            dependencies: [
                "ChunkWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfiniCacheNode",
            dependencies: [
                "ChunkWire",
                "ChunkTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FunctionPlatform",
            dependencies: ["ChunkTransport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LocalFunctionPlatform",
            dependencies: [
                "ChunkWire",
                "ChunkTransport",
                "FunctionPlatform",
                "InfiniCacheNode",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfiniCacheProxy",
            dependencies: [
                "ChunkWire",
                "ChunkTransport",
                "FunctionPlatform",
                "ErasureCoding",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfiniCacheClient",
            dependencies: [
                "ChunkWire",
                "ChunkTransport",
                "ErasureCoding",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfiniCacheCluster",
            dependencies: [
                "ChunkWire",
                "ChunkTransport",
                "InfiniCacheClient",
                "InfiniCacheProxy",
                "InfiniCacheNode",
                "FunctionPlatform",
                "LocalFunctionPlatform",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfiniCacheCommandSupport",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "infinicache-proxy",
            dependencies: [
                "InfiniCacheProxy",
                "InfiniCacheCluster",
                "FunctionPlatform",
                "LocalFunctionPlatform",
                "InfiniCacheCommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "infinicache-node",
            dependencies: [
                "InfiniCacheNode",
                "InfiniCacheCommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "infinicache",
            dependencies: [
                "InfiniCacheClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "infinicache-fuzz-wire",
            dependencies: [
                "ChunkWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "infinicache-bench",
            dependencies: [
                "CISAL",
                "ErasureCoding",
                "ChunkWire",
                "ChunkTransport",
                "InfiniCacheClient",
                "InfiniCacheCluster",
                "InfiniCacheProxy",
                "FunctionPlatform",
                "LocalFunctionPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/infinicache-bench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["ErasureCoding"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ErasureCodingTests",
            dependencies: [
                "CISAL",
                "ErasureCoding",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChunkWireTests",
            dependencies: [
                "ChunkWire",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChunkTransportTests",
            dependencies: [
                "ChunkWire",
                "TestSupport",
                "ChunkTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InfiniCacheTests",
            dependencies: [
                "ChunkWire",
                "ErasureCoding",
                "ChunkTransport",
                "InfiniCacheClient",
                "InfiniCacheProxy",
                "InfiniCacheNode",
                "InfiniCacheCluster",
                "FunctionPlatform",
                "LocalFunctionPlatform",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
