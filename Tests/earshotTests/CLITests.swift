import Foundation
import Testing
@testable import earshot

/// Runs the built `earshot` executable with arguments; returns (status, stdout, stderr).
func runEarshot(_ args: [String], cwd: String? = nil) throws -> (Int32, String, String) {
    let exe = productsDirectory.appendingPathComponent("earshot")
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The build products folder (where the test bundle and the executable are).
let productsDirectory: URL = {
    for b in Bundle.allBundles where b.bundleURL.pathExtension == "xctest" {
        return b.bundleURL.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}()

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Test func rootHelpListsTheSubcommands() {
    let help = Earshot.helpMessage()
    #expect(help.contains("Wake-word detection for Linux"))
    for sub in ["score", "bench"] { #expect(help.contains(sub)) }
}

@Test func scoreHelpDocumentsFormatsLabelsAndThresholds() {
    let help = Earshot.helpMessage(for: Score.self)
    for needle in ["--format", "--labels", "--labels-from-folders", "--threshold", "--keyword-threshold",
                   "--jobs", "--evaluate-every", "--report-peak", "--sweep", "exit status is 1"] {
        #expect(help.contains(needle), "score help lacks \(needle)")
    }
}

@Test func badOptionValuesAreRejected() {
    #expect(throws: (any Error).self) { try Score.parse(["x.wav", "--format", "xml"]) }
    #expect(throws: (any Error).self) { try Score.parse(["x.wav", "--jobs", "0"]) }
    #expect(throws: (any Error).self) {
        let s = try Score.parse(["x.wav", "--keyword-threshold", "alexa"])
        _ = try s.detection.engineOptions()
    }
}

@Test func badSweepsAreRejected() {
    for args in [["x.wav", "--sweep", "0.5,1.2"], ["x.wav", "--sweep", "0.5,,0.6"], ["x.wav", "--sweep", "high"],
                 ["x.wav", "--sweep", "0.5", "--format", "csv"], ["x.wav", "--sweep", "0.5", "--labels", "l.csv"],
                 ["x.wav", "--sweep", "0.5", "--report-peak"]] {
        #expect(throws: (any Error).self, "\(args)") { try Score.parse(args) }
    }
    #expect(throws: Never.self) { try Score.parse(["x.wav", "--sweep", "0.3, 0.5,0.99", "--format", "json"]) }
    // A threshold given twice is swept once (two detectors would stamp the same threshold twice).
    let twice = try? Score.parse(["x.wav", "--sweep", "0.5,0.9,0.5"])
    #expect((try? twice?.sweepThresholds()) == [0.5, 0.9])
}

@Test func scoreSweepStampsEachDetectionWithItsThreshold() throws {
    let (status, out, _) = try runEarshot(["score", "Audio/mix-keywords-digit.wav", "--format", "json", "--no-progress",
                                          "--sweep", "0.5,0.8,0.9"], cwd: repoRoot.path)
    #expect(status == 0)
    let rows = out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    let thresholds = Set(rows.compactMap { $0["threshold"] as? Double })
    #expect(!rows.isEmpty && rows.count == out.split(separator: "\n").count)
    #expect(thresholds.isSubset(of: [0.5, 0.8, 0.9]) && thresholds.contains(0.5))
    for r in rows { #expect((r["score"] as? Double ?? 0) >= (r["threshold"] as? Double ?? 2)) }
}

@Test func scoreSweepSummaryCountsEachThresholdApart() throws {
    let (status, out, _) = try runEarshot(["score", "Audio/mix-keywords-digit.wav", "--no-progress",
                                          "--sweep", "0.5,0.9,0.999"], cwd: repoRoot.path)
    #expect(status == 0)
    let lines = out.split(separator: "\n").map(String.init)
    let summary = lines.filter { $0.hasPrefix("detections at threshold ") }
    #expect(summary.map { String($0.prefix(32)) } == ["detections at threshold 0.5000: ", "detections at threshold 0.9000: ",
                                                      "detections at threshold 0.9990: "])
    #expect(!lines.contains { $0.hasPrefix("detections: ") })
    // Each threshold's counts are that threshold's detection lines, not a sum over the sweep.
    for (t, line) in zip(["0.5000", "0.9000", "0.9990"], summary) {
        let counted = line.split(separator: ":")[1].split(separator: ",")
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(counted == lines.filter { $0.contains("  threshold \(t)  ") }.count)
        if t == "0.5000" { #expect(counted >= 2) }  // the mix's alexa and jarvis at 0.5
    }
    #expect(summary.last?.hasSuffix("alexa 0, computer 0, jarvis 0, smart_mirror 0, snowboy 0, view_glass 0") == true)
}

@Test func missingModelIsOneLineAndExitTwo() throws {
    let (status, out, err) = try runEarshot(["score", "--model", "/nonexistent/m.tflite", "x.wav"])
    #expect(status == 2)
    #expect(out.isEmpty)
    #expect(err.split(separator: "\n").count == 1 && err.contains("/nonexistent/m.json"))
}

@Test func scorePrintsLatencyFieldsAndTheAccountingSummary() throws {
    let (status, out, err) = try runEarshot(["score", "Audio/alexa-1.flac"], cwd: repoRoot.path)
    #expect(status == 0, "\(err)")
    let line = out.split(separator: "\n").first { $0.contains("alexa-1.flac") && $0.contains("alexa ") }
    #expect(line != nil, "no alexa detection in: \(out)")
    if let line {
        for field in ["latency features=", "inference=", "decision=", "total="] { #expect(line.contains(field), "\(line)") }
    }
    for row in ["real-time factor", "CPU (process)", "share of a core", "energy status", "RAPL:", "inferences",
                "hops", "stage features", "stage inference", "stage decision"] {
        #expect(out.contains(row), "summary lacks \(row)")
    }

    // JSON: detections carry latency_ms; the accounting summary is one JSON object on stderr.
    let (s2, jsonOut, jsonErr) = try runEarshot(["score", "--format", "json", "Audio/alexa-1.flac"], cwd: repoRoot.path)
    #expect(s2 == 0)
    let first = try #require(jsonOut.split(separator: "\n").first)
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
    let latency = try #require(obj["latency_ms"] as? [String: Double])
    #expect(Set(latency.keys) == ["features", "inference", "decision", "total"])
    let accountingLine = try #require(jsonErr.split(separator: "\n").last { $0.hasPrefix("{") })
    let acc = try #require(try JSONSerialization.jsonObject(with: Data(accountingLine.utf8)) as? [String: Any])
    #expect((acc["audioSeconds"] as? Double).map { abs($0 - 3.66) < 0.01 } == true)
    #expect((acc["inferences"] as? Int).map { $0 > 0 } == true)
    #expect(acc["energyStatus"] is String)
}

@Test func reportOnTheShippedModelPrintsTheFourTargets() throws {
    let (status, out, err) = try runEarshot(["report"], cwd: repoRoot.path)
    #expect(status == 0, "\(err)")
    for t in ["cortex-m4f", "cortex-m33", "cortex-m7", "esp32-s3"] { #expect(out.contains(t)) }
    #expect(out.contains("earshot-kws.tflite"))
    // The sidecar's stride (every 3 hops) and front end (hop 320), not MLPerf Tiny's defaults.
    #expect(out.contains("evaluate every 3 hop(s)"), "\(out)")
    #expect(out.contains("hop 320"))
}

@Test func inspectJSONHasTheMACsAndTheWorkBlock() throws {
    let (status, out, err) = try runEarshot(["inspect", "Models/earshot-kws.tflite", "--format", "json"], cwd: repoRoot.path)
    #expect(status == 0, "\(err)")
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    #expect(obj["macsPerInference"] as? Int == 363552)
    let work = try #require(obj["work"] as? [String: Any])
    #expect(work["macsPerInference"] as? Int == 363552)
    let rates = try #require(work["rates"] as? [String: Any])
    #expect(rates["evaluateEveryHops"] as? Int == 3)
    #expect((work["features"] as? [String: Any]) != nil)
}

@Test func scoreWithLabelsReportsTheDetectionDelayStatistics() throws {
    let labels = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-acct-labels-\(getpid()).csv")
    try "file,keyword,start,end\nAudio/alexa-1.flac,alexa,1.0,1.6\n".write(to: labels, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: labels) }
    let (status, out, err) = try runEarshot(["score", "--labels", labels.path, "Audio/alexa-1.flac"], cwd: repoRoot.path)
    #expect(status == 0, "\(err)")
    // One alexa detection; its delay is its time minus the labelled end (1.6 s), whatever the model.
    let det = try #require(out.split(separator: "\n").first { $0.hasPrefix("Audio/alexa-1.flac") && $0.contains(" alexa ") },
                           "\(out)")
    let time = try #require(det.split(separator: " ").first { $0.contains(".") && Double($0) != nil }.flatMap { Double($0) })
    let ms = String(format: "%.3f", (time - 1.6) * 1000)
    let row = out.split(separator: "\n").first { $0.hasPrefix("detection delay after keyword end") }
    #expect(row?.contains("n=1 mean \(ms) ms, median \(ms) ms") == true, "\(out)")
}
