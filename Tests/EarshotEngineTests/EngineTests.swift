import Foundation
import Testing
import AllocationCounting
@testable import EarshotEngine
import EarshotEvents

@Suite(.serialized) struct EngineTests {
    @Test func zeroAllocationsPerHop() throws {
        // Threshold 0 makes every keyword fire at each refractory interval, so the detection path
        // (and its callback) runs too; an inference every 10 hops keeps the debug-build test short.
        let engine = try Engine(options: EngineOptions(modelPath: try modelWithSidecar(), threshold: 0.0,
                                                       evaluateEveryHops: 10))
        let audio = syntheticAudio(seconds: 2)
        var detections = 0
        // Warm up once so lazily initialised runtime state (e.g. FFTW, Swift metadata) exists.
        audio.withUnsafeBufferPointer { engine.process($0) { _ in detections += 1 } }

        // Prove the counter sees allocations on this thread before trusting a zero.
        #expect(countMallocs { _ = [Int](repeating: 1, count: 100) } >= 1)

        let hopsBefore = engine.totals.hops
        let mallocs = countMallocs {
            audio.withUnsafeBufferPointer { buf in
                for _ in 0..<30 {  // 60 s of audio: 3,000 hops, 300 inferences
                    var offset = 0
                    while offset < buf.count {
                        let n = min(buf.count - offset, 160 + offset % 700)
                        engine.process(UnsafeBufferPointer(rebasing: buf[offset..<(offset + n)])) { _ in detections += 1 }
                        offset += n
                    }
                }
            }
        }
        #expect(engine.totals.hops - hopsBefore >= 2_900)
        #expect(mallocs == 0, "allocations while processing: \(mallocs)")
        #expect(detections > 0)
    }

    @Test func detectionsDoNotDependOnChunkSize() throws {
        let path = try modelWithSidecar()
        let audio = syntheticAudio(seconds: 4, seed: 7)
        func run(chunks: (Int) -> Int) throws -> [Detection] {
            // A low threshold that noise crosses up and down, so the times and scores of many
            // detections are compared.
            let engine = try Engine(options: EngineOptions(modelPath: path, threshold: 0.03, evaluateEveryHops: 3,
                                                           smoothingInferences: 1, refractorySeconds: 0.1))
            var out: [Detection] = []
            audio.withUnsafeBufferPointer { buf in
                var offset = 0, i = 0
                while offset < buf.count {
                    let n = min(buf.count - offset, chunks(i))
                    engine.process(UnsafeBufferPointer(rebasing: buf[offset..<(offset + n)])) { out.append($0) }
                    offset += n; i += 1
                }
            }
            engine.finish { out.append($0) }
            return out
        }
        var rng = SystemRandomNumberGenerator()
        let whole = try run { _ in audio.count }
        let random = try run { _ in Int.random(in: 1...2000, using: &rng) }
        let single = try run { _ in 1 }
        // Compare summaries, not the arrays, so a failure prints a short message.
        let describe = { (ds: [Detection]) in ds.map { "\($0.keyword)@\($0.audioTime):\($0.score)" } }
        #expect(describe(whole) == describe(random))
        #expect(describe(whole) == describe(single))
        #expect(whole.count >= 20, "only \(whole.count) detections to compare")
    }

    @Test func detectionLatencyComesFromTheInjectedClock() throws {
        // A clock that moves 1 µs per reading: each stage between two readings takes exactly 1 µs,
        // so detections report features = inference = 1 µs and the totals add up.
        final class Ticker { var now: UInt64 = 5_000_000; func read() -> UInt64 { now += 1_000; return now } }
        let ticker = Ticker()
        let engine = try Engine(options: EngineOptions(modelPath: try modelWithSidecar(), threshold: 0.0,
                                                       evaluateEveryHops: 4), clock: ticker.read)
        let audio = syntheticAudio(seconds: 3, seed: 3)
        var out: [Detection] = []
        audio.withUnsafeBufferPointer { engine.process($0) { out.append($0) } }
        #expect(out.count >= 10)
        // Several keywords can fire on one inference: the k-th of them has waited k ticks in the decision.
        var k = 0
        for (i, d) in out.enumerated() {
            k = i > 0 && out[i - 1].audioTime == d.audioTime ? k + 1 : 1
            #expect(d.latency == DetectionLatency(features: 1e-6, inference: 1e-6, decision: Double(k * 1_000) / 1e9))
            #expect(d.latency.fields.map(\.0) == ["features", "inference", "decision"])
        }
        let t = engine.totals
        // One feature span per hop-sized piece (3 s = 300 pieces of 160 samples), one inference span per run.
        #expect(t.featureNanos == UInt64(audio.count / engine.hopLength) * 1_000)
        let wl = engine.manifest.features.windowLength
        let expected = (0..<t.hops).filter { Engine.evaluates(frameEnd: wl + $0 * engine.hopLength, hopLength: engine.hopLength, every: 4) }.count
        #expect(expected == t.hops / 4 || expected == t.hops / 4 + 1)
        #expect(t.inferences == expected)
        #expect(t.inferenceNanos == UInt64(t.inferences) * 1_000)
        // Decision span: the makeDetection readings fall inside it, one extra tick per detection.
        #expect(t.decisionNanos == UInt64(t.inferences + out.count) * 1_000)
    }

    @Test func decisionsFallOnStrideBoundariesOfTheAudio() {
        // 480-sample frames every 320 samples, evaluated every 3 hops (960 samples): frame k ends at
        // 480 + 320k; the frames that are newest when a multiple of 960 arrives are k = 1, 4, 7 ...
        // (ends 800, 1760, 2720), each within one hop before its boundary.
        let picked = (0..<12).filter { Engine.evaluates(frameEnd: 480 + 320 * $0, hopLength: 320, every: 3) }
        #expect(picked == [1, 4, 7, 10])
        // Every hop when the stride is one hop; exactly one frame per stride for any phase.
        #expect((0..<50).allSatisfy { Engine.evaluates(frameEnd: 400 + 160 * $0, hopLength: 160, every: 1) })
        for (wl, hop, n) in [(480, 320, 3), (640, 320, 2), (400, 160, 5), (512, 256, 7), (480, 320, 10)] {
            let frames = (0..<(n * 40)).filter { Engine.evaluates(frameEnd: wl + hop * $0, hopLength: hop, every: n) }
            #expect(frames.count == 40 || frames.count == 41, "wl \(wl) hop \(hop) every \(n)")
            #expect(zip(frames, frames.dropFirst()).allSatisfy { $1 - $0 == n })
            for k in frames {
                let end = wl + hop * k
                let boundary = (end + n * hop - 1) / (n * hop) * (n * hop)
                #expect(boundary - end < hop)
            }
        }
    }

    @Test func missingSidecarNamesIt() throws {
        let path = try modelWithSidecar(sidecar: nil)
        #expect { try Engine(options: EngineOptions(modelPath: path)) } throws: { e in
            "\(e)".contains("m.json") && "\(e)".contains("sidecar")
        }
    }

    @Test func badSidecarsAreOneLineErrors() throws {
        let cases: [(String, String)] = [
            ("{", "not JSON"),
            (#"{"labels": ["a"]}"#, "missing key 'features'"),
            (mlperfSidecar.replacingOccurrences(of: "\"yes\",", with: ""), "11 labels"),
            (mlperfSidecar.replacingOccurrences(of: "\"fftSize\": 512", with: "\"fftSize\": 500"), "power of two"),
        ]
        for (text, needle) in cases {
            let path = try modelWithSidecar(sidecar: text)
            #expect { try Engine(options: EngineOptions(modelPath: path)) } throws: { e in
                let s = "\(e)"
                return s.contains(needle) && !s.contains("\n")
            }
        }
    }

    @Test func unknownKeywordIsRefused() throws {
        let path = try modelWithSidecar()
        #expect { try Engine(options: EngineOptions(modelPath: path, keywords: ["alexa"])) } throws: { e in
            "\(e)".contains("no keyword 'alexa'")
        }
    }
}
