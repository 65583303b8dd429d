import ArgumentParser
import EarshotModel
import Foundation

/// `earshot run-model MODEL --inputs IN --outputs OUT` (hidden): runs raw int8 inputs through the
/// interpreter, for comparing Earshot byte for byte with another runtime (Tools/check_bitexact.py).
struct RunModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-model",
        abstract: "Run raw int8 input tensors through a model and write the raw int8 outputs.",
        discussion: """
            IN holds N input tensors back to back (N × input elements bytes); OUT receives N output tensors. \
            With --first-end, IN instead holds a sequence of frames (rows of the input's second axis) and \
            the model runs on the windows ending at frames first-end, first-end + stride, ...: each window \
            moves on by `stride` rows, so models with leading stride-1 time convolutions run streamed, as \
            the engine runs them (same bytes as whole runs).
            """,
        shouldDisplay: false)

    @Argument(help: "The .tflite model.")
    var model: String

    @Option(help: "File of raw int8 input tensors, back to back.")
    var inputs: String

    @Option(help: "File to write the raw int8 output tensors to.")
    var outputs: String

    @Option(name: .customLong("first-end"), help: "IN is a frame sequence; the first window ends at this frame (1-based, at least the window's frames).")
    var firstEnd: Int?

    @Option(help: "Frames between the ends of consecutive windows (with --first-end).")
    var stride: Int = 1

    func run() throws {
        let interp: Interpreter
        do throws(ModelError) {
            let m = try TFLiteModel(path: model)
            let slide = firstEnd == nil ? nil : stride
            do { interp = try Interpreter(model: m, streamingFrames: slide) } catch { throw ModelError("\(model): \(error.description)") }
        } catch {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
        guard let data = FileManager.default.contents(atPath: inputs) else {
            Terminal.error("\(inputs): cannot read")
            throw ExitCode(1)
        }
        if let firstEnd {
            try runSliding(interp, frames: [UInt8](data), firstEnd: firstEnd)
            return
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
        try write(out)
    }

    func write(_ out: Data) throws {
        guard FileManager.default.createFile(atPath: outputs, contents: out) else {
            Terminal.error("\(outputs): cannot write")
            throw ExitCode(1)
        }
    }

    /// Windows of a frame sequence, each `stride` frames after the previous one.
    func runSliding(_ interp: Interpreter, frames bytes: [UInt8], firstEnd: Int) throws {
        let shape = interp.input.shape
        guard shape.count >= 2, shape[0] == 1, stride >= 1 else {
            Terminal.error("\(model): input shape \(shape) has no frame axis to slide along (or --stride < 1)")
            throw ExitCode(1)
        }
        let window = shape[1], rowBytes = interp.inputBuffer.count / window
        guard bytes.count % rowBytes == 0, firstEnd >= window, firstEnd <= bytes.count / rowBytes else {
            Terminal.error("\(inputs): \(bytes.count) bytes is not a sequence of \(rowBytes)-byte frames ending at or after frame \(firstEnd) (window \(window) frames)")
            throw ExitCode(1)
        }
        let total = bytes.count / rowBytes
        var out = Data(capacity: ((total - firstEnd) / stride + 1) * interp.outputBuffer.count)
        var end = firstEnd
        while end <= total {
            let start = (end - window) * rowBytes
            for i in 0..<(window * rowBytes) { interp.inputBuffer[i] = Int8(bitPattern: bytes[start + i]) }
            interp.invoke(newFrames: stride)   // the first window runs whole: nothing precedes it
            out.append(contentsOf: interp.outputBuffer.map { UInt8(bitPattern: $0) })
            end += stride
        }
        try write(out)
    }
}
