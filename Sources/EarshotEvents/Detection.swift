/// A wake-word detection as reported to the user.
public struct Detection: Sendable, Equatable {
    /// The audio file it was found in, or nil for a live stream.
    public var file: String?
    /// The keyword label (e.g. "alexa", "smart_mirror").
    public var keyword: String
    /// Smoothed posterior score, 0...1.
    public var score: Float
    /// Time in the audio (seconds from the start of the file or stream) at which the decision was made.
    public var audioTime: Double
    /// Estimated end of the keyword in audio time (the decision time minus the smoothing and stride lag).
    public var keywordEnd: Double
    /// Wall-clock time of the detection (seconds since 1970) for live streams.
    public var wallClock: Double?
    /// Processing latency by stage, filled by the engine (fixed storage: building a detection never allocates for it).
    public var latency: DetectionLatency
    /// The threshold of the sweep detector that made it (`earshot score --sweep`); nil otherwise.
    public var sweepThreshold: Float?

    /// Creates a detection.
    public init(file: String? = nil, keyword: String, score: Float, audioTime: Double,
                keywordEnd: Double? = nil, wallClock: Double? = nil, latency: DetectionLatency = DetectionLatency()) {
        self.file = file
        self.keyword = keyword
        self.score = score
        self.audioTime = audioTime
        self.keywordEnd = keywordEnd ?? audioTime
        self.wallClock = wallClock
        self.latency = latency
    }
}

/// Processing latency of one detection by stage, in seconds; nil marks a stage that was not measured.
///
/// The stage names are those of the accounting module: capture (ALSA period buffering), ring (wait in
/// the capture ring), features, inference, decision.
public struct DetectionLatency: Sendable, Equatable {
    /// From the hop's newest sample entering the device to the read that delivered it (live only).
    public var captureBuffering: Double?
    /// From delivery to the processing thread starting on the hop (live only).
    public var ringWait: Double?
    /// Feature computation of the hop that triggered the inference.
    public var features: Double?
    /// The model run.
    public var inference: Double?
    /// Smoothing and the decision.
    public var decision: Double?

    /// Creates a breakdown; unmeasured stages stay nil.
    public init(captureBuffering: Double? = nil, ringWait: Double? = nil, features: Double? = nil,
                inference: Double? = nil, decision: Double? = nil) {
        self.captureBuffering = captureBuffering
        self.ringWait = ringWait
        self.features = features
        self.inference = inference
        self.decision = decision
    }

    /// True when no stage was measured.
    public var isEmpty: Bool { fields.isEmpty }

    /// Sum of the measured stages.
    public var total: Double { fields.reduce(0) { $0 + $1.1 } }

    /// The measured stages as (label, seconds) in pipeline order (allocates: for formatting only).
    public var fields: [(String, Double)] {
        var out: [(String, Double)] = []
        if let v = captureBuffering { out.append(("capture", v)) }
        if let v = ringWait { out.append(("ring", v)) }
        if let v = features { out.append(("features", v)) }
        if let v = inference { out.append(("inference", v)) }
        if let v = decision { out.append(("decision", v)) }
        return out
    }
}
