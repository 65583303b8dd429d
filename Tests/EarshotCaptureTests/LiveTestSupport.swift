import Foundation
import Synchronization
@testable import EarshotCapture

/// What a test capture run delivered.
struct LiveRun {
    var samples: [Float]
    var stamps: [UInt64]
    var startSamples: [Int]
    var statistics: LiveCaptureStatistics
    var parameters: PCMParameters
    var events: [String]
}

/// Collects hops and events from a capture run (allocation here is fine: this is test code).
final class LiveCollector: @unchecked Sendable {
    private let state = Mutex<(samples: [Float], stamps: [UInt64], starts: [Int], events: [String])>(([], [], [], []))
    func add(_ hop: LiveHop) {
        state.withLock {
            $0.samples.append(contentsOf: hop.samples)
            $0.stamps.append(hop.lastSampleCapturedAt)
            $0.starts.append(hop.startSample)
        }
    }
    func event(_ e: LiveCaptureEvent) { state.withLock { $0.events.append("\(e)") } }
    var snapshot: (samples: [Float], stamps: [UInt64], starts: [Int], events: [String]) { state.withLock { $0 } }
}

/// Runs a capture until `maxCapturedSamples` (set in `options`) or `timeout` seconds.
func runCapture(options: LiveCaptureOptions, backend: any PCMBackend, timeout: Double = 20,
                perHop: (@Sendable () -> Void)? = nil) throws -> LiveRun {
    let collector = LiveCollector()
    let capture = LiveCapture(options: options, backend: backend, onEvent: { collector.event($0) })
    let params = try capture.start { hop in
        collector.add(hop)
        perHop?()
    }
    if !capture.waitUntilFinished(timeout: timeout) {
        capture.stop()
        capture.waitUntilFinished()
    }
    let s = collector.snapshot
    return LiveRun(samples: s.samples, stamps: s.stamps, startSamples: s.starts,
                   statistics: capture.statistics, parameters: params, events: s.events)
}

/// The float the capture should deliver for frame `f` of the scripted/raw mono test signal.
func expectedSample(_ f: Int) -> Float { Float(ScriptedPCMBackend.defaultSignal(f, 0)) / 32768 }

/// Writes `frames` frames × `channels` of the default test signal as raw little-endian `format` data.
func writeRawSignal(to path: String, frames: Int, channels: Int, format: PCMSampleFormat,
                    signal: (Int, Int) -> Int16 = ScriptedPCMBackend.defaultSignal) throws {
    var data = Data(capacity: frames * channels * format.bytesPerSample)
    for f in 0..<frames {
        for c in 0..<channels {
            let v = signal(f, c)
            switch format {
            case .s16: withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
            case .s32: withUnsafeBytes(of: (Int32(v) << 16).littleEndian) { data.append(contentsOf: $0) }
            case .s24: withUnsafeBytes(of: (Int32(v) << 8).littleEndian) { data.append(contentsOf: $0) }
            case .s24Packed:
                let u = UInt32(bitPattern: Int32(v) << 8)
                data.append(contentsOf: [UInt8(truncatingIfNeeded: u), UInt8(truncatingIfNeeded: u >> 8),
                                         UInt8(truncatingIfNeeded: u >> 16)])
            case .float32: withUnsafeBytes(of: (Float(v) / 32768).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
    }
    try data.write(to: URL(fileURLWithPath: path))
}

func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "earshot-alsa-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
}

/// Nil when `got` equals the first `count` samples of the test signal; otherwise a short account of
/// the first difference (never the whole arrays, which would flood the test log).
func signalMismatch(_ got: [Float], count: Int) -> String? {
    if got.count != count { return "got \(got.count) samples, expected \(count)" }
    for i in 0..<count where got[i] != expectedSample(i) {
        return "sample \(i): got \(got[i]), expected \(expectedSample(i))"
    }
    return nil
}
