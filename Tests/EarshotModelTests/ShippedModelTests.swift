import Foundation
import Testing
@testable import EarshotModel

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The shipped wake-word models give the TFLite reference interpreter's bytes on the inputs that
/// Tools/check_bitexact.py stored (regenerate them after retraining with
/// `Tools/check_bitexact.py Models/NAME.tflite --n 29 --write-golden Tests/EarshotModelTests/Fixtures/shipped/NAME`:
/// 29 random inputs plus all −128, all 127 and zeros).
@Test(arguments: ["earshot-kws", "earshot-kws-stream"])
func shippedModelMatchesTFLiteReference(_ name: String) throws {
    let model = try TFLiteModel(path: repositoryRoot.appendingPathComponent("Models/\(name).tflite").path)
    let interp = try Interpreter(model: model)
    let inputs = try Fixtures.bytes("shipped/\(name).inputs.bin")
    let outputs = try Fixtures.bytes("shipped/\(name).outputs.bin")
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

/// The shipped streaming model streams its whole convolution stack and gives, window after sliding
/// window, the bytes of whole-window runs.
@Test func shippedStreamingModelStreamsExactly() throws {
    let model = try TFLiteModel(path: repositoryRoot.appendingPathComponent("Models/earshot-kws-stream.tflite").path)
    let streamed = try Interpreter(model: model, streamingFrames: 1)
    let full = try Interpreter(model: model)
    #expect(streamed.streamingOpCount == 9)   // stem + 4 × (depthwise, pointwise)
    let rows = streamed.input.shape[1], row = streamed.inputBuffer.count / rows
    var noise = ByteNoise(state: 11)
    let frames = (0..<((rows + 120) * row)).map { _ in noise.next() }
    for step in 0...120 {
        for i in 0..<(rows * row) {
            streamed.inputBuffer[i] = frames[step * row + i]
            full.inputBuffer[i] = frames[step * row + i]
        }
        // One new frame every step, the first too: an unprimed interpreter runs the whole graph (what the engine relies on).
        streamed.invoke(newFrames: 1)
        full.invoke()
        #expect(Array(streamed.outputBuffer) == Array(full.outputBuffer), "step \(step)")
    }
}
