import EarshotEngine
import Foundation
import Synchronization
import Testing
@testable import EarshotCapture

/// Audio fed through real ALSA (the `file` plugin) and delivered in hops gives the engine exactly
/// the detections it gives on the same samples read from the file (what `earshot score` does).
@Suite struct LiveEngineTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The MLPerf Tiny DS-CNN fixture with a sidecar whose low thresholds make it fire often, so
    /// that the comparison covers many detections.
    private func model() throws -> String {
        let fixture = Self.repoRoot.appendingPathComponent("Tests/EarshotModelTests/Fixtures/mlperf-tiny-kws-ds-cnn-int8.tflite").path
        let dir = NSTemporaryDirectory() + "earshot-alsa-engine-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture, toPath: dir + "/m.tflite")
        let sidecar = """
        {"features": {"sampleRate": 16000, "windowLength": 480, "window": "hann", "hopLength": 320, "fftSize": 512,
          "spectrum": "magnitude", "melBands": 40, "melLowHz": 20, "melHighHz": 4000, "logFloor": 1e-6,
          "dctScale": 0.22360679774997896, "coefficients": 10},
         "labels": ["down","go","left","no","off","on","right","stop","up","yes","_silence_","_unknown_"],
         "thresholds": {"down":0.2,"go":0.2,"left":0.2,"no":0.2,"off":0.2,"on":0.2,"right":0.2,"stop":0.2,"up":0.2,"yes":0.2},
         "evaluateEveryHops": 4, "smoothingInferences": 1, "refractorySeconds": 0.3}
        """
        try Data(sidecar.utf8).write(to: URL(fileURLWithPath: dir + "/m.json"))
        return dir + "/m.tflite"
    }

    /// Decodes a 16-bit clip to Float (exactly k/32768).
    private func decode(_ path: String) throws -> [Float] {
        let reader = try AudioFileReader(path: path)
        var out: [Float] = []
        var block = [Float](repeating: 0, count: 4096)
        while true {
            let n = try block.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
            if n == 0 { break }
            out.append(contentsOf: block[0..<n])
        }
        return out
    }

    private final class Box: @unchecked Sendable {
        let engine: Engine
        var detections: [String] = []
        init(_ e: Engine) { engine = e }
    }

    @Test func alsaCaptureGivesTheSameDetectionsAsTheFile() throws {
        let modelPath = try model()
        let clips = ["Audio/mix-keywords-digit.wav"]
        var samples: [Float] = []
        for c in clips { samples += try decode(Self.repoRoot.appendingPathComponent(c).path) }
        samples += [Float](repeating: 0, count: (320 - samples.count % 320) % 320)

        // Reference: the engine on the decoded samples.
        let reference = try Engine(options: EngineOptions(modelPath: modelPath))
        var expected: [String] = []
        samples.withUnsafeBufferPointer { buf in
            reference.process(buf) { expected.append("\($0.keyword) \($0.score) \($0.audioTime)") }
        }
        #expect(expected.count >= 3, "\(expected)")

        // Live: the same samples as raw S16_LE through ALSA's file plugin, hop by hop.
        let raw = temporaryPath("engine.raw")
        defer { unlink(raw) }
        var bytes = Data(capacity: samples.count * 2)
        for x in samples {
            let v = Int16(exactly: x * 32768) ?? 0
            withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
        }
        try bytes.write(to: URL(fileURLWithPath: raw))
        let box = Box(try Engine(options: EngineOptions(modelPath: modelPath)))
        let request = PCMRequest(device: "alsa_engine", configText: ALSADevices.fileCaptureConfig(name: "alsa_engine", rawFile: raw),
                                 format: .s16)
        // A ring holding the whole clip: the file device runs faster than real time.
        let capture = LiveCapture(options: LiveCaptureOptions(request: request, hopLength: box.engine.hopLength,
                                                              ringSeconds: Double(samples.count) / 16000 + 1,
                                                              maxCapturedSamples: samples.count))
        try capture.start { hop in
            box.engine.process(hop.samples) { box.detections.append("\($0.keyword) \($0.score) \($0.audioTime)") }
        }
        capture.waitUntilFinished()
        #expect(capture.statistics.droppedSamples == 0)
        #expect(capture.statistics.samplesDelivered == samples.count)
        #expect(box.detections == expected)
    }
}
