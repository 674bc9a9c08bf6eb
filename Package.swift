// swift-tools-version:6.0
// ossfs: an Alibaba Cloud OSS bucket as a Linux filesystem.
//
// Layers, dependencies pointing one way:
//   C shims (CCrypto, CCurl, CXML, CFuse)
//     -> OSSCore (CRC64, digests, signatures V1/V4, XML, encodings, Locked: shared by client and server)
//     -> ObjectStore (the storage protocol the filesystem talks to)
//     -> OSSClient (HTTP over libcurl, every OSS API, retries, credentials)
//     -> OSSFS (filesystem core) -> executables
//   OSSLocalServer (oss-local) stands beside the client and shares OSSCore with it.
import PackageDescription

let package = Package(
    name: "ossfs",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "oss-local", targets: ["oss-local"]),
        .executable(name: "ossfs", targets: ["ossfs"]),
        .executable(name: "ossfs-passwd", targets: ["ossfs-passwd"]),
        .executable(name: "mount.ossfs", targets: ["mount.ossfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // C shims: each exists because Swift cannot call a variadic C function or a macro.
        .target(name: "CCrypto", linkerSettings: [.linkedLibrary("crypto")]),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .systemLibrary(name: "CXML", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"]), .yum(["libxml2-devel"])]),
        .target(name: "CFuse", linkerSettings: [.linkedLibrary("fuse3")]),
        // CRC-64 by carry-less multiplication, which Swift cannot emit; -O2 so debug builds hash fast too.
        .target(name: "CCRC64", cSettings: [.unsafeFlags(["-O2"])]),

        // Checksums and signing touch every byte and request: -O keeps the debug build the tests use fast
        // (the table CRC64 fallback runs at 150 MB/s unoptimised, 900 MB/s with -O on this machine).
        .target(name: "OSSCore", dependencies: ["CCrypto", "CCRC64", "CXML"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "ObjectStore"),
        .target(name: "ObjectStoreTesting", dependencies: ["ObjectStore", "OSSCore"]),
        .target(name: "OSSClient", dependencies: ["OSSCore", "ObjectStore", "CCurl", "CXML"]),
        .target(name: "OSSFS", dependencies: ["ObjectStore", "OSSCore", "CFuse"]),
        .target(name: "OSSLocalServer", dependencies: [
            "OSSCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "ossfs", dependencies: ["OSSFS", "OSSClient", "ObjectStore", "OSSCore"]),
        .executableTarget(name: "mount.ossfs", dependencies: ["OSSFS"]),
        .executableTarget(name: "oss-local", dependencies: [
            "OSSLocalServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Measures the client's CPU per small request against oss-local (a benchmark tool, not shipped).
        .executableTarget(name: "oss-request-bench", dependencies: ["OSSClient", "ObjectStore", "OSSCore"]),

        .executableTarget(name: "ossfs-passwd", dependencies: [
            "OSSClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "OSSCoreTests", dependencies: ["OSSCore"]),
        .testTarget(name: "OSSClientTests", dependencies: ["OSSClient", "OSSLocalServer"]),
        .testTarget(name: "OSSLocalServerTests", dependencies: ["OSSLocalServer", "OSSCore"]),
        .testTarget(name: "OSSFSTests", dependencies: ["OSSFS", "ObjectStore", "ObjectStoreTesting", "OSSCore"]),
        .testTarget(name: "ObjectStoreConformanceTests", dependencies: [
            "ObjectStore", "ObjectStoreTesting", "OSSClient", "OSSLocalServer", "OSSCore",
        ]),
    ],
    swiftLanguageModes: [.v5]
)
