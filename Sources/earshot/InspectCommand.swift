import ArgumentParser
import EarshotModel
import Foundation

/// `earshot inspect MODEL`: what a TFLite model holds and what it costs per inference.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's inputs, outputs, operators, quantization, parameter and arena bytes and MACs.")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "The .tflite model.")
    var model: String

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func run() throws {
        let summary: ModelSummary
        do {
            let m = try TFLiteModel(path: model)
            summary = ModelSummary(interpreter: try Interpreter(model: m))
        } catch {
            FileHandle.standardError.write(Data("earshot: \(model): \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        switch format {
        case .json:
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try enc.encode(summary)
            print(String(decoding: data, as: UTF8.self))
        case .text:
            print(Self.text(summary, path: model))
        }
    }

    static func text(_ s: ModelSummary, path: String) -> String {
        var out = "model \(path)\n"
        for t in s.inputs { out += "input  \(t.name): \(t.text)\n" }
        for t in s.outputs { out += "output \(t.name): \(t.text)\n" }
        out += "operators:\n"
        for op in s.ops {
            out += "  \(op.index) \(op.name) \(op.options)".trimmingCharacters(in: .whitespaces) + "\n"
            for t in op.inputs {
                out += "      in  \(t.isConstant ? "const " : "")\(t.text)  \(t.name)\n"
            }
            for t in op.outputs { out += "      out \(t.text)  \(t.name)\n" }
            if op.macs > 0 || op.parameterBytes > 0 {
                out += "      MACs \(op.macs), parameters \(op.parameterBytes) bytes\n"
            }
        }
        if !s.metadata.isEmpty {
            out += "metadata: " + s.metadata.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) bytes)" }
                .joined(separator: ", ") + "\n"
        }
        out += "parameters: \(s.parameterBytes) bytes\n"
        out += "arena: \(s.arenaBytes) bytes\n"
        out += "MACs per inference: \(s.macsPerInference)\n"
        out += "weight bytes read per inference: \(s.weightBytesPerInference)"
        return out
    }
}
