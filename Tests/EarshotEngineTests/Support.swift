import Foundation
import EarshotEngine

/// The repository root, found from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The MLPerf Tiny DS-CNN (a test fixture of the model tests).
let mlperfModel = repoRoot.appendingPathComponent("Tests/EarshotModelTests/Fixtures/mlperf-tiny-kws-ds-cnn-int8.tflite").path

/// The MLPerf model's sidecar: the MLPerf Tiny front end and its twelve classes.
let mlperfSidecar = """
{"features": {"sampleRate": 16000, "windowLength": 480, "window": "hann", "hopLength": 320, "fftSize": 512,
  "spectrum": "magnitude", "melBands": 40, "melLowHz": 20, "melHighHz": 4000, "logFloor": 1e-6,
  "dctScale": 0.22360679774997896, "coefficients": 10},
 "labels": ["down","go","left","no","off","on","right","stop","up","yes","_silence_","_unknown_"],
 "thresholds": {"down":0.6,"go":0.6,"left":0.6,"no":0.6,"off":0.6,"on":0.6,"right":0.6,"stop":0.6,"up":0.6,"yes":0.6},
 "evaluateEveryHops": 2, "smoothingInferences": 2, "refractorySeconds": 0.8}
"""

/// A fresh temporary folder.
func temporaryFolder() -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-engine-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// Copies a model into a temp folder with the given sidecar text; returns the model path.
func modelWithSidecar(_ model: String = mlperfModel, sidecar: String? = mlperfSidecar) throws -> String {
    let dir = temporaryFolder()
    let dst = dir.appendingPathComponent("m.tflite")
    try FileManager.default.copyItem(atPath: model, toPath: dst.path)
    if let s = sidecar { try Data(s.utf8).write(to: dir.appendingPathComponent("m.json")) }
    return dst.path
}

/// Deterministic pseudo-random audio: speech-like bursts of filtered noise, then silence.
func syntheticAudio(seconds: Double, rate: Int = 16000, seed: UInt64 = 1) -> [Float] {
    var s = seed
    var out = [Float](repeating: 0, count: Int(seconds * Double(rate)))
    var prev: Float = 0
    for i in out.indices {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        let white = Float(Int64(bitPattern: s >> 11) % 65536) / 65536
        let envelope: Float = (i / (rate / 4)) % 3 == 0 ? 0.3 : 0.02
        prev = 0.7 * prev + 0.3 * white
        out[i] = envelope * prev + 0.1 * envelope * sinf(Float(i) * 0.05 * (1 + Float(i % 800) / 800))
    }
    return out
}

/// Writes 16-bit PCM mono WAV.
func writeWAV(_ samples: [Float], rate: Int = 16000, to url: URL) throws {
    var d = Data()
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + samples.count * 2)); d.append(contentsOf: Array("WAVE".utf8))
    d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(UInt32(rate)); u32(UInt32(rate * 2)); u16(2); u16(16)
    d.append(contentsOf: Array("data".utf8)); u32(UInt32(samples.count * 2))
    for x in samples { u16(UInt16(bitPattern: Int16(max(-32768, min(32767, (x * 32767).rounded()))))) }
    try d.write(to: url)
}
