import ArgumentParser
import EarshotCapture
import EarshotEngine
import EarshotEvents
import EarshotAccounting
import Foundation
import Logging
import Synchronization

/// `earshot listen`: live wake-word detection from an ALSA capture device.
struct ListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Listen to an ALSA capture device and print a line per detected keyword.",
        discussion: """
            A capture thread reads the device and converts its audio (any of S16/S24/S32/FLOAT, any \
            channel count and rate) to 16 kHz mono; a lock-free ring buffer hands it to a processing \
            thread that consumes whole hops. Overruns and suspends are recovered, a device that \
            disappears is retried until it returns. Detections go to stdout (text or JSON Lines), logs \
            and the final summary to stderr. SIGINT/SIGTERM stop cleanly.

            Without a sound card, --raw-file feeds a raw file through ALSA's `file` plugin. It delivers \
            faster than real time: add --pace to deliver it in real time, or give a --ring-seconds that \
            holds it all, else processing falls behind and samples are dropped (and counted). After the \
            end of the file the plugin delivers silence: give --duration (seconds) to stop there.
            """)

    @Option(name: [.customShort("D"), .long], help: "ALSA capture device (default, hw:1,0, plughw:CARD=Device,DEV=0, ...). See `earshot devices`.")
    var device: String = "default"

    @Option(name: .customLong("raw-file"), help: "Capture from this headerless file through ALSA's file plugin instead of a sound card (its format is --sample-format/--rate/--channels).")
    var rawFile: String?

    @Option(name: .customLong("alsa-config"), help: "ALSA configuration file defining --device, used instead of the system configuration.")
    var alsaConfig: String?

    @Option(help: "Preferred device sample rate in Hz (the nearest offered is taken and converted to 16 kHz).")
    var rate: Int = 16000

    @Option(help: "Preferred channel count (channels are averaged to mono).")
    var channels: Int = 1

    @Option(name: .customLong("sample-format"), help: "Required sample format: S16_LE, S24_LE, S24_3LE, S32_LE or FLOAT_LE (default: the first the device offers; S16_LE with --raw-file).")
    var sampleFormat: String?

    // Default period: one evaluation stride, at least 60 ms. The engine decides once per stride of
    // audio, on the newest frame at each stride boundary, and that frame ends within one hop before
    // the period does: with a 60 ms stride a decision is read as soon as its audio is in, exactly as
    // with 20 ms periods, but the capture and processing threads wake a third as often (wake-ups are
    // most of listen's CPU time: measured 1.35 % of a core with 20 ms periods, 0.60 % with 60 ms).
    // A model evaluated every hop (20 ms) still reads 60 ms periods and makes three decisions per
    // read: its earlier decisions wait up to 40 ms in the device, for a third of the wake-ups.
    @Option(name: .customLong("period-ms"), help: "ALSA period (latency of one read) in milliseconds (default: one evaluation stride of the model, at least 60).")
    var periodMilliseconds: Double?

    @Option(name: .customLong("buffer-ms"), help: "ALSA buffer (slack before an overrun) in milliseconds (default: 4 periods, at least 160).")
    var bufferMilliseconds: Double?

    @Option(name: .customLong("ring-seconds"), help: "Ring buffer between capture and processing, in seconds.")
    var ringSeconds: Double = 2

    @Flag(help: "Pace reads to real time (for a file-fed device, which delivers faster).")
    var pace = false

    @Option(help: "Stop after this many seconds of audio.")
    var duration: Double?

    @OptionGroup var detection: DetectionOptions

    @Flag(name: .customLong("capture-only"), help: "Capture and deliver 20 ms hops without running the model (to measure the capture path).")
    var captureOnly = false

    @Option(help: "Detection output on stdout: text, json (JSON Lines) or csv.")
    var format: OutputFormat = .text

    @Option(name: .customLong("exec"), help: ArgumentHelp("Run this shell command on each detection, with EARSHOT_KEYWORD, EARSHOT_SCORE, EARSHOT_TIME (ISO 8601), EARSHOT_WALL_CLOCK, EARSHOT_AUDIO_TIME, EARSHOT_LATENCY_MS in its environment.", valueName: "CMD"))
    var execCommand: String?

    @Option(name: .customLong("log-level"), help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if rawFile != nil && alsaConfig != nil { throw ValidationError("give --raw-file or --alsa-config, not both") }
        if let sampleFormat, PCMSampleFormat(name: sampleFormat) == nil {
            throw ValidationError("unknown --sample-format '\(sampleFormat)'; use S16_LE, S24_LE, S24_3LE, S32_LE or FLOAT_LE")
        }
        if rate <= 0 || channels <= 0 { throw ValidationError("--rate and --channels must be positive") }
        if let p = periodMilliseconds, !(p > 0) || p > 1000 { throw ValidationError("--period-ms must be in (0, 1000]") }
        if !(ringSeconds > 0) || ringSeconds > 600 { throw ValidationError("--ring-seconds must be in (0, 600]") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "earshot.listen")

        // The detector that consumes hops.
        let detector: any HopDetector
        if captureOnly {
            detector = NoDetector(hopLength: 320)
        } else {
            let engineOptions = try detection.engineOptions()
            do {
                detector = EngineDetector(try Engine(options: engineOptions))
            } catch {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
        }

        // The device: one evaluation stride per period unless told otherwise.
        let periodMs = periodMilliseconds ?? max(60, 1000 * Double(detector.decisionStride) / Double(detector.sampleRate))
        let bufferMs = bufferMilliseconds ?? max(160, 4 * periodMs)
        if bufferMs < 2 * periodMs { throw ValidationError("--buffer-ms must be at least twice the period (\(periodMs) ms)") }
        var request = PCMRequest(device: device, rate: rate, channels: channels,
                                 format: sampleFormat.flatMap(PCMSampleFormat.init(name:)),
                                 periodMicroseconds: Int(periodMs * 1000),
                                 bufferMicroseconds: Int(bufferMs * 1000))
        if let rawFile {
            guard FileManager.default.isReadableFile(atPath: rawFile) else {
                throw ValidationError("--raw-file \(rawFile): cannot read file")
            }
            request.device = "earshot_raw_file"
            request.configText = ALSADevices.fileCaptureConfig(name: request.device, rawFile: rawFile)
            if request.format == nil { request.format = .s16 }
        } else if let alsaConfig {
            guard let text = try? String(contentsOfFile: alsaConfig, encoding: .utf8) else {
                throw ValidationError("--alsa-config \(alsaConfig): cannot read file")
            }
            request.configText = text
        }
        let outputRate = detector.sampleRate
        let options = LiveCaptureOptions(
            request: request, outputRate: outputRate, hopLength: detector.hopLength, ringSeconds: ringSeconds,
            pace: pace, maxCapturedSamples: duration.map { Int($0 * Double(outputRate)) },
            firstHopLength: detector.firstHopLength)

        let deviceLabel = rawFile.map { "raw file \($0)" } ?? "'\(device)'"
        let openedOnce = Atomic<Bool>(false)
        let capture = LiveCapture(options: options, onEvent: { event in
            switch event {
            case .opened(let p):
                if openedOnce.exchange(true, ordering: .relaxed) {
                    logger.notice("\(deviceLabel) is back; listening again: \(p)")
                }
            case .overrun(let total): logger.warning("overrun on \(deviceLabel) recovered (\(total) so far)")
            case .suspendRecovered(let total): logger.warning("\(deviceLabel) was suspended; resumed (\(total) so far)")
            case .deviceLost(let code):
                logger.error("\(deviceLabel) disappeared (\(code)); retrying until it returns")
            case .reopenFailed(let error, let retryIn):
                logger.notice("\(deviceLabel) still unavailable (\(error.code.map { "\($0)" } ?? error.description)); next try in \(String(format: "%.2f", retryIn)) s")
            case .readError(let code): logger.warning("read error on \(deviceLabel): \(code); re-preparing")
            case .dropped(let total):
                logger.warning("processing is falling behind: \(total) samples dropped so far")
            }
        })

        let sink = DetectionSink(format: format.detectionFormat, execCommand: execCommand, logger: logger)
        let consumer = HopConsumer(detector: detector, sink: sink)

        let meter = RunMeter(clock: SystemMonotonicClock())
        let params: PCMParameters
        do {
            params = try capture.start { hop in consumer.consume(hop) }
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        logger.info("capturing from \(deviceLabel): \(params)")
        logger.info("processing \(detector.hopLength)-sample hops at \(outputRate) Hz (\(String(format: "%.1f", 1000 * Double(detector.hopLength) / Double(outputRate))) ms)\(params.rate == outputRate ? "" : ", resampling \(params.rate) → \(outputRate) Hz")\(pace ? ", paced to real time" : "")")

        let stopSignal = Atomic<Int32>(0)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if stopSignal.exchange(sig, ordering: .relaxed) != 0 {
                    // A second signal while stopping: give up at once.
                    _exit(128 + sig)
                }
                capture.stop()
            }
            source.resume()
            sources.append(source)
        }
        let wallStart = Date()
        capture.waitUntilFinished()
        let wall = Date().timeIntervalSince(wallStart)
        consumer.finish()
        sink.drain()
        for s in sources { s.cancel() }

        let stats = capture.statistics
        let sig = stopSignal.load(ordering: .relaxed)
        let reason = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : duration != nil ? "duration reached" : "capture ended"
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let processCPU = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        func pct(_ cpu: Double) -> String { wall > 0 ? String(format: "%.2f%%", 100 * cpu / wall) : "-" }
        let counts = sink.countsByKeyword
        let detectionsText = counts.isEmpty ? "none"
            : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let latency = consumer.latencySummary
        var lines = [
            "earshot listen: stopped (\(reason))",
            "  audio: \(String(format: "%.2f", stats.deliveredSeconds(rate: outputRate))) s processed in \(stats.hopsDelivered) hops, \(String(format: "%.2f", wall)) s wall",
            "  device: \(deviceLabel), \(capture.deviceParameters.map { "\($0)" } ?? "-")",
            "  detections: \(detectionsText)",
            "  faults: \(stats.xruns) xruns, \(stats.suspends) suspends, \(stats.deviceLosses) device losses (\(stats.reopenAttempts) reopen attempts), \(stats.droppedSamples) dropped samples, \(stats.interruptedReads) interrupted reads, \(stats.shortReads) short reads, \(stats.otherErrors) other errors",
            "  CPU: process \(String(format: "%.3f", processCPU)) s (\(pct(processCPU)) of one core); capture thread \(String(format: "%.3f", stats.captureCPUSeconds)) s (\(pct(stats.captureCPUSeconds))); processing thread \(String(format: "%.3f", stats.processingCPUSeconds)) s (\(pct(stats.processingCPUSeconds)))",
        ]
        lines.append("  sample times: " + (pace ? "paced (the file plugin has no clock)"
            : "\(stats.hardwareTimestamps) reads dated by the device's hardware timestamp (snd_pcm_status), "
              + "\(stats.estimatedTimestamps) by the read time (device gave no monotonic timestamp)"))
        if let work = detector.workSummary { lines.append("  " + work) }
        if latency.count > 0 {
            lines.append("  hop latency (last sample captured → hop processed): mean \(String(format: "%.2f", latency.meanMs)) ms, max \(String(format: "%.2f", latency.maxMs)) ms")
        }
        if latency.decidingHops > 0 {
            let n = Double(latency.decidingHops)
            lines.append("  deciding hops (\(latency.decidingHops), one per inference): mean capture buffering \(String(format: "%.2f", Double(latency.bufferingNanos) / n / 1e6)) ms, mean ring wait \(String(format: "%.3f", Double(latency.ringNanos) / n / 1e6)) ms")
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))

        // The accounting summary, with the stage names of detection latency lines.
        let engineTotals = detector.stageTotals ?? StageTotals()
        let stages = LatencyBreakdown(captureBuffering: Double(latency.bufferingNanos) / 1e9,
                                      ringWait: Double(latency.ringNanos) / 1e9,
                                      features: Double(engineTotals.featureNanos) / 1e9,
                                      inference: Double(engineTotals.inferenceNanos) / 1e9,
                                      decision: Double(engineTotals.decisionNanos) / 1e9)
        var run = meter.finish(audioSeconds: stats.deliveredSeconds(rate: outputRate), stageTotals: stages,
                               inferences: engineTotals.inferences, hops: engineTotals.hops > 0 ? engineTotals.hops : stats.hopsDelivered,
                               detections: counts.values.reduce(0, +))
        run.processingThreadCPUSeconds = stats.processingCPUSeconds
        var table = format == .json ? run.json() + "\n" : run.textTable()
        if format != .json, run.audioSeconds > 0 {
            // Work stages only: capture and ring are waits (totalled over the deciding hops above), not work.
            let perSecond = [Stage.features, .inference, .decision].map { "\($0.label) " + Format.number(stages[$0] * 1000 / run.audioSeconds, 4) }
            table += "processing per second of audio (ms): " + perSecond.joined(separator: ", ") + "\n"
        }
        FileHandle.standardError.write(Data(table.utf8))
    }
}

// MARK: - Detection

/// What turns hops of mono audio into detections (the engine, or nothing).
protocol HopDetector: AnyObject {
    /// Rate of the audio it expects.
    var sampleRate: Int { get }
    /// Samples per hop it expects.
    var hopLength: Int { get }
    /// Samples of audio between two decisions (the default ALSA period).
    var decisionStride: Int { get }
    /// Network runs so far.
    var inferences: Int { get }
    /// Length of the first hop so that hops end where feature frames do (nil: a whole hop).
    var firstHopLength: Int? { get }
    /// Processes one hop; calls `onDetection` for each detection it ends.
    func process(_ samples: UnsafeBufferPointer<Float>, onDetection: (Detection) -> Void)
    /// Ends the stream, flushing held detections.
    func finish(onDetection: (Detection) -> Void)
    /// One line about the work done, for the summary (nil if none).
    var workSummary: String? { get }
    /// Processing time per stage so far (nil when nothing is processed).
    var stageTotals: StageTotals? { get }
}

/// Capture only: no detection.
final class NoDetector: HopDetector {
    let sampleRate = 16000
    let hopLength: Int
    init(hopLength: Int) { self.hopLength = hopLength }
    var decisionStride: Int { hopLength }
    var inferences: Int { 0 }
    var firstHopLength: Int? { nil }
    func process(_ samples: UnsafeBufferPointer<Float>, onDetection: (Detection) -> Void) {}
    func finish(onDetection: (Detection) -> Void) {}
    var workSummary: String? { nil }
    var stageTotals: StageTotals? { nil }
}

/// The streaming engine as a hop detector.
final class EngineDetector: HopDetector {
    let engine: Engine
    init(_ engine: Engine) { self.engine = engine }
    var stageTotals: StageTotals? { engine.totals }
    var sampleRate: Int { engine.sampleRate }
    var hopLength: Int { engine.hopLength }
    var decisionStride: Int { engine.hopLength * engine.evaluateEveryHops }
    var inferences: Int { engine.totals.inferences }
    var firstHopLength: Int? {
        let r = engine.manifest.features.windowLength % engine.hopLength
        return r == 0 ? nil : r
    }
    func process(_ samples: UnsafeBufferPointer<Float>, onDetection: (Detection) -> Void) {
        engine.process(samples, onDetection: onDetection)
    }
    func finish(onDetection: (Detection) -> Void) { engine.finish(padSeconds: 0, onDetection: onDetection) }
    var workSummary: String? {
        let t = engine.totals
        guard t.hops > 0 else { return nil }
        let perInference = t.inferences > 0 ? Double(t.inferenceNanos) / Double(t.inferences) / 1e6 : 0
        return "engine: \(engine.keywords.joined(separator: ", ")); \(t.hops) hops, \(t.inferences) inferences; "
            + "features \(String(format: "%.3f", Double(t.featureNanos) / 1e9)) s, "
            + "inference \(String(format: "%.3f", Double(t.inferenceNanos) / 1e9)) s "
            + "(\(String(format: "%.3f", perInference)) ms each), decisions \(String(format: "%.3f", Double(t.decisionNanos) / 1e9)) s"
    }
}

/// Runs the detector on each hop (processing thread) and measures capture-to-processed latency.
final class HopConsumer: @unchecked Sendable {
    private let detector: any HopDetector
    private let sink: DetectionSink
    // Touched only by the processing thread until capture has finished.
    private var latencySumNs: UInt64 = 0
    private var latencyMaxNs: UInt64 = 0
    private var latencyCount = 0
    private var bufferingNanos: UInt64 = 0
    private var ringNanos: UInt64 = 0
    private var decidingHops = 0

    init(detector: any HopDetector, sink: DetectionSink) {
        self.detector = detector
        self.sink = sink
    }

    func consume(_ hop: LiveHop) {
        let captured = hop.lastSampleCapturedAt
        let sink = self.sink
        let processingStart = LiveCapture.monotonicNow()
        // Capture buffering: the hop's newest sample entering ALSA → the end of the read that
        // delivered it; ring wait: that read's push into the ring → processing start.
        let bufferingNs = hop.captureBufferingNanos
        let ringNs = hop.deliveredAt > 0 && processingStart > hop.deliveredAt ? processingStart - hop.deliveredAt : 0
        let buffering = Double(bufferingNs) / 1e9
        let ring = Double(ringNs) / 1e9
        let inferencesBefore = detector.inferences
        detector.process(hop.samples) { detection in
            var d = detection
            d.latency.captureBuffering = buffering
            d.latency.ringWait = ring
            sink.emit(d, wallClock: Date(), latencySeconds: d.latency.total)
        }
        // Waits are totalled over the hops that ran the network: the hops decisions come from.
        if detector.inferences != inferencesBefore {
            decidingHops += 1
            bufferingNanos &+= bufferingNs
            ringNanos &+= ringNs
        }
        let now = LiveCapture.monotonicNow()
        if captured > 0 && now > captured {
            let l = now - captured
            latencySumNs &+= l
            latencyMaxNs = max(latencyMaxNs, l)
            latencyCount += 1
        }
    }

    /// Flushes held detections; call after capture has finished.
    func finish() {
        let sink = self.sink
        detector.finish { sink.emit($0, wallClock: Date(), latencySeconds: nil) }
    }

    /// Mean and max hop latency (valid after capture has finished).
    var latencySummary: (count: Int, meanMs: Double, maxMs: Double, bufferingNanos: UInt64, ringNanos: UInt64,
                         decidingHops: Int) {
        (latencyCount, latencyCount > 0 ? Double(latencySumNs) / Double(latencyCount) / 1e6 : 0, Double(latencyMaxNs) / 1e6,
         bufferingNanos, ringNanos, decidingHops)
    }
}

/// Prints detections and runs `--exec` on a serial queue of its own, never on the audio threads.
final class DetectionSink: @unchecked Sendable {
    private let queue = DispatchQueue(label: "earshot.listen.output")
    private let format: DetectionFormat
    private let execCommand: String?
    private let logger: Logger
    private var counts: [String: Int] = [:]   // touched on `queue` only
    private let children = DispatchGroup()

    init(format: DetectionFormat, execCommand: String?, logger: Logger) {
        self.format = format
        self.execCommand = execCommand
        self.logger = logger
        if let h = format.header { FileHandle.standardOutput.write(Data((h + "\n").utf8)) }
    }

    /// Queues a detection for output; returns at once. `latencySeconds` runs from the moment the
    /// last sample of the deciding hop entered ALSA to the detection.
    func emit(_ detection: Detection, wallClock: Date, latencySeconds: Double?) {
        queue.async { [self] in
            var d = detection
            d.wallClock = wallClock.timeIntervalSince1970
            counts[d.keyword, default: 0] += 1
            FileHandle.standardOutput.write(Data((format.line(d) + "\n").utf8))
            if let execCommand {
                spawn(execCommand, environment: [
                    "EARSHOT_KEYWORD": d.keyword,
                    "EARSHOT_SCORE": String(format: "%.4f", d.score),
                    "EARSHOT_TIME": Self.timestamp(wallClock),
                    "EARSHOT_WALL_CLOCK": String(format: "%.6f", wallClock.timeIntervalSince1970),
                    "EARSHOT_AUDIO_TIME": String(format: "%.3f", d.audioTime),
                    "EARSHOT_LATENCY_MS": latencySeconds.map { String(format: "%.2f", $0 * 1000) } ?? "",
                ])
            }
        }
    }

    /// Waits until queued output is written and spawned commands have exited.
    func drain() {
        queue.sync {}
        _ = children.wait(timeout: .now() + 10)
    }

    /// Detections per keyword so far.
    var countsByKeyword: [String: Int] { queue.sync { counts } }

    private func spawn(_ command: String, environment extra: [String: String]) {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { (s: String) in strdup(s) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { (k: String, v: String) in strdup(k + "=" + v) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The listener ignores SIGINT/SIGTERM (it handles them itself); the command gets the defaults.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", nil, &attr, argv, envp)
        guard rc == 0 else {
            logger.error("--exec: cannot start /bin/sh: \(String(cString: strerror(rc)))")
            return
        }
        children.enter()
        let logger = self.logger
        let group = children
        let child = pid
        DispatchQueue.global().async {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            if status != 0 { logger.warning("--exec command exited with status \(status)") }
            group.leave()
        }
    }

    private static func timestamp(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let ms = Int((date.timeIntervalSince1970 - Double(t)) * 1000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
                      tmv.tm_hour, tmv.tm_min, tmv.tm_sec, min(999, max(0, ms)))
    }

}
