import Foundation
import Testing
import EarshotFeatures
@testable import EarshotAccounting

@Suite struct RunMeterTests {
    @Test func delayStatisticsByHand() throws {
        let d = try #require(DelayStatistics([0.3, 0.1, 0.2, 0.4]))
        #expect(d.count == 4)
        #expect(abs(d.mean - 0.25) < 1e-12)
        #expect(abs(d.median - 0.25) < 1e-12)
        #expect(d.p90 == 0.4)          // nearest rank ceil(0.9·4) = 4
        #expect(d.min == 0.1 && d.max == 0.4)
        let odd = try #require(DelayStatistics([5, 1, 3]))
        #expect(odd.median == 3)
        #expect(DelayStatistics([]) == nil)
        #expect(DelayStatistics([1, .nan]) == nil)
    }

    @Test func meterFinishesWithManualClockAndFakeRAPL() throws {
        let clock = ManualClock(nanoseconds: 10_000_000_000)
        let meter = RunMeter(clock: clock, rapl: RAPLMeter(root: "/nonexistent"))
        clock.advance(seconds: 3)
        let run = meter.finish(audioSeconds: 12, stageTotals: LatencyBreakdown(inference: 0.5), inferences: 100,
                               hops: 600, detections: 2, detectionDelays: [0.2, 0.4])
        #expect(run.wallSeconds == 3)
        #expect(run.realTimeFactor == 0.25)
        #expect(run.energyJoules == nil)
        #expect(run.energyStatus == "RAPL: not available (/nonexistent does not exist)")
        #expect(run.detectionDelay?.count == 2)
        #expect(run.textTable().contains("detection delay after keyword end"))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(run.json().utf8)) as? [String: Any])
        let delay = try #require(obj["detectionDelay"] as? [String: Any])
        #expect(abs((delay["mean"] as? Double ?? 0) - 0.3) < 1e-12)
    }

    @Test func detectionLineFields() throws {
        let t = DetectionTiming(audioTime: 2.5, keywordEnd: 2.28,
                                latency: LatencyBreakdown(captureBuffering: 0.02, ringWait: 0.001, features: 0.0002,
                                                          inference: 0.005, decision: 0.0001))
        #expect(t.textFields == "audio=2.500s kw_end≈2.280s delay=220.0ms latency=26.3ms [capture 20.000 ring 1.000 features 0.200 inference 5.000 decision 0.100 ms]")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(t.json.utf8)) as? [String: Any])
        #expect(obj["audioTime"] as? Double == 2.5)
        let stages = try #require(obj["latency"] as? [String: Double])
        #expect(stages["capture"] == 0.02 && stages["inference"] == 0.005)
    }

    @Test func workSummaryForInspect() throws {
        let s = WorkSummary(model: "m", work: .mlperfDSCNN(fileBytes: 53_936), featureConfig: .mlperfTiny, evaluateEveryHops: 1)
        let text = s.text()
        #expect(text.contains("2656768"))
        #expect(text.contains("DEPTHWISE_CONV_2D      4          288000"))
        #expect(text.contains("FFT 11776 flop"))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any])
        #expect(obj["macsPerInference"] as? Int == 2_656_768)
        #expect(obj["weightBytesPerInference"] as? Int == 24_368)
        let rates = try #require(obj["rates"] as? [String: Any])
        #expect(rates["inferencesPerSecond"] as? Double == 50)
    }
}
