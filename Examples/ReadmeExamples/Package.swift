// swift-tools-version:6.1
import PackageDescription

// The README's Swift examples, each an executable that runs the snippet as printed in
// README.md (scripts/readme-examples checks the two are the same) and fails if a check in
// it fails. It depends on swift-infinicache by path, as a user's package would by URL,
// so it sees only the products the package vends.
let infinicache = "swift-infinicache"

let package = Package(
    name: "ReadmeExamples",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-infinicache", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "client",
            dependencies: [
                .product(name: "InfiniCacheClient", package: infinicache),
                .product(name: "InfiniCacheTesting", package: infinicache),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "keyspace",
            dependencies: [
                .product(name: "InfiniCacheClient", package: infinicache),
                .product(name: "InfiniCacheTesting", package: infinicache),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "small-objects",
            dependencies: [
                .product(name: "InfiniCacheClient", package: infinicache),
                .product(name: "InfiniCacheTesting", package: infinicache),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "serverless",
            dependencies: [
                .product(name: "InfiniCacheTesting", package: infinicache),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "replay",
            dependencies: [
                .product(name: "InfiniCacheReplay", package: infinicache),
                .product(name: "InfiniCacheTraces", package: infinicache),
            ]
        ),
        .executableTarget(
            name: "codec",
            dependencies: [
                .product(name: "ErasureCoding", package: infinicache),
                .product(name: "ChunkWire", package: infinicache),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "node-transport",
            dependencies: [
                .product(name: "ChunkTransport", package: infinicache),
                .product(name: "ChunkTransportTCP", package: infinicache),
                .product(name: "ChunkWire", package: infinicache),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "custom-transport",
            dependencies: [
                .product(name: "ChunkTransport", package: infinicache),
                .product(name: "ChunkTransportInProcess", package: infinicache),
                .product(name: "ChunkWire", package: infinicache),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
