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
    /// Latency fields (stage name, seconds) in a fixed order, filled by the engine.
    public var latency: [(String, Double)]

    /// Creates a detection.
    public init(file: String? = nil, keyword: String, score: Float, audioTime: Double,
                keywordEnd: Double? = nil, wallClock: Double? = nil, latency: [(String, Double)] = []) {
        self.file = file
        self.keyword = keyword
        self.score = score
        self.audioTime = audioTime
        self.keywordEnd = keywordEnd ?? audioTime
        self.wallClock = wallClock
        self.latency = latency
    }

    /// Equality on every field, latency pairs included.
    public static func == (a: Detection, b: Detection) -> Bool {
        a.file == b.file && a.keyword == b.keyword && a.score == b.score && a.audioTime == b.audioTime
            && a.keywordEnd == b.keywordEnd && a.wallClock == b.wallClock
            && a.latency.count == b.latency.count
            && zip(a.latency, b.latency).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
