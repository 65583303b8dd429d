import Foundation
import Testing
import AllocationCounting
@testable import EarshotEngine
import EarshotEvents

/// `EngineOptions.sweepThresholds` (`earshot score --sweep`): one pass, one detector per threshold.
@Suite(.serialized) struct SweepTests {
    /// Detections of one engine over `audio`, fed in uneven chunks, then finished.
    func detections(_ options: EngineOptions, _ audio: [Float]) throws -> [Detection] {
        let engine = try Engine(options: options)
        var out: [Detection] = []
        audio.withUnsafeBufferPointer { buf in
            var offset = 0
            while offset < buf.count {
                let n = min(buf.count - offset, 500 + offset % 1300)
                engine.process(UnsafeBufferPointer(rebasing: buf[offset..<(offset + n)])) { out.append($0) }
                offset += n
            }
        }
        engine.finish { out.append($0) }
        return out
    }

    @Test func sweepGivesEachThresholdsOwnRun() throws {
        let path = try modelWithSidecar()
        let audio = syntheticAudio(seconds: 6, seed: 11)
        let ladder: [Float] = [0.02, 0.05, 0.1, 0.3, 0.6]
        let base = EngineOptions(modelPath: path, evaluateEveryHops: 2, smoothingInferences: 2, refractorySeconds: 0.3)
        var sweepOptions = base
        sweepOptions.sweepThresholds = ladder
        let swept = try detections(sweepOptions, audio)
        #expect(swept.allSatisfy { $0.sweepThreshold != nil })
        let describe = { (ds: [Detection]) in ds.map { "\($0.keyword)@\($0.audioTime):\($0.score)" } }
        var compared = 0
        for t in ladder {
            var one = base
            one.threshold = t
            let alone = try detections(one, audio)
            #expect(alone.allSatisfy { $0.sweepThreshold == nil })
            #expect(describe(swept.filter { $0.sweepThreshold == t }) == describe(alone), "threshold \(t)")
            compared += alone.count
        }
        #expect(compared >= 10, "only \(compared) detections to compare")
        #expect(swept.count == compared)
    }

    @Test func sweepAllocatesNothingPerHop() throws {
        var options = EngineOptions(modelPath: try modelWithSidecar(), evaluateEveryHops: 10)
        options.sweepThresholds = [0.0, 0.01, 0.5, 0.99]
        let engine = try Engine(options: options)
        let audio = syntheticAudio(seconds: 2)
        var detections = 0
        audio.withUnsafeBufferPointer { engine.process($0) { _ in detections += 1 } }
        let mallocs = countMallocs {
            audio.withUnsafeBufferPointer { buf in
                for _ in 0..<10 { engine.process(buf) { _ in detections += 1 } }
            }
        }
        #expect(mallocs == 0, "allocations while processing: \(mallocs)")
        #expect(detections > 0)
    }

    @Test func sweepThresholdOutsideZeroToOneIsRefused() throws {
        var options = EngineOptions(modelPath: try modelWithSidecar())
        options.sweepThresholds = [0.5, 1.5]
        #expect(throws: EngineError.self) { _ = try Engine(options: options) }
    }

    @Test func jsonCarriesTheThreshold() {
        var d = Detection(file: "a.wav", keyword: "alexa", score: 0.91, audioTime: 1.5)
        #expect(!DetectionFormat.json.line(d).contains("threshold"))
        d.sweepThreshold = 0.875
        #expect(DetectionFormat.json.line(d).contains("\"threshold\":0.8750"))
        #expect(DetectionFormat.text.line(d).contains("threshold 0.8750"))
    }
}
