/// What scoring one file produced.
public struct FileResult: Sendable {
    /// The file as given.
    public var file: String
    /// Seconds of audio scored.
    public var durationSeconds: Double
    /// Detections in time order.
    public var detections: [Detection]
    /// Creates a result.
    public init(file: String, durationSeconds: Double, detections: [Detection]) {
        self.file = file; self.durationSeconds = durationSeconds; self.detections = detections
    }
}

/// Accuracy figures for one keyword over a labelled set.
public struct KeywordMetrics: Sendable, Equatable {
    /// Keyword label.
    public var keyword: String
    /// Labelled occurrences.
    public var instances: Int
    /// Occurrences detected.
    public var hits: Int
    /// Detections that matched no occurrence.
    public var falseAlarms: Int
    /// Hours of audio that are not this keyword.
    public var nonKeywordHours: Double
    /// Mean seconds from the labelled keyword end to the detection (occurrences with known times only).
    public var meanDelay: Double?
    /// Every delay behind `meanDelay` (seconds after the labelled keyword end), in match order.
    public var delays: [Double] = []
    /// Misses / occurrences (nil with no occurrences).
    public var missRate: Double? { instances == 0 ? nil : Double(instances - hits) / Double(instances) }
    /// False alarms per hour of non-keyword audio (nil with none).
    public var falseAlarmsPerHour: Double? { nonKeywordHours > 0 ? Double(falseAlarms) / nonKeywordHours : nil }
}

/// Matches detections against labels, per keyword.
///
/// A detection hits an occurrence of the same keyword in the same file when it falls inside it or
/// within `tolerance` seconds after its end (anywhere in the file for whole-file labels); each
/// occurrence is hit at most once and every other detection is a false alarm.
public func scoreDetections(_ results: [FileResult], labels: Labels, keywords: [String],
                            tolerance: Double = 0.5) -> [KeywordMetrics] {
    var metrics = keywords.map {
        KeywordMetrics(keyword: $0, instances: 0, hits: 0, falseAlarms: 0, nonKeywordHours: 0, meanDelay: nil)
    }
    var delaySum = [Double](repeating: 0, count: keywords.count)
    var delayCount = [Int](repeating: 0, count: keywords.count)
    for r in results {
        let inst = labels.instances(for: r.file)
        for (k, kw) in keywords.enumerated() {
            let mine = inst.filter { $0.keyword == kw }
            var used = [Bool](repeating: false, count: mine.count)
            var keywordSeconds = 0.0
            for m in mine {
                if let s = m.start, let e = m.end { keywordSeconds += min(e, r.durationSeconds) - min(s, r.durationSeconds) }
                else { keywordSeconds = r.durationSeconds }
            }
            metrics[k].instances += mine.count
            metrics[k].nonKeywordHours += max(0, r.durationSeconds - min(keywordSeconds, r.durationSeconds)) / 3600
            for d in r.detections where d.keyword == kw {
                var matched = false
                for (i, m) in mine.enumerated() where !used[i] {
                    if let s = m.start, let e = m.end {
                        if d.audioTime >= s && d.audioTime <= e + tolerance {
                            used[i] = true; matched = true
                            delaySum[k] += d.audioTime - e; delayCount[k] += 1
                            metrics[k].delays.append(d.audioTime - e)
                            break
                        }
                    } else {
                        used[i] = true; matched = true
                        break
                    }
                }
                if matched { metrics[k].hits += 1 } else { metrics[k].falseAlarms += 1 }
            }
        }
    }
    for k in metrics.indices where delayCount[k] > 0 { metrics[k].meanDelay = delaySum[k] / Double(delayCount[k]) }
    return metrics
}
