import ArgumentParser
import EarshotAccounting
import EarshotEngine
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
        do throws(ModelError) {
            let m = try TFLiteModel(path: model)   // its errors already start with the path
            do {
                summary = ModelSummary(interpreter: try Interpreter(model: m))
            } catch {
                throw ModelError("\(model): \(error.description)")
            }
        } catch {
            FileHandle.standardError.write(Data("earshot: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        let work = workSummary(summary)
        switch format {
        case .json:
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            var data = try enc.encode(summary)
            // The work block (features and rates from the sidecar) joins the summary under "work".
            if let work, var object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
               let workObject = try? JSONSerialization.jsonObject(with: Data(work.json().utf8)) {
                object["work"] = workObject
                data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            }
            print(String(decoding: data, as: UTF8.self))
        case .text:
            print(Self.text(summary, path: model))
            if let work {
                print("\nwork (features and rates from the sidecar \(ModelManifest.sidecarPath(forModel: model))):\n" + work.text(), terminator: "")
                let every = work.rates.evaluateEveryHops
                if let step = summary.streamedMACs(frames: every) {
                    print("streamed (as earshot runs it, \(every) new frame(s) per inference): \(step) MACs per inference, "
                          + "\(EarshotAccounting.Format.number(Double(step) * work.rates.inferencesPerSecond / 1e6, 3)) M model MACs/s "
                          + "(the rates above are for whole-window inference, as TFLite Micro runs the model)")
                }
            }
        }
    }

    /// The work block when the model's sidecar exists and reads (nil otherwise: the model alone is shown).
    func workSummary(_ summary: ModelSummary) -> WorkSummary? {
        guard FileManager.default.fileExists(atPath: ModelManifest.sidecarPath(forModel: model)) else { return nil }
        let manifest: ModelManifest
        do { manifest = try ModelManifest.load(forModel: model) } catch {
            FileHandle.standardError.write(Data("earshot: warning: \(error.description); no work block\n".utf8))
            return nil
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: model))?[.size] as? NSNumber)?.intValue ?? 0
        return WorkSummary(model: model, work: ModelWork(summary: summary, fileBytes: size),
                           featureConfig: manifest.features, evaluateEveryHops: manifest.evaluateEveryHops)
    }

    /// Converter tensor names can run to hundreds of characters; the text view keeps their end.
    static func short(_ name: String) -> String {
        name.count <= 60 ? name : "…" + name.suffix(59)
    }

    static func text(_ s: ModelSummary, path: String) -> String {
        var out = "model \(path)\n"
        for t in s.inputs { out += "input  \(t.name): \(t.text)\n" }
        for t in s.outputs { out += "output \(t.name): \(t.text)\n" }
        out += "operators:\n"
        for op in s.ops {
            out += op.options.isEmpty ? "  \(op.index) \(op.name)\n" : "  \(op.index) \(op.name) \(op.options)\n"
            for t in op.inputs {
                out += "      in  \(t.isConstant ? "const " : "")\(t.text)  \(short(t.name))\n"
            }
            for t in op.outputs { out += "      out \(t.text)  \(short(t.name))\n" }
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
        if let st = s.streaming {
            out += "\nstreaming: the first \(st.ops) operators compute only the newest row when the input moves on by one frame: "
                + "\(st.macsPerFrame) MACs per frame, arena \(st.arenaBytes) bytes"
        }
        return out
    }
}
