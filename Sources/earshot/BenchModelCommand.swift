import ArgumentParser
import EarshotModel
import Foundation

/// `earshot bench-model MODEL` (hidden): microseconds per invoke of the int8 interpreter.
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-model",
        abstract: "Time the interpreter on a model with random int8 inputs.",
        shouldDisplay: false)

    @Argument(help: "The .tflite model.")
    var model: String

    @Option(help: "Invokes per timing round.")
    var iterations: Int = 2000

    @Option(help: "Timing rounds (the best is reported).")
    var rounds: Int = 5

    @Flag(help: "Also print the time spent in each operator.")
    var profile = false

    func run() throws {
        let interp: Interpreter
        do {
            interp = try Interpreter(model: try TFLiteModel(path: model))
        } catch {
            FileHandle.standardError.write(Data("earshot: \(model): \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        var rng = SystemRandomNumberGenerator()
        for i in 0..<interp.inputBuffer.count { interp.inputBuffer[i] = Int8.random(in: -128...127, using: &rng) }
        _ = interp.benchmark(iterations: max(iterations / 10, 1))
        var best = Double.infinity
        for _ in 0..<max(rounds, 1) { best = min(best, interp.benchmark(iterations: iterations)) }
        let s = ModelSummary(interpreter: interp)
        if profile {
            for (op, us) in zip(s.ops, interp.profile(iterations: iterations)) {
                print(String(format: "  %2d %-20@ %9.2f µs  %9d MACs", op.index, op.name, us, op.macs))
            }
        }
        let gmacs = Double(s.macsPerInference) / (best * 1000)
        print(String(format: "%@: %.2f µs/invoke (best of %d × %d), %d MACs, %.2f GMAC/s, arena %d bytes",
                     model, best, rounds, iterations, s.macsPerInference, gmacs, s.arenaBytes))
    }
}
