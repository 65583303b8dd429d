import Foundation
import Testing
@testable import EarshotFeatures

@Suite("FeatureConfig")
struct FeatureConfigTests {
    @Test func mlperfTinyIsValidAndHasTheContractValues() throws {
        let c = FeatureConfig.mlperfTiny
        try c.validate()
        #expect(c.sampleRate == 16000 && c.windowLength == 480 && c.hopLength == 320 && c.fftSize == 512)
        #expect(c.melBands == 40 && c.melLowHz == 20 && c.melHighHz == 4000 && c.coefficients == 10)
        #expect(c.window == .hann && c.spectrum == .magnitude && c.logFloor == 1e-6)
        #expect(abs(c.dctScale - Float((2.0 / 40.0).squareRoot())) < 1e-7)
    }

    @Test func jsonRoundTripAndKeys() throws {
        var c = FeatureConfig.mlperfTiny
        c.inputQuantization = .init(scale: 0.5, zeroPoint: -3)
        let data = try c.jsonData()
        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"sampleRate\"", "\"windowLength\"", "\"hopLength\"", "\"fftSize\"", "\"melBands\"",
                    "\"melLowHz\"", "\"melHighHz\"", "\"logFloor\"", "\"dctScale\"", "\"coefficients\"",
                    "\"window\" : \"hann\"", "\"spectrum\" : \"magnitude\"", "\"version\" : 1", "\"zeroPoint\" : -3"] {
            #expect(text.contains(key), "missing \(key)")
        }
        #expect(try FeatureConfig.decode(json: data) == c)
    }

    @Test func loadsFromAModelSidecarAndFromOldFilesWithoutNewFields() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-fc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = """
        {"labels": ["_silence_", "_unknown_", "alexa"], "features": {"sampleRate": 16000, "windowLength": 480,
         "window": "hann", "hopLength": 320, "fftSize": 512, "spectrum": "magnitude", "melBands": 40,
         "melLowHz": 20, "melHighHz": 4000, "logFloor": 1e-6, "dctScale": 0.2236068, "coefficients": 10}}
        """
        try old.write(to: dir.appendingPathComponent("m.json"), atomically: true, encoding: .utf8)
        let c = try FeatureConfig.load(modelPath: dir.appendingPathComponent("m.tflite").path)
        #expect(c.version == nil && c.inputQuantization == nil)
        #expect(c.windowLength == 480 && c.coefficients == 10)
        let path = dir.appendingPathComponent("f.json").path
        try FeatureConfig.mlperfTiny.save(path: path)
        #expect(try FeatureConfig.load(path: path) == .mlperfTiny)
    }

    @Test func badConfigurationsNameTheField() throws {
        func field(_ edit: (inout FeatureConfig) -> Void) -> String? {
            var c = FeatureConfig.mlperfTiny
            edit(&c)
            do { try c.validate(); return nil } catch { return error.field }
        }
        #expect(field { $0.fftSize = 256 } == "fftSize")
        #expect(field { $0.hopLength = 0 } == "hopLength")
        #expect(field { $0.melHighHz = 9000 } == "melHighHz")
        #expect(field { $0.coefficients = 41 } == "coefficients")
        #expect(field { $0.logFloor = 0 } == "logFloor")
        #expect(field { $0.version = 7 } == "version")
        #expect(field { $0.inputQuantization = .init(scale: 0, zeroPoint: 0) } == "inputQuantization.scale")
        #expect(throws: FeatureConfigError.self) { try MFCC(config: { var c = FeatureConfig.mlperfTiny; c.melBands = 0; return c }()) }
    }

    @Test func badJSONIsAOneLineError() {
        do {
            _ = try FeatureConfig.decode(json: Data("{\"features\": {\"sampleRate\": 16000}}".utf8), source: "x.json")
            Issue.record("decoded an incomplete config")
        } catch {
            #expect(error.description.hasPrefix("feature config x.json: "))
            #expect(error.description.contains("windowLength"))
            #expect(!error.description.contains("\n"))
        }
        #expect(throws: FeatureConfigError.self) { try FeatureConfig.load(path: "/nonexistent/f.json") }
    }

    @Test func quantizationRoundsAndClamps() {
        let q = FeatureConfig.Quantization(scale: 0.5, zeroPoint: 10)
        #expect(q.quantize(1.0) == 12)
        #expect(q.quantize(-0.25) == 9)      // -0.5 rounds away from zero → -1
        #expect(q.quantize(1000) == 127)
        #expect(q.quantize(-1000) == -128)
        #expect(q.quantize(.nan) == -128)
    }
}
