import Foundation
import Testing
@testable import EarshotEngine
import EarshotEvents

/// The streamable test network (stride-1 VALID time convolutions, 40 frames in, 6 outputs).
let streamTCNModel = repoRoot.appendingPathComponent("Tests/EarshotModelTests/Fixtures/stream_tcn.tflite").path

/// A sidecar for it: the MLPerf front end, six labels, all keywords.
let streamTCNSidecar = """
{"features": {"sampleRate": 16000, "windowLength": 480, "window": "hann", "hopLength": 320, "fftSize": 512,
  "spectrum": "magnitude", "melBands": 40, "melLowHz": 20, "melHighHz": 4000, "logFloor": 1e-6,
  "dctScale": 0.22360679774997896, "coefficients": 10},
 "labels": ["a","b","c","d","e","f"],
 "thresholds": {"a":0.5,"b":0.5,"c":0.5,"d":0.5,"e":0.5,"f":0.5},
 "evaluateEveryHops": 1, "smoothingInferences": 1, "refractorySeconds": 0.0}
"""

@Suite struct StreamingEngineTests {
    /// The network's output bytes after each piece of `chunk` samples of 8 s of audio.
    func outputs(streaming: Bool, every: Int, chunk: Int, engine reuse: Engine? = nil,
                 seed: UInt64 = 3) throws -> (Engine, [[Int8]]) {
        let path = try modelWithSidecar(streamTCNModel, sidecar: streamTCNSidecar)
        let engine = try reuse ?? Engine(options: EngineOptions(modelPath: path, evaluateEveryHops: every,
                                                                streaming: streaming))
        // Louder than the default so the random network's features vary from frame to frame.
        let audio = syntheticAudio(seconds: 8, seed: seed).map { $0 * 3 }
        var out: [[Int8]] = []
        audio.withUnsafeBufferPointer { buf in
            var offset = 0
            while offset < buf.count {
                let n = min(buf.count - offset, chunk)
                engine.process(UnsafeBufferPointer(rebasing: buf[offset..<(offset + n)])) { _ in }
                out.append(Array(engine.interpreter.outputBuffer))
                offset += n
            }
        }
        return (engine, out)
    }

    @Test(arguments: [(1, 320), (1, 333), (2, 700), (3, 160), (5, 4096)])
    func streamingEngineComputesTheSameOutputsAsFullInference(_ every: Int, _ chunk: Int) throws {
        let (streamed, a) = try outputs(streaming: true, every: every, chunk: chunk)
        let (full, b) = try outputs(streaming: false, every: every, chunk: chunk)
        #expect(streamed.interpreter.streamingOpCount == 5)
        #expect(streamed.interpreter.streamingFrames == every)
        #expect(full.interpreter.streamingOpCount == 0)
        #expect(streamed.totals.inferences == full.totals.inferences)
        #expect(Set(a).count > 10, "the outputs should vary over the audio")
        let firstDifference = Array(zip(a, b)).firstIndex { $0.0 != $0.1 }
        #expect(a.count == b.count && firstDifference == nil, "first difference after piece \(firstDifference ?? -1)")
    }

    @Test func resetStartsTheStreamAfresh() throws {
        // A second file through the same engine (as the batch scorer does) equals a fresh engine.
        let (engine, _) = try outputs(streaming: true, every: 1, chunk: 320, seed: 5)
        engine.reset()
        let (_, again) = try outputs(streaming: true, every: 1, chunk: 320, engine: engine, seed: 6)
        let (_, fresh) = try outputs(streaming: false, every: 1, chunk: 320, seed: 6)
        // The first piece (320 samples) completes no frame, so no inference has written the output yet.
        #expect(again.count == fresh.count && again.dropFirst().elementsEqual(fresh.dropFirst()))
    }
}
