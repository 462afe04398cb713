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
        .executable(name: "infinicache-bench", targets: ["infinicache-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
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
        .executableTarget(
            name: "infinicache-bench",
            dependencies: [
                "CISAL",
                "ErasureCoding",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/infinicache-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ErasureCodingTests",
            dependencies: [
                "CISAL",
                "ErasureCoding",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
