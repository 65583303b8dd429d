import ArgumentParser
import EarshotAccounting
import EarshotEngine
import EarshotFeatures
import EarshotModel
import Foundation

/// `earshot report MODEL`: what the model and its features would cost on microcontroller targets, without audio.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Estimate time, energy, battery life and memory fit of a model on microcontroller targets.",
        discussion: """
            MODEL is a .tflite file or the built-in name `mlperf-ds-cnn` (the MLPerf Tiny DS-CNN computed from its \
            layer shapes). Target figures come from published MLPerf Tiny keyword-spotting results (see the notes \
            printed with the report); figures marked as assumptions are not measured.
            """)

    /// Output formats.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Model file (.tflite) or `mlperf-ds-cnn` (default: the shipped model).")
    var model: String?

    @Option(help: "Only this target (id or name, e.g. cortex-m33).")
    var target: String?

    @Option(help: "Run the model every N hops (feature frames) (default: the model sidecar's value, else 1).")
    var evaluateEveryHops: Int?

    @Option(help: "Battery capacity in mAh.")
    var batteryMah: Double = 1000

    @Option(help: "Battery nominal voltage.")
    var batteryVolts: Double = 3.7

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Target catalog JSON to use instead of the bundled Targets.json.")
    var targets: String?

    func validate() throws {
        if let n = evaluateEveryHops, n < 1 { throw ValidationError("--evaluate-every-hops must be at least 1") }
        guard batteryMah > 0, batteryMah.isFinite else { throw ValidationError("--battery-mah must be positive") }
        guard batteryVolts > 0, batteryVolts.isFinite else { throw ValidationError("--battery-volts must be positive") }
    }

    func run() throws {
        let catalog = try targets.map { path throws(AccountingError) in try TargetCatalog.load(path: path) }
            ?? TargetCatalog.bundled()
        let chosen = try target.map { [try catalog.target(named: $0)] } ?? catalog.targets
        let model = self.model ?? ModelLocator.defaultModelPath()
        let work = try ReportCommand.modelWork(for: model)
        // The model's own front end and stride from its sidecar; MLPerf Tiny's for the built-in model or none.
        var features = FeatureConfig.mlperfTiny
        var every = 1
        if model != "mlperf-ds-cnn", FileManager.default.fileExists(atPath: ModelManifest.sidecarPath(forModel: model)) {
            do {
                let manifest = try ModelManifest.load(forModel: model)
                features = manifest.features
                every = manifest.evaluateEveryHops
            } catch {
                throw AccountingError(error.description)
            }
        }
        let report = try MCUReport(model: model, work: work, featureConfig: features,
                                   evaluateEveryHops: evaluateEveryHops ?? every,
                                   battery: Battery(milliampHours: batteryMah, volts: batteryVolts),
                                   targets: chosen, referenceMACs: ModelWork.mlperfDSCNN().totalMACs)
        switch format {
        case .text: print(report.text(), terminator: "")
        case .json: print(report.json())
        }
    }

    /// The work of a model: the built-in DS-CNN, or a model file read by EarshotModel.
    static func modelWork(for model: String) throws -> ModelWork {
        if model == "mlperf-ds-cnn" { return ModelWork.mlperfDSCNN() }
        let attributes = try? FileManager.default.attributesOfItem(atPath: model)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue else {
            throw AccountingError("\(model): no such model file (or use `mlperf-ds-cnn`)")
        }
        let interpreter: Interpreter
        do {
            interpreter = try Interpreter(model: try TFLiteModel(path: model))
        } catch {
            throw AccountingError("\(model): cannot read the model (\(error.description)); \(size) bytes on disk")
        }
        return ModelWork(summary: ModelSummary(interpreter: interpreter), fileBytes: size)
    }
}
