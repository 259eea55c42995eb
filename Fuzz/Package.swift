// swift-tools-version:6.1
// libFuzzer drivers for Galley's untrusted-input code paths (see README.md). Built only with
// `--sanitize=fuzzer`; the code they drive lives in the main package's GalleyFuzzTargets.
import PackageDescription

let targets = ["json": "jsonParser", "frame": "frameDecoder", "request": "request", "changeset": "changeset", "sync": "syncPage"]

let package = Package(
    name: "galley-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "galley", path: "..")],
    targets: targets.keys.sorted().map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "GalleyFuzzTargets", package: "galley")],
            path: "Sources/fuzz-\(name)"
        )
    }
)
