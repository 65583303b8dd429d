#if canImport(Glibc)
import Glibc
#endif
import EarshotFeatures
import EarshotModel
import EarshotDetector
import EarshotEvents

/// Choices a user can make on top of the model's sidecar defaults.
public struct EngineOptions: Sendable {
    /// Path of the .tflite model (its sidecar `.json` must sit next to it).
    public var modelPath: String
    /// One threshold for every keyword, overriding the sidecar's.
    public var threshold: Float?
    /// Per-keyword thresholds, overriding `threshold` and the sidecar.
    public var keywordThresholds: [String: Float]
    /// Run the network every this many hops (nil: the sidecar's value).
    public var evaluateEveryHops: Int?
    /// Inferences averaged before thresholding (nil: the sidecar's value).
    public var smoothingInferences: Int?
    /// Hold-off after a detection in seconds (nil: the sidecar's value).
    public var refractorySeconds: Double?
    /// Hold each detection until its hold-off ends and report its peak score (for threshold sweeps).
    public var reportPeak: Bool
    /// Listen only for these keywords (nil: all of the model's keywords).
    public var keywords: [String]?
    /// Run the model's leading time convolutions incrementally when it allows (same outputs,
    /// less work; see `Interpreter.invoke(newFrames:)`); false runs the whole network each time.
    public var streaming: Bool
    /// Threshold sweep: one detector per threshold (every keyword at that threshold), all fed the same
    /// posteriors, each detection stamped with its threshold (`Detection.sweepThreshold`); nil: the one
    /// detector of the other options. Gives exactly the detections of one run per threshold at the cost of one.
    public var sweepThresholds: [Float]?

    /// Creates options for a model path with sidecar defaults for everything else.
    public init(modelPath: String, threshold: Float? = nil, keywordThresholds: [String: Float] = [:],
                evaluateEveryHops: Int? = nil, smoothingInferences: Int? = nil, refractorySeconds: Double? = nil,
                reportPeak: Bool = false, keywords: [String]? = nil, streaming: Bool = true,
                sweepThresholds: [Float]? = nil) {
        self.modelPath = modelPath; self.threshold = threshold; self.keywordThresholds = keywordThresholds
        self.evaluateEveryHops = evaluateEveryHops; self.smoothingInferences = smoothingInferences
        self.refractorySeconds = refractorySeconds; self.reportPeak = reportPeak; self.keywords = keywords
        self.streaming = streaming
        self.sweepThresholds = sweepThresholds
    }
}

/// Processing time spent per stage, in nanoseconds, with counts.
public struct StageTotals: Sendable, Equatable {
    /// Hops (feature frames) computed.
    public var hops = 0
    /// Inferences run.
    public var inferences = 0
    /// Samples consumed.
    public var samples = 0
    /// Time in the MFCC front end.
    public var featureNanos: UInt64 = 0
    /// Time in the network.
    public var inferenceNanos: UInt64 = 0
    /// Time in smoothing and decisions.
    public var decisionNanos: UInt64 = 0
    /// Creates zero totals.
    public init() {}
    /// Adds another run's totals.
    public mutating func add(_ o: StageTotals) {
        hops += o.hops; inferences += o.inferences; samples += o.samples
        featureNanos += o.featureNanos; inferenceNanos += o.inferenceNanos; decisionNanos += o.decisionNanos
    }
}

/// Reads CLOCK_MONOTONIC in nanoseconds.
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// The streaming wake-word engine: samples in, detections out, with fixed memory.
///
/// Samples (mono Float at `sampleRate`) go through the MFCC front end one hop at a time; each
/// frame is quantized into a sliding int8 feature window; once per `evaluateEveryHops` hops of audio
/// (see `evaluates(frameEnd:hopLength:every:)`) the network runs on the window and the detector turns posteriors into detections. Everything is
/// allocated in `init`; `process` allocates nothing.
public final class Engine {
    /// The model's sidecar, with the user's options applied.
    public let manifest: ModelManifest
    /// The detector configuration in force.
    public let detectorConfiguration: DetectorConfiguration
    /// The parsed model.
    public let model: TFLiteModel
    /// The interpreter with its arena.
    public let interpreter: Interpreter
    /// Input sample rate in Hz.
    public var sampleRate: Int { manifest.features.sampleRate }
    /// Samples per hop.
    public var hopLength: Int { manifest.features.hopLength }
    /// Hops between inferences.
    public let evaluateEveryHops: Int
    /// Frames in the model's input window.
    public let windowFrames: Int
    /// Keyword names in detector order.
    public let keywords: [String]
    /// Time spent per stage since the last `reset()`.
    public private(set) var totals = StageTotals()

    private let mfcc: MFCC
    private let coefficients: Int
    private let ring: UnsafeMutableBufferPointer<Int8>
    private var ringStart = 0
    private let posteriors: UnsafeMutableBufferPointer<Float>
    private let silenceFrame: UnsafeMutableBufferPointer<Int8>
    private let zeroHop: UnsafeMutableBufferPointer<Float>
    private let detector: Detector
    /// The sweep's detectors (empty unless `EngineOptions.sweepThresholds`), with their thresholds.
    private let sweepDetectors: [Detector]
    private let sweepThresholds: [Float]
    private let inputScale: Float
    private let inputZeroPoint: Int32
    private let outputScale: Float
    private let outputZeroPoint: Int32
    private var pendingDetections = 0
    /// `totals.hops` at the last inference (0: none since the last reset).
    private var lastInferenceHops = 0
    private let clock: () -> UInt64
    /// Feature nanoseconds of the piece whose frame triggered the current inference.
    private var pieceFeatureNanos: UInt64 = 0
    /// Inference nanoseconds of the current inference.
    private var currentInferenceNanos: UInt64 = 0
    /// Clock reading when the current inference finished (decision time runs from here).
    private var inferenceDoneAt: UInt64 = 0
    /// Current file name stamped on detections (nil for live).
    public var fileName: String?

    /// Loads the model and its sidecar, plans memory and builds every stage.
    /// - Parameter clock: monotonic nanoseconds, injectable for deterministic tests.
    public convenience init(options: EngineOptions, clock: @escaping () -> UInt64 = monotonicNanos) throws(EngineError) {
        let manifest = try ModelManifest.load(forModel: options.modelPath)
        let model: TFLiteModel
        do { model = try TFLiteModel(path: options.modelPath) } catch {
            throw EngineError(error.description.hasPrefix(options.modelPath) ? error.description
                              : "\(options.modelPath): \(error.description)")
        }
        try self.init(model: model, manifest: manifest, options: options, clock: clock)
    }

    /// Builds an engine from an already parsed model and manifest.
    public init(model: TFLiteModel, manifest: ModelManifest, options: EngineOptions,
                clock: @escaping () -> UInt64 = monotonicNanos) throws(EngineError) {
        var manifest = manifest
        let name = options.modelPath
        self.model = model
        self.clock = clock
        // Inputs shaped [1, frames, a, b] with a·b coefficients slide along their frames, so the
        // leading time convolutions can run incrementally (Interpreter.invoke(newFrames:)).
        let every = options.evaluateEveryHops ?? manifest.evaluateEveryHops
        let inShape = model.inputInfos.first?.shape ?? []
        let slides = options.streaming && inShape.count == 4 && inShape[0] == 1 && inShape[2] * inShape[3] == manifest.features.coefficients
        do { interpreter = try Interpreter(model: model, streamingFrames: slides && every >= 1 ? every : nil) } catch {
            throw EngineError("\(name): \(error.description)")
        }
        let f = manifest.features
        coefficients = f.coefficients
        let inputCount = interpreter.input.shape.reduce(1, *)
        guard inputCount > 0, inputCount % coefficients == 0 else {
            throw EngineError("\(name): input shape \(interpreter.input.shape) does not hold whole frames of \(coefficients) coefficients")
        }
        windowFrames = inputCount / coefficients
        let outputCount = interpreter.output.shape.reduce(1, *)
        guard outputCount == manifest.labels.count else {
            throw EngineError("\(name): the model has \(outputCount) outputs but the sidecar names \(manifest.labels.count) labels")
        }
        guard interpreter.input.scale > 0, interpreter.input.scale.isFinite,
              interpreter.output.scale > 0, interpreter.output.scale.isFinite else {
            throw EngineError("\(name): input or output tensor has no usable quantization scale")
        }
        inputScale = interpreter.input.scale
        inputZeroPoint = interpreter.input.zeroPoint
        outputScale = interpreter.output.scale
        outputZeroPoint = interpreter.output.zeroPoint

        if let n = options.evaluateEveryHops { manifest.evaluateEveryHops = n }
        if let n = options.smoothingInferences { manifest.smoothingInferences = n }
        if let r = options.refractorySeconds { manifest.refractorySeconds = r }
        guard (1...100).contains(manifest.evaluateEveryHops) else {
            throw EngineError("evaluate every \(manifest.evaluateEveryHops) hops: must be 1...100")
        }
        var chosen = manifest.keywords
        if let only = options.keywords {
            for k in only where !manifest.keywords.contains(k) {
                throw EngineError("\(name): no keyword '\(k)'; the model knows \(manifest.keywords.joined(separator: ", "))")
            }
            chosen = manifest.keywords.filter { only.contains($0) }
        }
        for k in options.keywordThresholds.keys where !manifest.keywords.contains(k) {
            throw EngineError("threshold for '\(k)': the model knows \(manifest.keywords.joined(separator: ", "))")
        }
        let thresholds = chosen.map { options.keywordThresholds[$0] ?? options.threshold ?? manifest.thresholds[$0] ?? 0.5 }
        let dc = DetectorConfiguration(
            labels: manifest.labels,
            keywordIndices: chosen.map { manifest.labels.firstIndex(of: $0)! },
            thresholds: thresholds,
            smoothingInferences: manifest.smoothingInferences,
            refractorySeconds: manifest.refractorySeconds,
            reportPeak: options.reportPeak)
        if let why = dc.validate() { throw EngineError("detector: \(why)") }
        detectorConfiguration = dc
        keywords = chosen
        self.manifest = manifest
        evaluateEveryHops = manifest.evaluateEveryHops
        detector = Detector(configuration: dc)
        let sweep = options.sweepThresholds ?? []
        var sweepers: [Detector] = []
        for t in sweep {
            var c = dc
            c.thresholds = chosen.map { _ in t }
            c.reportPeak = false
            if let why = c.validate() { throw EngineError("sweep: \(why)") }
            sweepers.append(Detector(configuration: c))
        }
        sweepDetectors = sweepers
        sweepThresholds = sweep
        do { mfcc = try MFCC(config: f) } catch { throw EngineError("features: \(error)") }

        ring = .allocate(capacity: windowFrames * coefficients)
        posteriors = .allocate(capacity: outputCount)
        posteriors.initialize(repeating: 0)
        zeroHop = .allocate(capacity: f.hopLength)
        zeroHop.initialize(repeating: 0)
        silenceFrame = .allocate(capacity: coefficients)
        silenceFrame.initialize(repeating: Int8(clamping: inputZeroPoint))
        // The features of digital silence fill the window before audio arrives, as if the stream
        // were preceded by silence (the same padding training applies to short clips).
        if let quiet = try? MFCC(config: f) {
            let zeros = [Float](repeating: 0, count: f.windowLength)
            let sf = silenceFrame
            let (scale, zp) = (inputScale, inputZeroPoint)
            zeros.withUnsafeBufferPointer { z in
                quiet.process(z) { frame in Engine.quantize(frame, into: sf, scale: scale, zeroPoint: zp) }
            }
        }
        ring.initialize(repeating: 0)
        reset()
    }

    deinit {
        ring.deallocate(); posteriors.deallocate(); silenceFrame.deallocate(); zeroHop.deallocate()
    }

    /// Starts a new stream: forgets buffered audio, the feature window and detector state.
    public func reset() {
        mfcc.reset()
        detector.reset()
        for d in sweepDetectors { d.reset() }
        for i in 0..<windowFrames {
            UnsafeMutableRawPointer(ring.baseAddress! + i * coefficients)
                .copyMemory(from: silenceFrame.baseAddress!, byteCount: coefficients)
        }
        ringStart = 0
        interpreter.resetStream()
        lastInferenceHops = 0
        totals = StageTotals()
        pieceFeatureNanos = 0; currentInferenceNanos = 0; inferenceDoneAt = clock()
    }

    /// Seconds of audio consumed since `reset()`.
    public var audioSeconds: Double { Double(totals.samples) / Double(sampleRate) }

    /// Feeds samples (any count); calls `onDetection` for each detection. Allocates nothing.
    public func process(_ samples: UnsafeBufferPointer<Float>, onDetection: (Detection) -> Void) {
        var start = clock()
        // Process in hop-sized pieces so every frame is timed and followed by its inference.
        var offset = 0
        while offset < samples.count {
            let n = min(hopLength, samples.count - offset)
            let piece = UnsafeBufferPointer(rebasing: samples[offset..<(offset + n)])
            offset += n
            totals.samples += n
            var produced = false
            let ringPtr = ring
            let c = coefficients
            var slot = ringStart
            let (scale, zp) = (inputScale, inputZeroPoint)
            let frames = windowFrames
            var frameCount = 0
            mfcc.process(piece) { frame in
                Engine.quantize(frame, into: UnsafeMutableBufferPointer(rebasing: ringPtr[(slot * c)..<(slot * c + c)]),
                                scale: scale, zeroPoint: zp)
                slot = slot + 1 == frames ? 0 : slot + 1
                frameCount += 1
            }
            ringStart = slot
            if frameCount > 0 { produced = true }
            let t1 = clock()
            let featureNanos = t1 > start ? t1 - start : 0
            totals.featureNanos &+= featureNanos
            start = t1
            guard produced else { continue }
            totals.hops += frameCount
            // The decision belongs to the end of the newest frame, whatever the chunking.
            let frameEnd = manifest.features.windowLength + (totals.hops - 1) * hopLength
            if Engine.evaluates(frameEnd: frameEnd, hopLength: hopLength, every: evaluateEveryHops) {
                pieceFeatureNanos = featureNanos
                runInference(endSample: frameEnd, onDetection: onDetection)
                start = clock()
            }
        }
    }

    /// Ends the stream: feeds `padSeconds` of silence so a keyword at the very end still passes
    /// through the window, then emits any detections held for their peak.
    public func finish(padSeconds: Double = 0.5, onDetection: (Detection) -> Void) {
        let pad = Int(padSeconds * Double(sampleRate))
        if pad > 0 {
            let realSamples = totals.samples
            var left = pad
            let z = zeroHop
            do {
                while left > 0 {
                    let n = min(left, z.count)
                    process(UnsafeBufferPointer(rebasing: z[0..<n])) { d in
                        var d = d
                        let end = Double(realSamples) / Double(sampleRate)
                        d.audioTime = min(d.audioTime, end)
                        d.keywordEnd = min(d.keywordEnd, end)
                        onDetection(d)
                    }
                    left -= n
                }
            }
            totals.samples = realSamples
        }
        if sweepDetectors.isEmpty {
            detector.flush { decision in onDetection(makeDetection(decision)) }
        }
    }

    private func runInference(endSample: Int, onDetection: (Detection) -> Void) {
        let t0 = clock()
        let input = interpreter.inputBuffer
        let c = coefficients
        let tail = (windowFrames - ringStart) * c
        // Oldest frame first: [ringStart, end) then [0, ringStart).
        UnsafeMutableRawPointer(input.baseAddress!).copyMemory(from: ring.baseAddress! + ringStart * c, byteCount: tail)
        if ringStart > 0 {
            UnsafeMutableRawPointer(input.baseAddress! + tail).copyMemory(from: ring.baseAddress!, byteCount: ringStart * c)
        }
        // The window moved on by the frames made since the last inference (after a reset the
        // interpreter has no previous window and runs whole).
        interpreter.invoke(newFrames: totals.hops - lastInferenceHops)
        lastInferenceHops = totals.hops
        let t1 = clock()
        currentInferenceNanos = t1 > t0 ? t1 - t0 : 0
        inferenceDoneAt = t1
        let out = interpreter.outputBuffer
        for i in 0..<posteriors.count {
            posteriors[i] = Float(Int32(out[i]) - outputZeroPoint) * outputScale
        }
        let time = Double(endSample) / Double(sampleRate)
        if sweepDetectors.isEmpty {
            detector.update(posteriors: UnsafeBufferPointer(posteriors), time: time) { decision in
                onDetection(makeDetection(decision))
            }
        } else {
            for i in 0..<sweepDetectors.count {
                let t = sweepThresholds[i]
                sweepDetectors[i].update(posteriors: UnsafeBufferPointer(posteriors), time: time) { decision in
                    var d = makeDetection(decision)
                    d.sweepThreshold = t
                    onDetection(d)
                }
            }
        }
        let t2 = clock()
        totals.inferences += 1
        totals.inferenceNanos &+= currentInferenceNanos
        totals.decisionNanos &+= t2 > t1 ? t2 - t1 : 0
    }

    /// Whether the network runs on the frame ending at sample `frameEnd`: once per stride of
    /// `every × hopLength` samples of audio, on the newest frame complete at each stride boundary
    /// (a multiple of the stride lies in [frameEnd, frameEnd + hopLength)).
    ///
    /// Tying decisions to stride boundaries of the audio, not to a count of frames, lets a live
    /// reader whose ALSA period is one stride wake once per decision and still get each decision
    /// as soon as its audio is in: the deciding frame ends within one hop before the period does.
    @inline(__always)
    public static func evaluates(frameEnd: Int, hopLength: Int, every: Int) -> Bool {
        let stride = every * hopLength
        guard stride > hopLength else { return true }
        let boundary = (frameEnd + stride - 1) / stride * stride
        return boundary < frameEnd + hopLength
    }

    /// Seconds between the end of a keyword and the decision the detector makes on it, estimated
    /// from the smoothing window and the evaluation stride.
    public var decisionLagSeconds: Double {
        let stride = Double(evaluateEveryHops * hopLength) / Double(sampleRate)
        return Double(detectorConfiguration.smoothingInferences - 1) * stride / 2 + stride / 2
    }

    private func makeDetection(_ d: Decision) -> Detection {
        let now = clock()
        // Latency of the hop/inference that produced the decision: that hop's features, the model
        // run, and the decision up to now (a held peak reported at flush counts its hold as decision time).
        let latency = DetectionLatency(features: Double(pieceFeatureNanos) / 1e9,
                                       inference: Double(currentInferenceNanos) / 1e9,
                                       decision: Double(now > inferenceDoneAt ? now - inferenceDoneAt : 0) / 1e9)
        return Detection(file: fileName, keyword: keywords[d.keyword], score: d.score, audioTime: d.time,
                         keywordEnd: max(0, d.time - decisionLagSeconds), latency: latency)
    }

    /// Quantizes float features to int8 the way TFLite's QUANTIZE op does (round half away from zero).
    @inline(__always)
    static func quantize(_ x: UnsafeBufferPointer<Float>, into q: UnsafeMutableBufferPointer<Int8>,
                         scale: Float, zeroPoint: Int32) {
        for i in 0..<min(x.count, q.count) {
            let v = (x[i] / scale).rounded()
            let r = v.isFinite ? Int32(max(-1e6, min(1e6, v))) + zeroPoint : zeroPoint
            q[i] = Int8(clamping: r)
        }
    }
}
