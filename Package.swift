// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "nonsmooth",
    products: [
        // The pure-Swift core, for Swift users.
        .library(name: "Nonsmooth", targets: ["Nonsmooth"]),
        // The C ABI (bindings/include/nonsmooth.h), loaded by the Python extension.
        // Built with `-Xswiftc -static-stdlib` (see setup.py) so it needs no toolchain at run time.
        .library(name: "NonsmoothC", type: .dynamic, targets: ["NonsmoothC"]),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "Nonsmooth",
            dependencies: ["COpenBLAS"]
        ),
        .target(
            name: "NonsmoothC",
            dependencies: ["Nonsmooth"]
        ),
        .testTarget(name: "NonsmoothTests", dependencies: ["Nonsmooth"]),
        // Timings of the core (benchmarks/README.md): `swift run -c release nonsmooth-bench`.
        .executableTarget(name: "nonsmooth-bench", dependencies: ["Nonsmooth", "COpenBLAS"], path: "benchmarks/swift"),
    ]
)
