import ArgumentParser
import Foundation
import EarshotEngine
import EarshotEvents
import EarshotAccounting

/// `earshot score`: find wake words in audio files.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find wake words in audio files (WAV, FLAC, ...) and print one line per detection.",
        discussion: """
        Folders are searched recursively for audio files. Files are scored in parallel; the output \
        keeps input order. A file that cannot be read is reported on stderr with the reason and the \
        batch goes on; the exit status is 1 if any file failed.
        With --labels (CSV rows file,keyword,start,end in seconds) or --labels-from-folders (a \
        folder per keyword), the summary gives per keyword the miss rate and the false alarms per \
        hour of non-keyword audio.
        """)

    @Argument(help: "Audio files or folders.")
    var paths: [String]

    @OptionGroup var detection: DetectionOptions

    @Option(help: "Output format: text, json (JSON Lines) or csv.")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Worker threads (default: all cores).")
    var jobs: Int?

    @Option(help: "CSV of labelled keywords: file,keyword,start,end (seconds).")
    var labels: String?

    @Flag(help: "Take labels from folder names: files in a folder named like a keyword are that keyword.")
    var labelsFromFolders = false

    @Flag(help: "Hold each detection until its refractory window ends and report the peak score (for threshold sweeps).")
    var reportPeak = false

    @Flag(help: "Never show the progress bar.")
    var noProgress = false

    @Option(help: ArgumentHelp("Threshold sweep: run one detector per threshold on the same network outputs and stamp each detection with its threshold (what one run per threshold would give, at the cost of one).",
                               valueName: "t1,t2,..."))
    var sweep: String?

    /// The --sweep thresholds, validated, each once (in the order given).
    func sweepThresholds() throws -> [Float]? {
        guard let sweep else { return nil }
        var out: [Float] = []
        for part in sweep.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let v = Float(text), v >= 0, v <= 1 else {
                throw ValidationError("--sweep '\(sweep)': '\(text)' is not a threshold in 0...1")
            }
            if !out.contains(v) { out.append(v) }
        }
        guard out.count <= 1000 else { throw ValidationError("--sweep: at most 1000 thresholds") }
        return out
    }

    func validate() throws {
        if let j = jobs, j < 1 { throw ValidationError("--jobs \(j): must be at least 1") }
        if labels != nil && labelsFromFolders { throw ValidationError("use --labels or --labels-from-folders, not both") }
        if sweep != nil {
            _ = try sweepThresholds()
            if labels != nil || labelsFromFolders { throw ValidationError("--sweep gives detections at many thresholds: score them with a DET tool, not --labels") }
            if format == .csv { throw ValidationError("--sweep needs --format json or text (the CSV columns have no threshold)") }
            if reportPeak { throw ValidationError("--sweep and --report-peak are two ways to sweep: use one") }
        }
    }

    func run() throws {
        var options = try detection.engineOptions(reportPeak: reportPeak)
        let sweepList = try sweepThresholds()
        options.sweepThresholds = sweepList
        let scorer: BatchScorer
        do { scorer = try BatchScorer(options: options, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount) } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        var labelSet: Labels? = nil
        if let l = labels {
            guard let text = try? String(contentsOfFile: l, encoding: .utf8) else {
                Terminal.error("\(l): cannot read the labels file")
                throw ExitCode(2)
            }
            do { labelSet = try Labels.parseCSV(text, name: l) } catch {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
        }
        let files = ModelLocator.expand(paths)
        if files.isEmpty {
            Terminal.error("no audio files found in \(paths.joined(separator: ", "))")
            throw ExitCode(1)
        }
        if labelsFromFolders { labelSet = Labels.fromFolders(files: files, keywords: scorer.prototype.keywords) }

        let fmt = format.detectionFormat
        if let h = fmt.header { Terminal.out(h) }
        let progress = ProgressBar(total: files.count, enabled: !noProgress && files.count > 1 && Terminal.stderrIsTerminal)
        let collector = Collector()
        let wallStart = monotonicNanos()
        let meter = RunMeter(clock: SystemMonotonicClock())
        scorer.run(files: files) { _, outcome in
            progress.clear()
            switch outcome {
            case .scored(let r, let warnings, let totals):
                for w in warnings { Terminal.error("\(r.file): warning: \(w)") }
                for d in r.detections { Terminal.out(fmt.line(d)) }
                collector.add(result: r, totals: totals)
            case .failed(let file, let reason):
                Terminal.error("\(file): \(reason)")
                collector.fail()
            }
            progress.advance()
        }
        progress.clear()
        let wall = Double(monotonicNanos() - wallStart) / 1e9
        let summary = collector.summary(keywords: scorer.prototype.keywords, labels: labelSet,
                                        wallSeconds: wall, workers: min(scorer.jobs, files.count),
                                        sweep: sweepList ?? [])
        let accounting = collector.accounting(meter: meter, keywords: scorer.prototype.keywords, labels: labelSet)
        if format == .text {
            Terminal.out(summary)
            Terminal.out(String(accounting.textTable().dropLast()))
        } else {
            Terminal.error(summary)
            fflush(nil)
            // Unprefixed, so the JSON line parses as it stands.
            writeStderr(format == .json ? accounting.json() + "\n" : accounting.textTable())
        }
        if collector.failed > 0 { throw ExitCode(1) }
    }
}

/// The output formats as an argument.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv
    var detectionFormat: DetectionFormat { DetectionFormat(rawValue: rawValue)! }
}

/// Gathers per-file results for the summary.
final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var results: [FileResult] = []
    private(set) var totals = StageTotals()
    private(set) var failed = 0

    func add(result: FileResult, totals t: StageTotals) {
        lock.lock(); defer { lock.unlock() }
        results.append(result); totals.add(t)
    }
    func fail() { lock.lock(); failed += 1; lock.unlock() }

    /// The accounting summary of the run (CPU over all workers, RAPL energy, per-stage totals, label delays).
    func accounting(meter: RunMeter<SystemMonotonicClock>, keywords: [String], labels: Labels?) -> RunAccounting {
        let audio = results.reduce(0) { $0 + $1.durationSeconds }
        let stages = LatencyBreakdown(features: Double(totals.featureNanos) / 1e9,
                                      inference: Double(totals.inferenceNanos) / 1e9,
                                      decision: Double(totals.decisionNanos) / 1e9)
        var delays: [Double] = []
        if let labels { for k in scoreDetections(results, labels: labels, keywords: keywords) { delays += k.delays } }
        var run = meter.finish(audioSeconds: audio, stageTotals: stages, inferences: totals.inferences, hops: totals.hops,
                               detections: results.reduce(0) { $0 + $1.detections.count }, detectionDelays: delays)
        run.processingThreadCPUSeconds = nil  // files are scored on worker threads: only the process figure is meaningful
        return run
    }

    /// The end-of-run summary text; with a sweep, the detection counts are given per threshold.
    func summary(keywords: [String], labels: Labels?, wallSeconds: Double, workers: Int, sweep: [Float] = []) -> String {
        let audio = results.reduce(0) { $0 + $1.durationSeconds }
        var lines: [String] = []
        lines.append("scored \(results.count) file\(results.count == 1 ? "" : "s") (\(failed) failed), "
                     + "\(fixed(audio, 1)) s of audio in \(fixed(wallSeconds, 3)) s wall on \(workers) worker\(workers == 1 ? "" : "s")"
                     + (wallSeconds > 0 ? " (\(fixed(audio / wallSeconds, 0))× real time)" : ""))
        if sweep.isEmpty {
            var counts: [String: Int] = [:]
            for r in results { for d in r.detections { counts[d.keyword, default: 0] += 1 } }
            lines.append("detections: " + keywords.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        } else {  // one detector per threshold: counts summed over thresholds would mean nothing
            var counts: [Float: [String: Int]] = [:]
            for r in results { for d in r.detections { counts[d.sweepThreshold ?? -1, default: [:]][d.keyword, default: 0] += 1 } }
            for t in sweep {
                lines.append("detections at threshold \(fixed(Double(t), 4)): "
                             + keywords.map { "\($0) \(counts[t]?[$0] ?? 0)" }.joined(separator: ", "))
            }
        }
        if audio > 0 {
            let perSec = { (ns: UInt64) in fixed(Double(ns) / 1e6 / audio, 4) }
            lines.append("per second of audio: features \(perSec(totals.featureNanos)) ms, inference \(perSec(totals.inferenceNanos)) ms "
                         + "(\(fixed(Double(totals.inferences) / audio, 1)) inferences), decision \(perSec(totals.decisionNanos)) ms")
        }
        if let labels {
            let m = scoreDetections(results, labels: labels, keywords: keywords)
            lines.append("keyword        clips  hits  miss%    FA   FA/h  non-kw h  delay s")
            for k in m {
                lines.append(pad(k.keyword, 13) + lpad(String(k.instances), 7) + lpad(String(k.hits), 6)
                             + lpad(k.missRate.map { fixed($0 * 100, 1) } ?? "-", 7)
                             + lpad(String(k.falseAlarms), 6)
                             + lpad(k.falseAlarmsPerHour.map { fixed($0, 2) } ?? "-", 7)
                             + lpad(fixed(k.nonKeywordHours, 3), 10)
                             + lpad(k.meanDelay.map { fixed($0, 3) } ?? "-", 9))
            }
        }
        return lines.joined(separator: "\n")
    }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
