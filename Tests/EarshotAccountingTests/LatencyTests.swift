import Foundation
import Testing
@testable import EarshotAccounting

@Suite struct LatencyTests {
    @Test func stageTimerWithManualClock() {
        let clock = ManualClock(nanoseconds: 5_000)
        var t = StageTimer(clock: clock)
        t.start()
        t.add(.captureBuffering, nanoseconds: 20_000_000)
        clock.advance(nanoseconds: 1_000_000); t.mark(.ringWait)
        clock.advance(nanoseconds: 3_000_000); t.mark(.features)
        clock.advance(nanoseconds: 7_000_000); t.mark(.inference)
        clock.advance(nanoseconds: 500_000); t.mark(.decision)
        let pass = t.currentPass
        #expect(pass == LatencyBreakdown(captureBuffering: 0.02, ringWait: 0.001, features: 0.003, inference: 0.007, decision: 0.0005))
        #expect(abs(pass.total - 0.0315) < 1e-15)

        t.start()
        clock.advance(nanoseconds: 2_000_000); t.mark(.features)
        #expect(t.currentPass.features == 0.002 && t.currentPass.inference == 0)
        #expect(t.totalNanoseconds(.features) == 5_000_000)
        #expect(t.count(.features) == 2 && t.count(.inference) == 1)
        #expect(t.totals.features == 0.005)
        t.reset()
        #expect(t.totals.total == 0 && t.count(.features) == 0)
    }

    @Test func breakdownFromStamps() {
        let base: UInt64 = 1_000_000_000
        let s = StageStamps(sampleCaptured: base, periodDelivered: base + 20_000_000, ringTaken: base + 21_000_000,
                            featuresDone: base + 21_200_000, inferenceDone: base + 26_200_000,
                            decisionDone: base + 26_250_000)
        let b = LatencyBreakdown(stamps: s)
        #expect(abs(b.captureBuffering - 0.020) < 1e-12)
        #expect(abs(b.ringWait - 0.001) < 1e-12)
        #expect(abs(b.features - 0.0002) < 1e-12)
        #expect(abs(b.inference - 0.005) < 1e-12)
        #expect(abs(b.decision - 0.00005) < 1e-12)
        #expect(abs(b.total - 0.02625) < 1e-12)
        var bad = s
        bad.ringTaken = base        // earlier than delivery: counted as zero, not negative
        #expect(LatencyBreakdown(stamps: bad).ringWait == 0)
    }

    @Test func alsaCaptureTime() {
        // status at 2 s, 320 frames still in the buffer at 16 kHz: newest frame read was captured 20 ms earlier
        #expect(StageStamps.captureTime(statusTimestampNanoseconds: 2_000_000_000, delayFrames: 320, sampleRate: 16_000) == 1_980_000_000)
        #expect(StageStamps.captureTime(statusTimestampNanoseconds: 7, delayFrames: 320, sampleRate: 16_000) == 7)
        #expect(StageStamps.captureTime(statusTimestampNanoseconds: 7, delayFrames: 1, sampleRate: 0) == 7)
    }

    @Test func detectionTimingArithmetic() {
        let lat = LatencyBreakdown(captureBuffering: 0.02, ringWait: 0.001, features: 0.0002, inference: 0.005, decision: 0.0001)
        let end = DetectionTiming.estimatedKeywordEnd(firstCrossingAudioTime: 2.30, hopSeconds: 0.02, detectionAudioTime: 2.5)
        #expect(abs(end - 2.28) < 1e-12)
        let d = DetectionTiming(audioTime: 2.5, keywordEnd: end, latency: lat)
        #expect(abs(d.algorithmicDelay - 0.22) < 1e-12)
        #expect(abs(d.totalDelay - (0.22 + 0.0263)) < 1e-12)
        #expect(abs(DetectionTiming.detectionDelay(detectionAudioTime: 2.5, labelledKeywordEnd: 2.1) - 0.4) < 1e-12)
        #expect(DetectionTiming.audioTime(sampleIndex: 40_000, sampleRate: 16_000) == 2.5)
        #expect(DetectionTiming.audioTime(sampleIndex: 1, sampleRate: 0) == 0)
        #expect(DetectionTiming.estimatedKeywordEnd(firstCrossingAudioTime: 0.01, hopSeconds: 0.02, detectionAudioTime: 1) == 0)
    }

    @Test func manualClockIgnoresBadSeconds() {
        let c = ManualClock()
        c.advance(seconds: -1); c.advance(seconds: .nan)
        #expect(c.nowNanoseconds() == 0)
        c.advance(seconds: 0.25)
        #expect(c.nowNanoseconds() == 250_000_000)
        let sys = SystemMonotonicClock()
        let a = sys.nowNanoseconds(), b = sys.nowNanoseconds()
        #expect(b >= a)
    }
}

@Suite struct RunAccountingTests {
    let run = RunAccounting(audioSeconds: 60, wallSeconds: 15, cpuSeconds: 3, processingThreadCPUSeconds: 2.5,
                            energyJoules: 30, energyStatus: "RAPL: available (package-0)",
                            stageTotals: LatencyBreakdown(captureBuffering: 0, ringWait: 0.5, features: 0.6, inference: 1.5, decision: 0.03),
                            inferences: 3000, hops: 3000, detections: 4)

    @Test func derivedFigures() {
        #expect(run.realTimeFactor == 0.25)
        #expect(run.cpuSecondsPerAudioSecond == 0.05)
        #expect(run.shareOfCore == 0.2)
        #expect(run.averageWatts == 2)
        #expect(run.meanInferenceSeconds == 0.0005)
        #expect(abs(run.meanFeatureSecondsPerHop - 0.0002) < 1e-15)
        let empty = RunAccounting(audioSeconds: 0, wallSeconds: 0, cpuSeconds: 0, energyStatus: "", stageTotals: .init(),
                                  inferences: 0, hops: 0, detections: 0)
        #expect(empty.realTimeFactor == 0 && empty.shareOfCore == 0 && empty.averageWatts == nil && empty.meanInferenceSeconds == 0)
    }

    @Test func textTable() {
        let t = run.textTable()
        #expect(t.contains("real-time factor"))
        #expect(t.contains("0.2500 (wall s per audio s)"))
        #expect(t.contains("20.00 %"))
        #expect(t.contains("30.000 J, 2.000 W average"))
        #expect(t.contains("RAPL: available (package-0)"))
        #expect(t.contains("stage inference"))
        #expect(t.contains("0.500 ms"))
    }

    @Test func jsonCarriesDerivedFields() throws {
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(run.json().utf8)) as? [String: Any])
        #expect(obj["realTimeFactor"] as? Double == 0.25)
        #expect(obj["shareOfCore"] as? Double == 0.2)
        #expect(obj["energyJoules"] as? Double == 30)
        #expect(obj["inferences"] as? Int == 3000)
        let stages = try #require(obj["stageSeconds"] as? [String: Double])
        #expect(stages["inference"] == 1.5 && stages["ring"] == 0.5)
    }

    @Test func summaryFromMeasurements() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rapl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/intel-rapl:0", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (f, v) in [("name", "package-0"), ("energy_uj", "100"), ("max_energy_range_uj", "1000")] {
            try Data(v.utf8).write(to: URL(fileURLWithPath: root + "/intel-rapl:0/" + f))
        }
        let meter = RAPLMeter(root: root)
        let s = try #require(meter.read())
        try Data("50".utf8).write(to: URL(fileURLWithPath: root + "/intel-rapl:0/energy_uj"))
        let e = try #require(meter.read())
        let cpu = CPUUsage(processUser: 1, processSystem: 1, thread: 1.5, wall: 4)
        let r = RunAccounting(audioSeconds: 8, cpu: cpu, stageTotals: .init(), inferences: 1, hops: 2, detections: 0,
                              rapl: meter, raplStart: s, raplEnd: e)
        #expect(abs((r.energyJoules ?? 0) - 950e-6) < 1e-15)    // (1000 − 100) + 50 µJ
        #expect(r.realTimeFactor == 0.5 && r.shareOfCore == 0.5 && r.processingThreadCPUSeconds == 1.5)
        let none = RunAccounting(audioSeconds: 8, cpu: cpu, stageTotals: .init(), inferences: 1, hops: 2, detections: 0,
                                 rapl: RAPLMeter(root: "/nonexistent"), raplStart: nil, raplEnd: nil)
        #expect(none.energyJoules == nil)
        #expect(none.textTable().contains("RAPL: not available (/nonexistent does not exist)"))
    }

    @Test func textTableLayout() {
        let t = TextTable(header: ["a", "num"], rows: [["xx", "1"], ["y", "22"]]).render()
        #expect(t == "a   num\n--  ---\nxx    1\ny    22\n")
    }
}
