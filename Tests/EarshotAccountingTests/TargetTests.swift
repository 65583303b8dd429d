import Foundation
import Testing
import EarshotFeatures
@testable import EarshotAccounting

@Suite struct TargetTests {
    /// 25 inf/s (40 ms) and 1000 µJ per inference at 100 MHz on a 1,000,000-MAC reference model.
    func profile(sleepMW: Double = 1, flash: Int = 2000, ram: Int = 1000) -> TargetProfile {
        TargetProfile(id: "test", name: "Test core", board: "board", clockHz: 100e6, flashBytes: flash, ramBytes: ram,
                      published: PublishedKWSResult(round: "r", submitter: "s", framework: "f",
                                                    throughputInferencesPerSecond: 25, energyPerInferenceMicrojoules: 1000,
                                                    source: "src"),
                      assumedCyclesPerMAC: nil, assumedActivePowerMilliwatts: nil,
                      sleepPowerMilliwatts: sleepMW, featureCyclesPerOp: 1, note: "n")
    }

    let model = ModelWork(ops: [OpWork(name: "FC", macs: 500_000, weightBytes: 1000)],
                          parameterBytes: 1000, arenaBytes: 500, fileBytes: 1500)

    @Test func derivedCyclesPerMACAndActivePower() throws {
        let t = profile()
        #expect(abs(try t.cyclesPerMAC(referenceMACs: 1_000_000) - 4.0) < 1e-12)   // 0.04 s · 100e6 / 1e6
        #expect(abs(try t.activePowerWatts() - 0.025) < 1e-12)                     // 1000 µJ / 40 ms
    }

    @Test func energyDutyAverageAndBattery() throws {
        let features = FeatureWork(config: .mlperfTiny)
        let ops = Double(features.totalOpsPerHop)
        let e = try MCUEstimate(target: profile(), model: model, features: features, featureWorkingBytes: 7184,
                                evaluateEveryHops: 5, battery: Battery(milliampHours: 1000, volts: 3.7),
                                referenceMACs: 1_000_000)
        #expect(abs(e.inferenceSeconds - 0.02) < 1e-12)            // 500,000 · 4 / 100e6
        #expect(abs(e.inferenceJoules - 500e-6) < 1e-12)           // 0.02 s · 25 mW
        #expect(abs(e.featureSecondsPerHop - ops / 100e6) < 1e-15)
        #expect(e.inferencesPerSecond == 10)
        let duty = 10 * 0.02 + 50 * ops / 100e6
        #expect(abs(e.dutyCycle - duty) < 1e-12)
        #expect(e.keepsUp)
        let avg = duty * 0.025 + (1 - duty) * 0.001
        #expect(abs((e.averagePowerWatts ?? 0) - avg) < 1e-12)
        let hours = 1000 * 3.7 * 3.6 / avg / 3600                   // 13,320 J
        #expect(abs((e.batteryHours ?? 0) - hours) < 1e-9)
        #expect(e.minimumEvaluateEveryHops == 2)                   // every hop: 50 · 20 ms alone fills the second
        #expect(e.flashNeededBytes == 1500 && e.fitsFlash)
        #expect(e.ramNeededBytes == 500 + 7184 && !e.fitsRAM)
        #expect(abs(e.processingLatencySeconds - (0.02 + ops / 100e6)) < 1e-12)
    }

    @Test func overrunHasNoAveragePowerOrBatteryLife() throws {
        let e = try MCUEstimate(target: profile(), model: model, features: FeatureWork(config: .mlperfTiny),
                                featureWorkingBytes: 0, evaluateEveryHops: 1, battery: Battery(), referenceMACs: 1_000_000)
        #expect(!e.keepsUp)
        #expect(e.dutyCycle > 1)
        #expect(e.averagePowerWatts == nil && e.batteryHours == nil)
    }

    @Test func batteryJoules() {
        #expect(abs(Battery(milliampHours: 1000, volts: 3.7).joules - 13_320) < 1e-9)
        #expect(abs(Battery(milliampHours: 220, volts: 3.0).joules - 2376) < 1e-9)
    }

    @Test func assumedFiguresWithoutPublishedResult() throws {
        var t = profile()
        t.published = nil
        #expect(throws: AccountingError.self) { try t.cyclesPerMAC(referenceMACs: 1) }
        t.assumedCyclesPerMAC = 1.5
        t.assumedActivePowerMilliwatts = 130
        #expect(try t.cyclesPerMAC(referenceMACs: 1) == 1.5)
        #expect(abs(try t.activePowerWatts() - 0.13) < 1e-12)
    }

    @Test func bundledCatalogDerivesM33FromMLPerf() throws {
        let c = try TargetCatalog.bundled()
        #expect(c.targets.map(\.id) == ["cortex-m4f", "cortex-m33", "cortex-m7", "esp32-s3"])
        let m33 = try c.target(named: "cortex-m33")
        let refMACs = ModelWork.mlperfDSCNN().totalMACs
        // v1.1: 26.112 inf/s, 1004.221 µJ at 160 MHz
        #expect(abs(try m33.cyclesPerMAC(referenceMACs: refMACs) - (1 / 26.112) * 160e6 / 2_656_768) < 1e-12)
        #expect(abs(try m33.activePowerWatts() - 1004.221e-6 * 26.112) < 1e-12)
        for t in c.targets where t.published == nil { #expect(t.note.contains("assumption")) }
        for t in c.targets { #expect(t.note.contains("assumption")) }   // sleep power is always an assumption
    }

    @Test func briefExampleM33Arithmetic() throws {
        // 44.1 ms and 1,138.5 µJ at 160 MHz (MLPerf Tiny v1.0, 22.689 inf/s)
        var t = profile()
        t.clockHz = 160e6
        t.published?.throughputInferencesPerSecond = 1 / 0.0441
        t.published?.energyPerInferenceMicrojoules = 1138.5
        #expect(abs(try t.cyclesPerMAC(referenceMACs: 2_656_768) - 0.0441 * 160e6 / 2_656_768) < 1e-9)
        #expect(abs(try t.activePowerWatts() - 1138.5e-6 / 0.0441) < 1e-9)
    }

    @Test func targetLookupAndErrors() throws {
        let c = try TargetCatalog.bundled()
        #expect(try c.target(named: "ESP32").id == "esp32-s3")
        #expect(try c.target(named: "Arm Cortex-M7 @ 280 MHz").id == "cortex-m7")
        do { _ = try c.target(named: "z80"); Issue.record("expected an error") } catch {
            #expect(error.description.contains("z80") && error.description.contains("cortex-m4f"))
        }
        do { _ = try c.target(named: "cortex"); Issue.record("expected an error") } catch {
            #expect(error.description.contains("ambiguous"))
        }
    }

    @Test func badCatalogIsATypedError() {
        do { _ = try TargetCatalog.decode(Data("{".utf8), source: "bad.json"); Issue.record("expected an error") } catch {
            #expect(error.description.hasPrefix("bad.json"))
        }
        let zeroClock = """
        {"description":"d","referenceModel":"m","targets":[{"id":"x","name":"x","board":"b","clockHz":0,
        "flashBytes":1,"ramBytes":1,"sleepPowerMilliwatts":0,"featureCyclesPerOp":1,"note":""}]}
        """
        do { _ = try TargetCatalog.decode(Data(zeroClock.utf8), source: "z.json"); Issue.record("expected an error") } catch {
            #expect(error.description.contains("target x"))
        }
    }

    @Test func reportRendersTextAndJSON() throws {
        let c = try TargetCatalog.bundled()
        let work = ModelWork.mlperfDSCNN(fileBytes: 53_936)
        let r = try MCUReport(model: "ds-cnn", work: work, featureConfig: .mlperfTiny, evaluateEveryHops: 2,
                              battery: Battery(), targets: c.targets, referenceMACs: work.totalMACs)
        let text = r.text()
        #expect(text.contains("2656768"))
        #expect(text.contains("cortex-m33"))
        #expect(text.contains("tiny_results_v1.1"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.json().utf8)) as? [String: Any])
        #expect(json["macsPerInference"] as? Int == 2_656_768)
        let estimates = try #require(json["estimates"] as? [[String: Any]])
        #expect(estimates.count == 4)
        #expect(estimates.allSatisfy { ($0["flashNeededBytes"] as? Int) == 53_936 })
        // The M33 at 26.1 inf/s can't run 50 inf/s, but can run 25 (every 2 hops) only if features fit too.
        let m33 = try #require(r.estimates.first { $0.target == "cortex-m33" })
        #expect(m33.inferencesPerSecond == 25)
        #expect(m33.keepsUp == (m33.dutyCycle <= 1))
    }
}

@Suite struct CatalogFileTests {
    @Test func loadFromFileAndMissingFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("targets-\(UUID().uuidString).json").path
        let json = """
        {"description":"d","referenceModel":"m","targets":[{"id":"x","name":"X","board":"b","clockHz":1e6,
        "flashBytes":1,"ramBytes":1,"sleepPowerMilliwatts":0,"featureCyclesPerOp":1,"note":"assumption",
        "assumedCyclesPerMAC":2,"assumedActivePowerMilliwatts":10}]}
        """
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try TargetCatalog.load(path: path)
        #expect(c.targets.map(\.id) == ["x"])
        #expect(try c.targets[0].cyclesPerMAC(referenceMACs: 5) == 2)
        do { _ = try TargetCatalog.load(path: path + ".missing"); Issue.record("expected an error") } catch {
            #expect(error.description.contains(".missing"))
        }
    }
}
