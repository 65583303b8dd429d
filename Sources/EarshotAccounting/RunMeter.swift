/// Starts measuring a run (CPU snapshot, RAPL reading) and turns it into a `RunAccounting` at the end.
///
/// Create it right before processing starts on the processing thread (its thread CPU time is that thread's);
/// call `finish` on the same thread when processing ends.
public struct RunMeter<Clock: MonotonicClock> {
    /// The clock wall time is read from.
    public let clock: Clock
    /// The RAPL meter (its status is reported even when unavailable).
    public let rapl: RAPLMeter
    private let cpuStart: CPUUsage
    private let energyStart: RAPLMeter.Reading?

    /// Takes the starting snapshots.
    public init(clock: Clock, rapl: RAPLMeter = RAPLMeter()) {
        self.clock = clock
        self.rapl = rapl
        self.energyStart = rapl.read()
        self.cpuStart = CPUUsage.now(clock: clock)
    }

    /// CPU usage since the start.
    public func cpuSinceStart() -> CPUUsage { CPUUsage.now(clock: clock).since(cpuStart) }

    /// Ends the run and builds its summary.
    public func finish(audioSeconds: Double, stageTotals: LatencyBreakdown, inferences: Int, hops: Int,
                       detections: Int, detectionDelays: [Double] = []) -> RunAccounting {
        let cpu = cpuSinceStart()
        let energyEnd = energyStart == nil ? nil : rapl.read()
        var run = RunAccounting(audioSeconds: audioSeconds, cpu: cpu, stageTotals: stageTotals, inferences: inferences,
                                hops: hops, detections: detections, rapl: rapl, raplStart: energyStart, raplEnd: energyEnd)
        run.detectionDelay = DelayStatistics(detectionDelays)
        return run
    }
}

/// Summary of detection delays after labelled keyword ends (batch mode with labels), seconds.
public struct DelayStatistics: Codable, Sendable, Equatable {
    /// Number of delays.
    public var count: Int
    /// Mean.
    public var mean: Double
    /// Median (mean of the two middle values for an even count).
    public var median: Double
    /// 90th percentile (nearest rank).
    public var p90: Double
    /// Smallest.
    public var min: Double
    /// Largest.
    public var max: Double

    /// Computes the statistics; nil for an empty list or when a value is not finite.
    public init?(_ delays: [Double]) {
        guard !delays.isEmpty, delays.allSatisfy(\.isFinite) else { return nil }
        let s = delays.sorted()
        count = s.count
        mean = s.reduce(0, +) / Double(s.count)
        median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        let rank = Int((0.9 * Double(s.count)).rounded(.up))
        p90 = s[Swift.max(0, Swift.min(s.count - 1, rank - 1))]
        min = s[0]
        max = s[s.count - 1]
    }
}

extension DetectionTiming {
    /// Compact text fields for a detection line, e.g.
    /// `audio=2.500s kw_end≈2.280s delay=220.0ms latency=26.3ms [capture 20.000 ring 1.000 features 0.200 inference 5.000 decision 0.100 ms]`.
    public var textFields: String {
        var s = "audio=" + Format.number(audioTime, 3) + "s kw_end≈" + Format.number(keywordEnd, 3) + "s"
        s += " delay=" + Format.number(algorithmicDelay * 1000, 1) + "ms"
        s += " latency=" + Format.number(latency.total * 1000, 1) + "ms ["
        s += Stage.allCases.map { $0.label + " " + Format.number(latency[$0] * 1000, 3) }.joined(separator: " ")
        return s + " ms]"
    }

    private struct JSONForm: Encodable {
        var audioTime, keywordEnd, algorithmicDelay, latencyTotal, totalDelay: Double
        var latency: [String: Double]
    }

    /// The latency fields as one JSON object (sorted keys), for JSON detection lines.
    public var json: String {
        var stages: [String: Double] = [:]
        for s in Stage.allCases { stages[s.label] = latency[s] }
        return Format.json(JSONForm(audioTime: audioTime, keywordEnd: keywordEnd, algorithmicDelay: algorithmicDelay,
                                    latencyTotal: latency.total, totalDelay: totalDelay, latency: stages))
    }
}
