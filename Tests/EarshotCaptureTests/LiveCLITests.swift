import Foundation
import Testing

/// End-to-end `earshot listen` / `earshot devices` runs of the built executable, fed through ALSA's
/// file plugin. Skipped when the executable has not been built next to the test bundle.
private let earshotExecutable: URL = {
    for b in Bundle.allBundles where b.bundleURL.pathExtension == "xctest" {
        return b.bundleURL.deletingLastPathComponent().appendingPathComponent("earshot")
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("earshot")
}()

@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: earshotExecutable.path)))
struct LiveCLITests {
    static let earshot = earshotExecutable
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Starts earshot; returns the process and its output pipes.
    private func launch(_ args: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = Self.earshot
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    private func finish(_ run: (Process, Pipe, Pipe)) -> (Int32, String, String) {
        let o = run.1.fileHandleForReading.readDataToEndOfFile()
        let e = run.2.fileHandleForReading.readDataToEndOfFile()
        run.0.waitUntilExit()
        return (run.0.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// The MLPerf fixture with low thresholds, so that the clip gives several detections.
    private func model() throws -> String {
        let dir = NSTemporaryDirectory() + "earshot-alsa-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Self.repoRoot.appendingPathComponent("Tests/EarshotModelTests/Fixtures/mlperf-tiny-kws-ds-cnn-int8.tflite").path,
            toPath: dir + "/m.tflite")
        let sidecar = """
        {"features": {"sampleRate": 16000, "windowLength": 480, "window": "hann", "hopLength": 320, "fftSize": 512,
          "spectrum": "magnitude", "melBands": 40, "melLowHz": 20, "melHighHz": 4000, "logFloor": 1e-6,
          "dctScale": 0.22360679774997896, "coefficients": 10},
         "labels": ["down","go","left","no","off","on","right","stop","up","yes","_silence_","_unknown_"],
         "thresholds": {"down":0.2,"go":0.2,"left":0.2,"no":0.2,"off":0.2,"on":0.2,"right":0.2,"stop":0.2,"up":0.2,"yes":0.2},
         "evaluateEveryHops": 4, "smoothingInferences": 1, "refractorySeconds": 0.3}
        """
        try Data(sidecar.utf8).write(to: URL(fileURLWithPath: dir + "/m.json"))
        return dir + "/m.tflite"
    }

    /// The 16-bit samples of a WAV file's data chunk, as raw S16_LE.
    private func rawPCM(ofWAV path: String) throws -> Data {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        var i = 12
        while i + 8 <= d.count {
            let id = String(decoding: d[i..<(i + 4)], as: UTF8.self)
            let size = Int(d[i + 4]) | Int(d[i + 5]) << 8 | Int(d[i + 6]) << 16 | Int(d[i + 7]) << 24
            if id == "data" { return d[(i + 8)..<min(d.count, i + 8 + size)] }
            i += 8 + size + (size & 1)
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    @Test func listenPrintsTheDetectionsOfScoreAndRunsExec() throws {
        let modelPath = try model()
        let wav = Self.repoRoot.appendingPathComponent("Audio/mix-keywords-digit.wav").path
        let raw = temporaryPath("cli.raw")
        let execLog = temporaryPath("exec.log")
        defer { unlink(raw); unlink(execLog) }
        let pcm = try rawPCM(ofWAV: wav)
        try pcm.write(to: URL(fileURLWithPath: raw))
        let seconds = Double(pcm.count / 2) / 16000

        let (scoreStatus, scoreOut, _) = finish(try launch(["score", "--model", modelPath, "--format", "json", wav]))
        #expect(scoreStatus == 0)
        let (status, out, err) = finish(try launch([
            "listen", "--model", modelPath, "--raw-file", raw, "--duration", String(seconds), "--ring-seconds", "30",
            "--format", "json", "--exec", "echo \"$EARSHOT_KEYWORD $EARSHOT_SCORE $EARSHOT_AUDIO_TIME\" >> \(execLog)"]))
        #expect(status == 0, "\(err)")

        // Same keywords and scores as `earshot score` (decision times may differ by the score
        // command's block alignment, so they are not compared).
        func keywordsAndScores(_ jsonLines: String) throws -> [String] {
            try jsonLines.split(separator: "\n").compactMap { line -> String? in
                guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let k = o["keyword"] as? String, let s = o["score"] as? Double else { return nil }
                return "\(k) \(String(format: "%.4f", s))"
            }
        }
        let live = try keywordsAndScores(out)
        let batch = try keywordsAndScores(scoreOut)
        #expect(live.count >= 3)
        #expect(live == batch)
        // Each live detection carries its latency by accounting stage, capture buffering and ring wait included.
        for key in ["\"latency_ms\":{\"capture\":", "\"ring\":", "\"features\":", "\"inference\":", "\"decision\":", "\"total\":"] {
            #expect(out.contains(key), "no \(key) in \(out)")
        }
        // The default period is one evaluation stride of the model (4 hops of 320 samples), the buffer 4 periods.
        #expect(err.contains("period 1280 frames (80.0 ms), buffer 5120 frames (320.0 ms)"))
        #expect(err.contains("0 xruns") && err.contains("0 dropped samples"))

        // --exec ran once per detection with the keyword in its environment.
        let execLines = (try? String(contentsOfFile: execLog, encoding: .utf8))?.split(separator: "\n") ?? []
        #expect(execLines.count == live.count)
        #expect(Set(execLines.map { String($0.split(separator: " ")[0]) }) == Set(live.map { String($0.split(separator: " ")[0]) }))
    }

    @Test func sigtermStopsCleanlyWithASummary() throws {
        let raw = temporaryPath("term.raw")
        defer { unlink(raw) }
        try writeRawSignal(to: raw, frames: 16000 * 30, channels: 2, format: .s32)
        let run = try launch(["listen", "--capture-only", "--raw-file", raw, "--rate", "48000", "--channels", "2",
                              "--sample-format", "S32_LE", "--pace"])
        usleep(1_200_000)
        kill(run.0.processIdentifier, SIGTERM)
        let (status, _, err) = finish(run)
        #expect(status == 0)
        #expect(err.contains("stopped (SIGTERM)"))
        #expect(err.contains("48000 Hz, 2 ch, S32_LE"))
        #expect(err.contains("resampling 48000 → 16000 Hz"))
        #expect(err.contains("xruns") && err.contains("dropped samples") && err.contains("CPU: process"))
    }

    @Test func missingDeviceIsOneLineNamingTheDevicesThatExist() throws {
        let (status, out, err) = finish(try launch(["listen", "--capture-only", "--device", "alsa_missing_device"]))
        #expect(status == 2)
        #expect(out.isEmpty)
        let ours = err.split(separator: "\n").filter { $0.hasPrefix("earshot:") }
        #expect(ours.count == 1)
        #expect(ours.first?.contains("'alsa_missing_device'") == true && ours.first?.contains("capture devices: null") == true)
    }

    @Test func devicesListsCapturePCMs() throws {
        let (status, out, _) = finish(try launch(["devices"]))
        #expect(status == 0)
        #expect(out.contains("null"))
        let (jsonStatus, json, _) = finish(try launch(["devices", "--json"]))
        #expect(jsonStatus == 0)
        let o = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(o?["pcms"] != nil && o?["cards"] != nil)
    }
}
