#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A monotonic clock in nanoseconds; inject a `ManualClock` to make timing arithmetic deterministic.
public protocol MonotonicClock {
    /// Nanoseconds since an arbitrary fixed origin; never decreases.
    func nowNanoseconds() -> UInt64
}

/// The system monotonic clock (`clock_gettime(CLOCK_MONOTONIC)`), the same base ALSA uses for monotonic timestamps.
public struct SystemMonotonicClock: MonotonicClock, Sendable {
    /// Creates the clock.
    public init() {}
    /// Current `CLOCK_MONOTONIC` time in nanoseconds.
    public func nowNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// A clock that only moves when told to: for tests.
public final class ManualClock: MonotonicClock {
    /// The current reading in nanoseconds.
    public var nanoseconds: UInt64
    /// Creates the clock at a starting reading.
    public init(nanoseconds: UInt64 = 0) { self.nanoseconds = nanoseconds }
    /// Returns the current reading.
    public func nowNanoseconds() -> UInt64 { nanoseconds }
    /// Moves the clock forward by a number of nanoseconds.
    public func advance(nanoseconds delta: UInt64) { nanoseconds &+= delta }
    /// Moves the clock forward by seconds (negative or non-finite values are ignored).
    public func advance(seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        nanoseconds &+= UInt64((seconds * 1e9).rounded())
    }
}

/// The processing stages a detection's latency is split into.
public enum Stage: Int, CaseIterable, Codable, Sendable {
    /// Waiting in the capture device until a whole ALSA period is delivered.
    case captureBuffering
    /// From the period's delivery until the processing thread takes the samples from the ring.
    case ringWait
    /// Windowing, FFT, mel, log, DCT.
    case features
    /// Running the model.
    case inference
    /// Smoothing, thresholds and the detection decision.
    case decision

    /// Short label for tables and JSON keys.
    public var label: String {
        switch self {
        case .captureBuffering: return "capture"
        case .ringWait: return "ring"
        case .features: return "features"
        case .inference: return "inference"
        case .decision: return "decision"
        }
    }
}

/// Processing latency of one detection, split into stages, in seconds.
public struct LatencyBreakdown: Codable, Sendable, Equatable {
    /// Capture buffering: time the newest sample of the hop waited in the device (ALSA period).
    public var captureBuffering: Double
    /// Ring wait: from period delivery to being taken by the processing thread.
    public var ringWait: Double
    /// Feature extraction.
    public var features: Double
    /// Model inference.
    public var inference: Double
    /// Smoothing and decision.
    public var decision: Double

    /// Creates a breakdown from per-stage seconds.
    public init(captureBuffering: Double = 0, ringWait: Double = 0, features: Double = 0,
                inference: Double = 0, decision: Double = 0) {
        self.captureBuffering = captureBuffering
        self.ringWait = ringWait
        self.features = features
        self.inference = inference
        self.decision = decision
    }

    /// Sum of all stages.
    public var total: Double { captureBuffering + ringWait + features + inference + decision }

    /// Seconds of one stage.
    public subscript(stage: Stage) -> Double {
        get {
            switch stage {
            case .captureBuffering: return captureBuffering
            case .ringWait: return ringWait
            case .features: return features
            case .inference: return inference
            case .decision: return decision
            }
        }
        set {
            switch stage {
            case .captureBuffering: captureBuffering = newValue
            case .ringWait: ringWait = newValue
            case .features: features = newValue
            case .inference: inference = newValue
            case .decision: decision = newValue
            }
        }
    }

    /// Builds a breakdown from the monotonic timestamps of one hop's journey; out-of-order stamps count as zero.
    public init(stamps: StageStamps) {
        func span(_ a: UInt64, _ b: UInt64) -> Double { b > a ? Double(b - a) / 1e9 : 0 }
        self.init(captureBuffering: span(stamps.sampleCaptured, stamps.periodDelivered),
                  ringWait: span(stamps.periodDelivered, stamps.ringTaken),
                  features: span(stamps.ringTaken, stamps.featuresDone),
                  inference: span(stamps.featuresDone, stamps.inferenceDone),
                  decision: span(stamps.inferenceDone, stamps.decisionDone))
    }
}

/// Monotonic nanosecond timestamps of the newest sample of a hop on its way to a decision (live mode).
public struct StageStamps: Sendable, Equatable {
    /// When the newest sample of the hop was captured by the hardware (see `captureTime(…)`).
    public var sampleCaptured: UInt64
    /// When the ALSA read returned the period holding it.
    public var periodDelivered: UInt64
    /// When the processing thread took the hop from the ring.
    public var ringTaken: UInt64
    /// When features for the hop were ready.
    public var featuresDone: UInt64
    /// When inference finished.
    public var inferenceDone: UInt64
    /// When the decision was made.
    public var decisionDone: UInt64

    /// Creates a set of stamps.
    public init(sampleCaptured: UInt64, periodDelivered: UInt64, ringTaken: UInt64,
                featuresDone: UInt64, inferenceDone: UInt64, decisionDone: UInt64) {
        self.sampleCaptured = sampleCaptured
        self.periodDelivered = periodDelivered
        self.ringTaken = ringTaken
        self.featuresDone = featuresDone
        self.inferenceDone = inferenceDone
        self.decisionDone = decisionDone
    }

    /// Capture time of the newest frame just read, from an ALSA status taken right after the read.
    ///
    /// ALSA reports `htstamp` (monotonic, when the status was taken) and `delay` (frames captured but not yet
    /// read). The newest frame read was therefore captured `delay` frames before `htstamp`:
    /// `capture = htstamp − delay / rate`. Non-positive rates or delays larger than the stamp give the stamp itself.
    public static func captureTime(statusTimestampNanoseconds: UInt64, delayFrames: Int, sampleRate: Int) -> UInt64 {
        guard sampleRate > 0, delayFrames > 0 else { return statusTimestampNanoseconds }
        let back = UInt64(delayFrames) &* 1_000_000_000 / UInt64(sampleRate)
        return back <= statusTimestampNanoseconds ? statusTimestampNanoseconds - back : statusTimestampNanoseconds
    }
}

/// Accumulates time per stage from a clock, without allocating: call `start()`, then `mark(stage)` after each stage.
public struct StageTimer<Clock: MonotonicClock> {
    /// The clock read at each mark.
    public let clock: Clock
    private var last: UInt64
    private var sums: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    private var counts: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)
    /// The stage durations of the current pass (since the last `start()`), in nanoseconds.
    private var current: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    /// Creates a timer reading the given clock.
    public init(clock: Clock) {
        self.clock = clock
        self.last = clock.nowNanoseconds()
    }

    /// Starts a pass: the next `mark` measures from now; clears the current pass.
    public mutating func start() {
        last = clock.nowNanoseconds()
        current = (0, 0, 0, 0, 0)
    }

    /// Attributes the time since the previous mark (or `start`) to a stage; returns those nanoseconds.
    @discardableResult
    public mutating func mark(_ stage: Stage) -> UInt64 {
        let now = clock.nowNanoseconds()
        let d = now > last ? now - last : 0
        last = now
        add(stage, nanoseconds: d)
        return d
    }

    /// Adds a measured duration to a stage (e.g. capture buffering computed from ALSA timestamps).
    public mutating func add(_ stage: Stage, nanoseconds d: UInt64) {
        switch stage {
        case .captureBuffering: sums.0 &+= d; counts.0 += 1; current.0 &+= d
        case .ringWait: sums.1 &+= d; counts.1 += 1; current.1 &+= d
        case .features: sums.2 &+= d; counts.2 += 1; current.2 &+= d
        case .inference: sums.3 &+= d; counts.3 += 1; current.3 &+= d
        case .decision: sums.4 &+= d; counts.4 += 1; current.4 &+= d
        }
    }

    /// Total nanoseconds accumulated in a stage.
    public func totalNanoseconds(_ stage: Stage) -> UInt64 {
        switch stage {
        case .captureBuffering: return sums.0
        case .ringWait: return sums.1
        case .features: return sums.2
        case .inference: return sums.3
        case .decision: return sums.4
        }
    }

    /// Number of durations added to a stage.
    public func count(_ stage: Stage) -> Int {
        switch stage {
        case .captureBuffering: return counts.0
        case .ringWait: return counts.1
        case .features: return counts.2
        case .inference: return counts.3
        case .decision: return counts.4
        }
    }

    /// Totals of all stages, in seconds.
    public var totals: LatencyBreakdown {
        var b = LatencyBreakdown()
        for s in Stage.allCases { b[s] = Double(totalNanoseconds(s)) / 1e9 }
        return b
    }

    /// The stages of the current pass (since `start()`), in seconds: the latency fields of one detection line.
    public var currentPass: LatencyBreakdown {
        LatencyBreakdown(captureBuffering: Double(current.0) / 1e9, ringWait: Double(current.1) / 1e9,
                         features: Double(current.2) / 1e9, inference: Double(current.3) / 1e9,
                         decision: Double(current.4) / 1e9)
    }

    /// Clears all totals and counts.
    public mutating func reset() {
        sums = (0, 0, 0, 0, 0)
        counts = (0, 0, 0, 0, 0)
        current = (0, 0, 0, 0, 0)
        last = clock.nowNanoseconds()
    }
}

/// Timing of one detection: where it sits in the audio and how long processing took.
public struct DetectionTiming: Codable, Sendable, Equatable {
    /// Audio time (seconds from stream start) of the end of the window whose score fired.
    public var audioTime: Double
    /// Estimated audio time of the keyword's end (see `estimatedKeywordEnd`).
    public var keywordEnd: Double
    /// Processing latency, by stage.
    public var latency: LatencyBreakdown

    /// Creates a detection timing.
    public init(audioTime: Double, keywordEnd: Double, latency: LatencyBreakdown) {
        self.audioTime = audioTime
        self.keywordEnd = keywordEnd
        self.latency = latency
    }

    /// Audio-side delay: how far past the keyword's end the firing window ends (≥ 0).
    public var algorithmicDelay: Double { max(0, audioTime - keywordEnd) }
    /// Keyword end to decision: algorithmic delay plus processing latency.
    public var totalDelay: Double { algorithmicDelay + latency.total }

    /// Estimates the keyword's end from the score run that led to a detection.
    ///
    /// The score first crossed the threshold at the window ending `firstCrossingAudioTime`; a model trained on
    /// keyword-aligned clips scores highest once the whole keyword is inside the window, so the keyword ended
    /// at most one hop before that first crossing: `end ≈ firstCrossing − hopSeconds`, never after the detection.
    public static func estimatedKeywordEnd(firstCrossingAudioTime: Double, hopSeconds: Double, detectionAudioTime: Double) -> Double {
        let hop = hopSeconds.isFinite && hopSeconds > 0 ? hopSeconds : 0
        return min(detectionAudioTime, max(0, firstCrossingAudioTime - hop))
    }

    /// Batch mode with labels: delay of a detection after the labelled keyword end (negative = fired early).
    public static func detectionDelay(detectionAudioTime: Double, labelledKeywordEnd: Double) -> Double {
        detectionAudioTime - labelledKeywordEnd
    }

    /// Audio time in seconds of the sample at index `sampleIndex` (the end of a window) at a sample rate.
    public static func audioTime(sampleIndex: Int, sampleRate: Int) -> Double {
        sampleRate > 0 ? Double(sampleIndex) / Double(sampleRate) : 0
    }
}
