import ArgumentParser
import EarshotModel
import Foundation

/// `earshot run-model MODEL --inputs IN --outputs OUT` (hidden): runs raw int8 inputs through the
/// interpreter, for comparing Earshot byte for byte with another runtime (Tools/check_bitexact.py).
struct RunModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-model",
        abstract: "Run raw int8 input tensors through a model and write the raw int8 outputs.",
        discussion: "IN holds N input tensors back to back (N × input elements bytes); OUT receives N output tensors.",
        shouldDisplay: false)

    @Argument(help: "The .tflite model.")
    var model: String

    @Option(help: "File of raw int8 input tensors, back to back.")
    var inputs: String

    @Option(help: "File to write the raw int8 output tensors to.")
    var outputs: String

    func run() throws {
        let interp: Interpreter
        do throws(ModelError) {
            let m = try TFLiteModel(path: model)
            do { interp = try Interpreter(model: m) } catch { throw ModelError("\(model): \(error.description)") }
        } catch {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
        guard let data = FileManager.default.contents(atPath: inputs) else {
            Terminal.error("\(inputs): cannot read")
            throw ExitCode(1)
        }
        let n = interp.inputBuffer.count
        guard n > 0, data.count % n == 0 else {
            Terminal.error("\(inputs): \(data.count) bytes is not a whole number of \(n)-byte input tensors")
            throw ExitCode(1)
        }
        var out = Data(capacity: data.count / n * interp.outputBuffer.count)
        let bytes = [UInt8](data)
        for t in 0..<(bytes.count / n) {
            for i in 0..<n { interp.inputBuffer[i] = Int8(bitPattern: bytes[t * n + i]) }
            interp.invoke()
            out.append(contentsOf: interp.outputBuffer.map { UInt8(bitPattern: $0) })
        }
        guard FileManager.default.createFile(atPath: outputs, contents: out) else {
            Terminal.error("\(outputs): cannot write")
            throw ExitCode(1)
        }
    }
}
