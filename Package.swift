// swift-tools-version:6.0
// audience-db: the `audiencectl` orchestrator and its libraries.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
  name: "audience-db",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "audiencectl", targets: ["audiencectl"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // Tests only: a real HTTP server on 127.0.0.1 speaking each LLM provider's wire format.
    .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
  ],
  targets: [
    .systemLibrary(
      name: "CLibPQ",
      pkgConfig: "libpq",
      providers: [.apt(["libpq-dev"])]
    ),
    .target(name: "PostgresClient", dependencies: ["CLibPQ"], swiftSettings: strict),
    .target(name: "LocalCluster", dependencies: ["PostgresClient"], swiftSettings: strict),
    .target(name: "Migrations", dependencies: ["PostgresClient"], swiftSettings: strict),
    .target(name: "Verification", dependencies: ["PostgresClient", "Migrations"], swiftSettings: strict),
    .target(
      name: "Insights", dependencies: ["PostgresClient"], resources: [.copy("Resources/prompt.md")], swiftSettings: strict),
    .target(name: "Refresh", dependencies: ["PostgresClient"], swiftSettings: strict),
    .target(name: "Loading", dependencies: ["PostgresClient", "Migrations"], swiftSettings: strict),
    .target(name: "Report", dependencies: ["PostgresClient"], swiftSettings: strict),
    .target(name: "Benchmarks", dependencies: ["PostgresClient", "LocalCluster", "Migrations", "Loading", "Refresh", "Insights", "Report"], swiftSettings: strict),
    .executableTarget(
      name: "audiencectl",
      dependencies: [
        "PostgresClient", "LocalCluster", "Migrations", "Verification", "Benchmarks", "Loading", "Refresh", "Insights", "Report",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict
    ),
    .target(
      name: "TestSupport",
      dependencies: ["PostgresClient", "LocalCluster"],
      path: "Tests/TestSupport",
      swiftSettings: strict
    ),
    .testTarget(
      name: "UnitTests",
      dependencies: ["PostgresClient", "Migrations", "Verification"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "IntegrationTests",
      dependencies: ["TestSupport", "PostgresClient", "LocalCluster", "Migrations", "Verification", "Loading", "Refresh", "Report"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "InsightsTests",
      dependencies: [
        "Insights", "TestSupport", "PostgresClient",
        .product(name: "FlyingFox", package: "FlyingFox"),
        .product(name: "FlyingSocks", package: "FlyingFox"),
      ],
      swiftSettings: strict
    ),
  ]
)
