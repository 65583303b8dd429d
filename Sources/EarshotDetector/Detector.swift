/// One keyword decision: which keyword, how confident, and when (in audio time).
public struct Decision: Sendable, Equatable {
    /// Index of the keyword in `DetectorConfiguration.keywordIndices` order.
    public var keyword: Int
    /// Smoothed posterior that triggered (or the peak, with `reportPeak`).
    public var score: Float
    /// Audio time in seconds of the inference that crossed the threshold (of the peak, with `reportPeak`).
    public var time: Double
    /// Creates a decision.
    public init(keyword: Int, score: Float, time: Double) {
        self.keyword = keyword; self.score = score; self.time = time
    }
}

/// Turns a stream of class posteriors into keyword decisions: moving-average smoothing,
/// a threshold per keyword and a refractory hold-off so one utterance gives one decision.
///
/// A keyword fires when its smoothed score reaches its threshold, the hold-off since its last
/// detection has passed, and its score has fallen below the threshold at least once since then
/// (so a score that stays high over a long window cannot fire again after the hold-off).
///
/// All state is allocated in `init`; `update` allocates nothing.
public final class Detector {
    /// The configuration in force.
    public let configuration: DetectorConfiguration
    private let classes: Int
    private let keywords: Int
    private let window: Int
    /// Ring of the last `window` posterior vectors of the keyword classes, [window][keywords].
    private let history: UnsafeMutableBufferPointer<Float>
    /// Running sums of `history` per keyword.
    private let sums: UnsafeMutableBufferPointer<Double>
    private let keywordIndices: UnsafeMutableBufferPointer<Int>
    private let thresholds: UnsafeMutableBufferPointer<Float>
    /// Audio time until which each keyword is held off.
    private let holdUntil: UnsafeMutableBufferPointer<Double>
    /// Pending peak per keyword (with `reportPeak`): score < 0 means none pending.
    private let pendingScore: UnsafeMutableBufferPointer<Float>
    private let pendingTime: UnsafeMutableBufferPointer<Double>
    /// Whether each keyword may fire: cleared by a detection, set again once its score falls below the threshold.
    private let armed: UnsafeMutableBufferPointer<Bool>
    private var filled = 0
    private var cursor = 0

    /// Builds a detector; the configuration must be valid (`validate()` returns nil).
    public init(configuration: DetectorConfiguration) {
        precondition(configuration.validate() == nil, "invalid detector configuration")
        self.configuration = configuration
        classes = configuration.labels.count
        keywords = configuration.keywordIndices.count
        window = configuration.smoothingInferences
        history = .allocate(capacity: max(1, window * keywords))
        history.initialize(repeating: 0)
        sums = .allocate(capacity: max(1, keywords))
        sums.initialize(repeating: 0)
        keywordIndices = .allocate(capacity: max(1, keywords))
        keywordIndices.initialize(repeating: 0)
        thresholds = .allocate(capacity: max(1, keywords))
        thresholds.initialize(repeating: 1)
        for k in 0..<keywords {
            keywordIndices[k] = configuration.keywordIndices[k]
            thresholds[k] = configuration.thresholds[k]
        }
        holdUntil = .allocate(capacity: max(1, keywords))
        holdUntil.initialize(repeating: -.infinity)
        pendingScore = .allocate(capacity: max(1, keywords))
        pendingScore.initialize(repeating: -1)
        pendingTime = .allocate(capacity: max(1, keywords))
        pendingTime.initialize(repeating: 0)
        armed = .allocate(capacity: max(1, keywords))
        armed.initialize(repeating: true)
    }

    deinit {
        history.deallocate(); sums.deallocate(); keywordIndices.deallocate(); thresholds.deallocate()
        holdUntil.deallocate(); pendingScore.deallocate(); pendingTime.deallocate(); armed.deallocate()
    }

    /// Forgets all history, hold-offs and pending decisions (for a new stream).
    public func reset() {
        history.update(repeating: 0)
        sums.update(repeating: 0)
        holdUntil.update(repeating: -.infinity)
        pendingScore.update(repeating: -1)
        armed.update(repeating: true)
        filled = 0
        cursor = 0
    }

    /// The smoothed score of keyword `k` after the last update.
    public func smoothedScore(_ k: Int) -> Float {
        filled == 0 ? 0 : Float(sums[k] / Double(filled))
    }

    /// Feeds one inference's posteriors (one value per class, 0...1) made at audio time `time`,
    /// calling `onDecision` for each keyword decision that is now final.
    public func update(posteriors: UnsafeBufferPointer<Float>, time: Double, onDecision: (Decision) -> Void) {
        guard posteriors.count >= classes else { return }
        let row = cursor * keywords
        for k in 0..<keywords {
            let p = posteriors[keywordIndices[k]]
            let v = p.isFinite ? p : 0
            sums[k] += Double(v) - Double(history[row + k])
            history[row + k] = v
        }
        cursor = cursor + 1 == window ? 0 : cursor + 1
        if filled < window { filled += 1 }
        let scale = 1.0 / Double(filled)
        for k in 0..<keywords {
            let score = Float(max(0, sums[k] * scale))
            if configuration.reportPeak {
                // Sweep mode: a decision opens at the (low) threshold, takes the highest score
                // within its hold-off and the time of that peak, so a higher threshold placed on
                // the reported score finds the moment the keyword was most evident, not the
                // first flicker above the low threshold. Re-arming counts only dips after the
                // hold-off: a score that stays up past it (the word is still in the window)
                // does not open a second decision, as at a real threshold it would not fire twice.
                if pendingScore[k] >= 0 {
                    if time >= holdUntil[k] {
                        onDecision(Decision(keyword: k, score: pendingScore[k], time: pendingTime[k]))
                        pendingScore[k] = -1
                    } else {
                        if score > pendingScore[k] { pendingScore[k] = score; pendingTime[k] = time }
                        continue
                    }
                }
                if score < thresholds[k] { armed[k] = true }
                if armed[k] && score >= thresholds[k] && time >= holdUntil[k] {
                    armed[k] = false
                    pendingScore[k] = score
                    pendingTime[k] = time
                    holdUntil[k] = time + configuration.refractorySeconds
                }
            } else if score < thresholds[k] {
                armed[k] = true
            } else if armed[k] && time >= holdUntil[k] {
                armed[k] = false
                holdUntil[k] = time + configuration.refractorySeconds
                onDecision(Decision(keyword: k, score: score, time: time))
            }
        }
    }

    /// Emits any decisions still held for their peak (end of stream).
    public func flush(onDecision: (Decision) -> Void) {
        for k in 0..<keywords where pendingScore[k] >= 0 {
            onDecision(Decision(keyword: k, score: pendingScore[k], time: pendingTime[k]))
            pendingScore[k] = -1
        }
    }
}
