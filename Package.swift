// swift-tools-version: 6.1
// Earshot: a TinyML wake-word engine for Linux.
//
// The library targets follow the pipeline, and data flows one way through them:
//   capture → ring buffer → features → model → detector → events
// with accounting (latency, CPU, energy) alongside and the engine wiring the stages together.
import PackageDescription

let package = Package(
    name: "Earshot",
    products: [
        .executable(name: "earshot", targets: ["earshot"]),
        .library(name: "EarshotEngine", targets: ["EarshotEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        // C libraries, found through pkg-config.
        .systemLibrary(name: "CALSA", pkgConfig: "alsa",
                       providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr",
                       providers: [.apt(["libsoxr-dev"])]),

        // 1. capture: audio files (libsndfile + libsoxr) and live ALSA devices.
        .target(name: "EarshotCapture",
                dependencies: ["CALSA", "CSndFile", "CSoxr", "EarshotRing"]),
        // 2. ring buffer: lock-free single-producer single-consumer sample ring.
        .target(name: "EarshotRing",
                dependencies: [.product(name: "Atomics", package: "swift-atomics")]),
        // 3. features: streaming MFCC with FFTW.
        .target(name: "EarshotFeatures", dependencies: ["CFFTW"]),
        // 4. model: TFLite flatbuffer reader, int8 kernels, arena planner, interpreter.
        // Built optimized even in debug: its SIMD kernels are ~100× slower unoptimized, which
        // would make every test that runs a model crawl.
        .target(name: "EarshotModel", swiftSettings: [.unsafeFlags(["-O"])]),
        // 5. detector: posterior smoothing, thresholds, refractory hold-off.
        .target(name: "EarshotDetector"),
        // 6. events: detection records, output formats, labels and scoring metrics.
        .target(name: "EarshotEvents", dependencies: ["EarshotDetector"]),
        // Accounting: work counts, latency, CPU and energy, MCU target estimates.
        .target(name: "EarshotAccounting",
                dependencies: ["EarshotModel", "EarshotFeatures"],
                resources: [.copy("Targets.json")]),
        // The engine wires the stages together with fixed memory.
        .target(name: "EarshotEngine",
                dependencies: ["EarshotCapture", "EarshotRing", "EarshotFeatures", "EarshotModel",
                               "EarshotDetector", "EarshotEvents", "EarshotAccounting",
                               .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "earshot",
                          dependencies: ["EarshotEngine", "EarshotCapture", "EarshotRing", "EarshotFeatures",
                                         "EarshotModel", "EarshotDetector", "EarshotEvents",
                                         "EarshotAccounting",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")]),

        .testTarget(name: "EarshotCaptureTests", dependencies: ["EarshotCapture", "EarshotEngine"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EarshotRingTests", dependencies: ["EarshotRing"]),
        .testTarget(name: "EarshotFeaturesTests", dependencies: ["EarshotFeatures", "EarshotCapture"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EarshotModelTests",
                    dependencies: ["EarshotModel", "AllocationCounting"],
                    resources: [.copy("Fixtures")]),
        // Counts heap allocations on one thread (malloc-interposer), for the zero-allocation tests.
        .target(name: "AllocationCounting",
                dependencies: [.product(name: "MallocInterposerSwift", package: "malloc-interposer")],
                path: "Tests/AllocationCounting"),
        .testTarget(name: "EarshotDetectorTests", dependencies: ["EarshotDetector", "EarshotEvents"]),
        .testTarget(name: "EarshotAccountingTests", dependencies: ["EarshotAccounting"]),
        .testTarget(name: "EarshotEngineTests", dependencies: ["EarshotEngine", "AllocationCounting"]),
        .testTarget(name: "earshotTests", dependencies: ["earshot"]),
    ],
    swiftLanguageModes: [.v6]
)
