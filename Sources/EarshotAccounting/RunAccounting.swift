import Foundation

/// The accounting summary that ends a `score` or `listen` run: time, CPU, energy and per-stage totals.
public struct RunAccounting: Codable, Sendable, Equatable {
    /// Seconds of audio processed.
    public var audioSeconds: Double
    /// Wall-clock seconds the run took.
    public var wallSeconds: Double
    /// Process CPU seconds (user + system).
    public var cpuSeconds: Double
    /// CPU seconds of the processing thread, if measured.
    public var processingThreadCPUSeconds: Double?
    /// Joules from RAPL over the run, if readable.
    public var energyJoules: Double?
    /// RAPL status line (`RAPL: available (…)` or `RAPL: not available (reason)`).
    public var energyStatus: String
    /// Per-stage processing totals, seconds.
    public var stageTotals: LatencyBreakdown
    /// Model runs.
    public var inferences: Int
    /// Feature frames computed.
    public var hops: Int
    /// Detections emitted.
    public var detections: Int
    /// Delays of detections after labelled keyword ends (batch mode with labels), if any.
    public var detectionDelay: DelayStatistics?

    /// Creates a summary from measured values.
    public init(audioSeconds: Double, wallSeconds: Double, cpuSeconds: Double, processingThreadCPUSeconds: Double? = nil,
                energyJoules: Double? = nil, energyStatus: String, stageTotals: LatencyBreakdown,
                inferences: Int, hops: Int, detections: Int) {
        self.audioSeconds = audioSeconds
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.processingThreadCPUSeconds = processingThreadCPUSeconds
        self.energyJoules = energyJoules
        self.energyStatus = energyStatus
        self.stageTotals = stageTotals
        self.inferences = inferences
        self.hops = hops
        self.detections = detections
    }

    /// Creates a summary from a CPU delta, a stage timer's totals and optional RAPL readings.
    public init(audioSeconds: Double, cpu: CPUUsage, stageTotals: LatencyBreakdown, inferences: Int, hops: Int,
                detections: Int, rapl: RAPLMeter?, raplStart: RAPLMeter.Reading?, raplEnd: RAPLMeter.Reading?) {
        var joules: Double? = nil
        if let m = rapl, let a = raplStart, let b = raplEnd { joules = m.joules(from: a, to: b) }
        self.init(audioSeconds: audioSeconds, wallSeconds: cpu.wall, cpuSeconds: cpu.process,
                  processingThreadCPUSeconds: cpu.thread, energyJoules: joules,
                  energyStatus: rapl?.status.description ?? "RAPL: not measured", stageTotals: stageTotals,
                  inferences: inferences, hops: hops, detections: detections)
    }

    /// Wall seconds per audio second (processing time per audio second; < 1 is faster than real time).
    public var realTimeFactor: Double { audioSeconds > 0 ? wallSeconds / audioSeconds : 0 }
    /// CPU seconds per audio second.
    public var cpuSecondsPerAudioSecond: Double { audioSeconds > 0 ? cpuSeconds / audioSeconds : 0 }
    /// Process CPU seconds per wall second (1.0 = one core busy).
    public var shareOfCore: Double { wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 }
    /// Average package power in watts over the run, when energy was measured.
    public var averageWatts: Double? {
        guard let j = energyJoules, wallSeconds > 0 else { return nil }
        return j / wallSeconds
    }
    /// Mean inference seconds per model run.
    public var meanInferenceSeconds: Double { inferences > 0 ? stageTotals.inference / Double(inferences) : 0 }
    /// Mean feature seconds per hop.
    public var meanFeatureSecondsPerHop: Double { hops > 0 ? stageTotals.features / Double(hops) : 0 }

    /// A two-column text table.
    public func textTable() -> String {
        var rows: [(String, String)] = [
            ("audio", Format.seconds(audioSeconds)),
            ("wall", Format.seconds(wallSeconds)),
            ("real-time factor", Format.number(realTimeFactor, 4) + " (wall s per audio s)"),
            ("CPU (process)", Format.seconds(cpuSeconds) + " = " + Format.number(cpuSecondsPerAudioSecond, 4) + " s per audio s"),
            ("share of a core", Format.percent(shareOfCore)),
        ]
        if let t = processingThreadCPUSeconds { rows.append(("CPU (processing thread)", Format.seconds(t))) }
        if let j = energyJoules {
            rows.append(("energy (RAPL)", Format.number(j, 3) + " J, " + Format.number(averageWatts ?? 0, 3) + " W average"))
        }
        rows.append(("energy status", energyStatus))
        rows.append(("inferences", String(inferences)))
        rows.append(("hops", String(hops)))
        rows.append(("detections", String(detections)))
        for s in Stage.allCases {
            rows.append(("stage " + s.label, Format.seconds(stageTotals[s])))
        }
        rows.append(("mean inference", Format.milliseconds(meanInferenceSeconds)))
        rows.append(("mean features per hop", Format.milliseconds(meanFeatureSecondsPerHop)))
        if let d = detectionDelay {
            rows.append(("detection delay after keyword end",
                         "n=\(d.count) mean " + Format.milliseconds(d.mean) + ", median " + Format.milliseconds(d.median)
                         + ", p90 " + Format.milliseconds(d.p90) + ", max " + Format.milliseconds(d.max)))
        }
        return TextTable(header: ["accounting", "value"], rows: rows.map { [$0.0, $0.1] }).render()
    }

    private struct JSONForm: Encodable {
        var audioSeconds, wallSeconds, realTimeFactor, cpuSeconds, cpuSecondsPerAudioSecond, shareOfCore: Double
        var processingThreadCPUSeconds: Double?
        var energyJoules, averageWatts: Double?
        var energyStatus: String
        var stageSeconds: [String: Double]
        var inferences, hops, detections: Int
        var detectionDelay: DelayStatistics?
    }

    /// Compact JSON with derived figures included (sorted keys).
    public func json() -> String {
        var stages: [String: Double] = [:]
        for s in Stage.allCases { stages[s.label] = stageTotals[s] }
        let form = JSONForm(audioSeconds: audioSeconds, wallSeconds: wallSeconds, realTimeFactor: realTimeFactor,
                            cpuSeconds: cpuSeconds, cpuSecondsPerAudioSecond: cpuSecondsPerAudioSecond,
                            shareOfCore: shareOfCore, processingThreadCPUSeconds: processingThreadCPUSeconds,
                            energyJoules: energyJoules, averageWatts: averageWatts, energyStatus: energyStatus,
                            stageSeconds: stages, inferences: inferences, hops: hops, detections: detections,
                            detectionDelay: detectionDelay)
        return Format.json(form)
    }
}

/// Formatting helpers shared by the accounting renderers.
public enum Format {
    /// A number with a fixed count of decimals (non-finite values print as "-").
    public static func number(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite else { return "-" }
        return String(format: "%.\(max(0, min(decimals, 12)))f", v)
    }
    /// Seconds with unit.
    public static func seconds(_ v: Double) -> String { number(v, 3) + " s" }
    /// Milliseconds with unit, from seconds.
    public static func milliseconds(_ v: Double) -> String { number(v * 1000, 3) + " ms" }
    /// A percentage from a fraction.
    public static func percent(_ v: Double) -> String { number(v * 100, 2) + " %" }
    /// Bytes with a KiB figure.
    public static func bytes(_ v: Int) -> String { "\(v) B (" + number(Double(v) / 1024, 1) + " KiB)" }
    /// Sorted-key JSON of an encodable value (empty object on failure).
    public static func json<T: Encodable>(_ value: T, pretty: Bool = false) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        guard let data = try? enc.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A plain-text table: columns whose cells are all numbers are right-aligned, others left-aligned.
public struct TextTable: Sendable {
    /// Column headers.
    public var header: [String]
    /// Rows of cells (short rows are padded).
    public var rows: [[String]]

    /// Creates a table.
    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// Renders the table with a dashed rule under the header.
    public func render() -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0)
        func cell(_ r: [String], _ i: Int) -> String { i < r.count ? r[i] : "" }
        var widths = [Int](repeating: 0, count: columns)
        for r in [header] + rows { for i in 0..<columns { widths[i] = max(widths[i], cell(r, i).count) } }
        func numeric(_ s: String) -> Bool { s.isEmpty || Double(s) != nil }
        let right = (0..<columns).map { i in rows.allSatisfy { numeric(cell($0, i)) } }
        func line(_ r: [String]) -> String {
            let cells = (0..<columns).map { i -> String in
                let c = cell(r, i)
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return right[i] ? pad + c : c + pad
            }
            var text = cells.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}
