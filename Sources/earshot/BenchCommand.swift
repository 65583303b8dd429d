import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import EarshotAccounting
import EarshotEngine
import EarshotEvents
import EarshotFeatures
import EarshotModel

/// `earshot bench`: measure the pipeline's speed and memory on this machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure feature time, inference time, real-time factor and memory on one core.",
        discussion: """
        Runs on synthetic audio (no microphone, no data needed): the MFCC front end alone, the \
        network alone, the whole engine, and `score` on a WAV file (decode + resample + engine), \
        each on one thread. Prints figures per second of audio, in wall-clock time and in CPU time \
        (the thread's, or the process's for `score`), which other jobs on the machine do not inflate.
        """)

    @Option(name: .shortAndLong, help: "The .tflite model (default: the shipped model).")
    var model: String?

    @Option(help: "Seconds of synthetic audio per measurement.")
    var seconds: Double = 600

    @Option(name: .customLong("evaluate-every"), help: "Run the network every N hops (default: the model's).")
    var evaluateEvery: Int?

    @Option(help: "Output format: text or json.")
    var format: BenchFormat = .text

    @Flag(name: .customLong("no-streaming"), help: "Run the whole network at every inference even when the model can stream.")
    var noStreaming = false

    func validate() throws {
        if !(seconds >= 1 && seconds <= 36_000) { throw ValidationError("--seconds must be in 1...36000") }
    }

    func run() throws {
        let path = model ?? ModelLocator.defaultModelPath()
        let options = EngineOptions(modelPath: path, evaluateEveryHops: evaluateEvery, streaming: !noStreaming)
        let engine: Engine
        do { engine = try Engine(options: options) } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let rate = engine.sampleRate
        let audio = benchAudio(seconds: seconds, rate: rate)
        var figures: [(String, String, Double)] = []   // key, unit, value

        // 1. Features alone.
        let mfcc = try MFCC(config: engine.manifest.features)
        var frames = 0
        let (featureSeconds, featureCPU) = timed {
            forEachBlock(of: audio) { block in mfcc.process(block) { _ in frames += 1 } }
        }
        figures.append(("features_ms_per_audio_second", "ms", featureSeconds * 1000 / seconds))
        figures.append(("features_cpu_ms_per_audio_second", "ms", featureCPU * 1000 / seconds))
        figures.append(("features_us_per_hop", "µs", featureSeconds * 1e6 / Double(max(1, frames))))

        // 2. The network alone.
        let interp = engine.interpreter
        let input = interp.inputBuffer
        for i in 0..<input.count { input[i] = Int8(truncatingIfNeeded: i &* 37) }
        let reps = max(200, Int(seconds * Double(rate) / Double(engine.hopLength) / Double(engine.evaluateEveryHops)))
        let (inferenceSeconds, inferenceCPU) = timed { for _ in 0..<reps { interp.invoke() } }
        let perInference = inferenceSeconds / Double(reps)
        let perInferenceCPU = inferenceCPU / Double(reps)
        let inferencesPerSecond = Double(rate) / Double(engine.hopLength * engine.evaluateEveryHops)
        figures.append(("inference_us", "µs", perInference * 1e6))
        figures.append(("inference_cpu_us", "µs", perInferenceCPU * 1e6))
        figures.append(("inferences_per_audio_second", "", inferencesPerSecond))
        figures.append(("inference_ms_per_audio_second", "ms", perInference * inferencesPerSecond * 1000))
        figures.append(("inference_cpu_ms_per_audio_second", "ms", perInferenceCPU * inferencesPerSecond * 1000))
        if interp.streamingOpCount > 0 {
            // Streaming steps: the leading time convolutions compute only the new rows (same bytes).
            interp.invoke()
            let (streamSeconds, streamCPU) = timed {
                for _ in 0..<reps { interp.invoke(newFrames: interp.streamingFrames) }
            }
            figures.append(("inference_streamed_us", "µs", streamSeconds * 1e6 / Double(reps)))
            figures.append(("inference_streamed_cpu_us", "µs", streamCPU * 1e6 / Double(reps)))
            figures.append(("inference_streamed_cpu_ms_per_audio_second", "ms", streamCPU / Double(reps) * inferencesPerSecond * 1000))
        }

        // 3. The whole engine (features + window + network + detector).
        engine.reset()
        var detections = 0
        let (engineSeconds, engineCPU) = timed {
            forEachBlock(of: audio) { block in engine.process(block) { _ in detections += 1 } }
        }
        figures.append(("engine_ms_per_audio_second", "ms", engineSeconds * 1000 / seconds))
        figures.append(("engine_real_time_factor", "×", seconds / engineSeconds))
        figures.append(("engine_cpu_real_time_factor", "×", seconds / engineCPU))

        // 4. `score` on a WAV file, one worker: decoding + resampling + engine.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-bench-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("bench-44k1-stereo.wav")
        let fileSeconds = min(seconds, 120)
        try writeBenchWAV(audio: audio, rate: rate, seconds: fileSeconds, to: wav)
        let scorer = try BatchScorer(options: options, jobs: 1)
        let before = CPUUsage.now()
        let outcome = UnsafeSendableBox<FileOutcome?>(nil)
        scorer.run(files: [wav.path]) { _, o in outcome.value = o }
        let scoreUsage = CPUUsage.now().since(before)   // process CPU: the scorer runs on a worker thread
        if case .failed(_, let reason)? = outcome.value { Terminal.error("bench file: \(reason)") }
        figures.append(("score_real_time_factor_44k1_stereo_wav", "×", fileSeconds / scoreUsage.wall))
        figures.append(("score_cpu_real_time_factor_44k1_stereo_wav", "×", fileSeconds / scoreUsage.process))

        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        figures.append(("peak_resident_mib", "MiB", Double(ru.ru_maxrss) / 1024))
        let summary = ModelSummary(interpreter: interp)
        figures.append(("arena_bytes", "B", Double(summary.arenaBytes)))
        figures.append(("parameter_bytes", "B", Double(summary.parameterBytes)))
        figures.append(("macs_per_inference", "", Double(summary.macsPerInference)))
        if interp.streamingOpCount > 0, let macs = summary.streamedMACs(frames: interp.streamingFrames) {
            figures.append(("macs_per_streamed_inference", "", Double(macs)))
        }

        switch format {
        case .json:
            let body = figures.map { "\(jsonString($0.0)):\(fixed($0.2, 4))" }.joined(separator: ",")
            Terminal.out("{\"model\":\(jsonString(path)),\"audio_seconds\":\(fixed(seconds, 1)),\(body)}")
        case .text:
            Terminal.out("earshot bench: \(path), \(fixed(seconds, 0)) s of synthetic audio, one thread")
            for (k, unit, v) in figures {
                Terminal.out(pad(k.replacingOccurrences(of: "_", with: " "), 42) + lpad(fixed(v, v >= 100 ? 0 : 4), 12) + " " + unit)
            }
        }
    }
}

/// Wall-clock and calling-thread CPU seconds spent in `body`.
func timed(_ body: () -> Void) -> (wall: Double, cpu: Double) {
    let w0 = monotonicNanos()
    let c0 = CPUUsage.currentThreadSeconds()
    body()
    return (Double(monotonicNanos() - w0) / 1e9, CPUUsage.currentThreadSeconds() - c0)
}

/// Calls `body` with consecutive blocks of at most 4096 samples of `audio`, as a file reader would.
func forEachBlock(of audio: [Float], _ body: (UnsafeBufferPointer<Float>) -> Void) {
    audio.withUnsafeBufferPointer { buf in
        var off = 0
        while off < buf.count {
            let n = min(4096, buf.count - off)
            body(UnsafeBufferPointer(rebasing: buf[off..<(off + n)]))
            off += n
        }
    }
}

/// Bench output formats.
enum BenchFormat: String, ExpressibleByArgument { case text, json }

/// A mutable box passed into a @Sendable callback that runs serialized.
final class UnsafeSendableBox<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}

/// Deterministic speech-like audio: noise bursts and tones at a conversational level.
func benchAudio(seconds: Double, rate: Int) -> [Float] {
    var s: UInt64 = 0x9E3779B97F4A7C15
    var prev: Float = 0
    let n = Int(seconds * Double(rate))
    var out = [Float](repeating: 0, count: n)
    for i in 0..<n {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        let white = Float(Int64(bitPattern: s >> 11) % 65536) / 65536
        prev = 0.8 * prev + 0.2 * white
        let burst: Float = (i / (rate / 3)) % 4 == 0 ? 0.25 : 0.01
        out[i] = burst * (prev + 0.3 * sinf(Float(i) * (0.03 + 0.02 * Float(i % 4000) / 4000)))
    }
    return out
}

/// Writes the audio as a 44.1 kHz stereo 16-bit WAV (linear interpolation up from `rate`),
/// so that the file benchmark includes real decoding, down-mixing and resampling.
func writeBenchWAV(audio: [Float], rate: Int, seconds: Double, to url: URL) throws {
    let outRate = 44100
    let frames = Int(seconds * Double(outRate))
    var d = Data(capacity: 44 + frames * 4)
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + frames * 4)); d.append(contentsOf: Array("WAVE".utf8))
    d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(2); u32(UInt32(outRate)); u32(UInt32(outRate * 4)); u16(4); u16(16)
    d.append(contentsOf: Array("data".utf8)); u32(UInt32(frames * 4))
    for i in 0..<frames {
        let pos = Double(i) * Double(rate) / Double(outRate)
        let j = min(Int(pos), audio.count - 2)
        let f = Float(pos - Double(j))
        let x = audio[j] * (1 - f) + audio[j + 1] * f
        let v = UInt16(bitPattern: Int16(max(-32768, min(32767, (x * 32767).rounded()))))
        u16(v); u16(v)
    }
    try d.write(to: url)
}
