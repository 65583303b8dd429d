/// How posteriors become detections: which classes are keywords, their thresholds, smoothing and hold-off.
public struct DetectorConfiguration: Sendable, Equatable, Codable {
    /// Class names in the model's output order.
    public var labels: [String]
    /// Indices into `labels` of the classes that are wake words.
    public var keywordIndices: [Int]
    /// Threshold on the smoothed posterior, one per entry of `keywordIndices`.
    public var thresholds: [Float]
    /// Number of consecutive inferences averaged before thresholding (1 = no smoothing).
    public var smoothingInferences: Int
    /// Seconds after a detection during which the same keyword cannot fire again.
    public var refractorySeconds: Double
    /// When true a detection is held until its refractory window ends and reports the peak smoothed score.
    public var reportPeak: Bool

    /// Creates a configuration; see the properties for the meaning of each argument.
    public init(labels: [String], keywordIndices: [Int], thresholds: [Float],
                smoothingInferences: Int = 3, refractorySeconds: Double = 1.0, reportPeak: Bool = false) {
        self.labels = labels
        self.keywordIndices = keywordIndices
        self.thresholds = thresholds
        self.smoothingInferences = smoothingInferences
        self.refractorySeconds = refractorySeconds
        self.reportPeak = reportPeak
    }

    /// Checks that indices, thresholds and counts are consistent; returns a one-line reason if not.
    public func validate() -> String? {
        if labels.isEmpty { return "no class labels" }
        if keywordIndices.count != thresholds.count {
            return "\(keywordIndices.count) keywords but \(thresholds.count) thresholds"
        }
        for i in keywordIndices where i < 0 || i >= labels.count {
            return "keyword index \(i) outside the \(labels.count) labels"
        }
        for t in thresholds where !(t.isFinite && t >= 0 && t <= 1) {
            return "threshold \(t) is not in 0...1"
        }
        if smoothingInferences < 1 || smoothingInferences > 1000 {
            return "smoothing of \(smoothingInferences) inferences is not in 1...1000"
        }
        if !(refractorySeconds.isFinite && refractorySeconds >= 0) {
            return "refractory time \(refractorySeconds) s is not a non-negative number"
        }
        return nil
    }
}
