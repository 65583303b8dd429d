import Foundation
import Testing
@testable import EarshotModel

/// One model of the fixtures written by Tools/model_goldens.py.
struct GoldenCase: Decodable, CustomStringConvertible, Sendable {
    let name: String
    let count: Int
    let inputSize: Int
    let outputSize: Int
    var description: String { name }
}

enum Fixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }
    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(file)))
    }
    static func path(_ file: String) -> String { directory.appendingPathComponent(file).path }
    static let cases: [GoldenCase] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")),
              let list = try? JSONDecoder().decode([GoldenCase].self, from: data) else { return [] }
        return list
    }()
    static let mlperf = "mlperf-tiny-kws-ds-cnn-int8"
}

@Test func manifestListsEveryFixtureModel() {
    #expect(Fixtures.cases.count >= 20)
}

@Test(arguments: Fixtures.cases)
func matchesTFLiteReferenceBitForBit(_ c: GoldenCase) throws {
    let model = try TFLiteModel(bytes: Fixtures.bytes(c.name + ".tflite"))
    let interp = try Interpreter(model: model)
    #expect(interp.inputBuffer.count == c.inputSize)
    #expect(interp.outputBuffer.count == c.outputSize)
    let inputs = try Fixtures.bytes(c.name + ".inputs.bin")
    let outputs = try Fixtures.bytes(c.name + ".outputs.bin")
    #expect(inputs.count == c.count * c.inputSize)
    #expect(outputs.count == c.count * c.outputSize)
    var mismatches = 0
    for i in 0..<c.count {
        for k in 0..<c.inputSize { interp.inputBuffer[k] = Int8(bitPattern: inputs[i * c.inputSize + k]) }
        interp.invoke()
        for k in 0..<c.outputSize where interp.outputBuffer[k] != Int8(bitPattern: outputs[i * c.outputSize + k]) {
            if mismatches < 5 {
                Issue.record("\(c.name) input \(i) output[\(k)] = \(interp.outputBuffer[k]), reference \(Int8(bitPattern: outputs[i * c.outputSize + k]))")
            }
            mismatches += 1
        }
    }
    #expect(mismatches == 0)
}
