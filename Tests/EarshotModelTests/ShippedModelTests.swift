import Foundation
import Testing
@testable import EarshotModel

/// The shipped wake-word model gives the TFLite reference interpreter's bytes on the inputs that
/// Tools/check_bitexact.py stored (regenerate them with `--write-golden` after retraining).
@Test func shippedModelMatchesTFLiteReference() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let model = try TFLiteModel(path: root.appendingPathComponent("Models/earshot-kws.tflite").path)
    let interp = try Interpreter(model: model)
    let inputs = try Fixtures.bytes("shipped/earshot-kws.inputs.bin")
    let outputs = try Fixtures.bytes("shipped/earshot-kws.outputs.bin")
    let n = interp.inputBuffer.count, m = interp.outputBuffer.count
    #expect(inputs.count % n == 0 && outputs.count == inputs.count / n * m)
    var mismatches = 0
    for t in 0..<(inputs.count / n) {
        for k in 0..<n { interp.inputBuffer[k] = Int8(bitPattern: inputs[t * n + k]) }
        interp.invoke()
        for k in 0..<m where interp.outputBuffer[k] != Int8(bitPattern: outputs[t * m + k]) { mismatches += 1 }
    }
    #expect(inputs.count / n == 32)
    #expect(mismatches == 0)
}
