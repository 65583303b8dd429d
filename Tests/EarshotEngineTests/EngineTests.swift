import Foundation
import Testing
import MallocInterposerSwift
@testable import EarshotEngine
import EarshotEvents

@Suite(.serialized) struct EngineTests {
    @Test func zeroAllocationsPerHop() throws {
        let engine = try Engine(options: EngineOptions(modelPath: try modelWithSidecar(), threshold: 0.0,
                                                       evaluateEveryHops: 1))
        let audio = syntheticAudio(seconds: 2)
        var detections = 0
        // Warm up once so lazily initialised runtime state (e.g. FFTW, Swift metadata) exists.
        audio.withUnsafeBufferPointer { engine.process($0) { _ in detections += 1 } }

        MallocInterposerSwift.initialize()
        // Prove the interposer sees allocations in this process before trusting a zero.
        MallocInterposerSwift.reset()
        MallocInterposerSwift.hook()
        let probe = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        MallocInterposerSwift.unhook()
        probe.deallocate()
        #expect(MallocInterposerSwift.getStatistics().mallocCount >= 1)

        let hopsBefore = engine.totals.hops
        MallocInterposerSwift.reset()
        MallocInterposerSwift.hook()
        audio.withUnsafeBufferPointer { buf in
            for _ in 0..<30 {  // 60 s of audio: 3,000 hops, 3,000 inferences
                var offset = 0
                while offset < buf.count {
                    let n = min(buf.count - offset, 160 + offset % 700)
                    engine.process(UnsafeBufferPointer(rebasing: buf[offset..<(offset + n)])) { _ in detections += 1 }
                    offset += n
                }
            }
        }
        MallocInterposerSwift.unhook()
        let stats = MallocInterposerSwift.getStatistics()
        #expect(engine.totals.hops - hopsBefore >= 2_900)
        #expect(stats.mallocCount == 0, "allocations while processing: \(stats.mallocCount)")
    }

    @Test func detectionsDoNotDependOnChunkSize() throws {
        let path = try modelWithSidecar()
        let audio = syntheticAudio(seconds: 6, seed: 7)
        func run(chunks: (Int) -> Int) throws -> [Detection] {
            let engine = try Engine(options: EngineOptions(modelPath: path, threshold: 0.3, evaluateEveryHops: 1))
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
        #expect(whole == random)
        #expect(whole == single)
        #expect(!whole.isEmpty, "threshold 0.3 on noise bursts should give some detections to compare")
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
