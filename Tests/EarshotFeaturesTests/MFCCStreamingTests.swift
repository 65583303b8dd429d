import Foundation
import Testing
@testable import EarshotFeatures

/// Deterministic pseudo-random numbers (SplitMix64) so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func testSignal(_ n: Int, seed: UInt64 = 7) -> [Float] {
    var rng = SplitMix(state: seed)
    return (0..<n).map { i in
        0.3 * Float(sin(Double(i) * 0.05)) + Float.random(in: -0.05...0.05, using: &rng)
    }
}

@Suite("Streaming MFCC")
struct MFCCStreamingTests {
    @Test func chunkedInputGivesIdenticalFrames() throws {
        let samples = testSignal(16000 + 777)
        let mfcc = try MFCC(config: .mlperfTiny)
        let whole = mfccFrames(mfcc, samples)
        #expect(whole.count == FeatureConfig.mlperfTiny.frameCount(forSamples: samples.count) * 10)
        var rng = SplitMix(state: 42)
        for round in 0..<20 {
            mfcc.reset()
            var chunked: [Float] = []
            var i = 0
            let maxChunk = [1, 7, 320, 481, 5000][round % 5]
            samples.withUnsafeBufferPointer { p in
                while i < p.count {
                    let k = min(Int.random(in: 0...maxChunk, using: &rng), p.count - i)
                    mfcc.process(UnsafeBufferPointer(rebasing: p[i..<(i + k)])) { chunked.append(contentsOf: $0) }
                    i += k
                }
            }
            #expect(chunked == whole, "round \(round) (chunks ≤ \(maxChunk)) differs")
        }
    }

    @Test func framesArriveAtWindowThenEveryHop() throws {
        let cfg = FeatureConfig.mlperfTiny
        let mfcc = try MFCC(config: cfg)
        let samples = testSignal(3000)
        var emittedAt: [Int] = []
        samples.withUnsafeBufferPointer { p in
            for i in 0..<p.count {
                mfcc.process(UnsafeBufferPointer(rebasing: p[i...i])) { _ in emittedAt.append(i + 1) }
            }
        }
        // First frame after 480 samples, then one per 320: 480, 800, 1120, ...
        let expected = Array(stride(from: 480, through: 3000, by: 320))
        #expect(emittedAt == expected)
        #expect(mfcc.framesProduced == expected.count)
        #expect(cfg.frameCount(forSamples: 16000) == 49)
        #expect(cfg.sampleCount(forFrames: 49) == 15840)
        #expect(cfg.frameCount(forSamples: 479) == 0)
    }

    @Test func hopLongerThanWindowSkipsSamples() throws {
        var cfg = FeatureConfig.mlperfTiny
        cfg.windowLength = 256; cfg.fftSize = 256; cfg.hopLength = 400
        let mfcc = try MFCC(config: cfg)
        let samples = testSignal(2000)
        let whole = mfccFrames(mfcc, samples)
        #expect(whole.count / 10 == cfg.frameCount(forSamples: 2000))
        // Frame k equals a fresh extractor fed exactly samples [400k, 400k + 256).
        let fresh = try MFCC(config: cfg)
        for k in 0..<(whole.count / 10) {
            let f = mfccFrames(fresh, Array(samples[(400 * k)..<(400 * k + 256)]))
            #expect(f == Array(whole[(10 * k)..<(10 * k + 10)]), "frame \(k)")
        }
    }

    @Test func resetStartsANewStream() throws {
        let mfcc = try MFCC(config: .mlperfTiny)
        let a = testSignal(5000, seed: 1)
        let b = testSignal(5000, seed: 2)
        let first = mfccFrames(mfcc, b)
        // Feed part of a, reset, then b: same as b alone.
        a.withUnsafeBufferPointer { p in mfcc.process(UnsafeBufferPointer(rebasing: p[0..<700])) { _ in } }
        mfcc.reset()
        var again: [Float] = []
        b.withUnsafeBufferPointer { p in mfcc.process(p) { again.append(contentsOf: $0) } }
        #expect(again == first)
        #expect(mfcc.frames(of: b) == first)
    }

    @Test func silenceGivesTheLogFloor() throws {
        let mfcc = try MFCC(config: .mlperfTiny)
        let f = mfccFrames(mfcc, [Float](repeating: 0, count: 480))
        #expect(f.count == 10)
        // c0 = sqrt(2/40) · 40 · log(1e-6); the others vanish.
        let c0 = Float((2.0 / 40.0).squareRoot() * 40 * log(1e-6))
        #expect(abs(f[0] - c0) < 1e-3)
        for c in 1..<10 { #expect(abs(f[c]) < 1e-3) }
    }

    @Test func manyExtractorsCanBeBuiltConcurrently() async throws {
        // FFTW planning is serialized internally; building in parallel must be safe.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let m = try MFCC(config: .mlperfTiny)
                    return m.frames(of: testSignal(1000)).count
                }
            }
            for try await n in group { #expect(n == 20) }
        }
    }

    @Test func windowsFollowTensorFlowDefinitions() {
        let hann = MFCC.windowValues(.hann, length: 4)          // periodic: 0, .5, 1, .5
        #expect(zip(hann, [0, 0.5, 1, 0.5]).allSatisfy { abs($0 - $1) < 1e-12 })
        let sym = MFCC.windowValues(.hannSymmetric, length: 5)  // 0, .5, 1, .5, 0
        #expect(zip(sym, [0, 0.5, 1, 0.5, 0]).allSatisfy { abs($0 - $1) < 1e-12 })
        let rect = MFCC.windowValues(.rectangular, length: 3)
        #expect(rect == [1, 1, 1])
        let ham = MFCC.windowValues(.hamming, length: 4)
        #expect(abs(ham[0] - 0.08) < 1e-12 && abs(ham[2] - 1.0) < 1e-12)
    }

    @Test func powerSpectrumOption() throws {
        var cfg = FeatureConfig.mlperfTiny
        cfg.spectrum = .power
        let mag = try MFCC(config: .mlperfTiny).frames(of: testSignal(480))
        let pow = try MFCC(config: cfg).frames(of: testSignal(480))
        #expect(mag.count == 10 && pow.count == 10)
        #expect(mag != pow)
    }
}
