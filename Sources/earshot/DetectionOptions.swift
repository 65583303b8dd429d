import ArgumentParser
import EarshotEngine

/// Model and detector options shared by `score` and `listen`.
struct DetectionOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The .tflite model; its .json sidecar must sit next to it. (default: the shipped Models/earshot-kws.tflite)")
    var model: String?

    @Option(name: .shortAndLong, help: "One threshold (0...1) for every keyword, replacing the model's defaults.")
    var threshold: Float?

    @Option(name: .customLong("keyword-threshold"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A per-keyword threshold, e.g. alexa=0.8 (repeatable).", valueName: "keyword=value"))
    var keywordThresholds: [String] = []

    @Option(name: .customLong("keyword"), help: "Listen only for this keyword (repeatable; default: all).")
    var keywords: [String] = []

    @Option(name: .customLong("evaluate-every"), help: "Run the network every N hops (default: the model's).")
    var evaluateEvery: Int?

    @Option(help: "Average this many inferences before thresholding (default: the model's).")
    var smoothing: Int?

    @Option(help: "Seconds after a detection before the same keyword can fire again (default: the model's).")
    var refractory: Double?

    /// Builds engine options, validating the key=value thresholds.
    func engineOptions(reportPeak: Bool = false) throws -> EngineOptions {
        var per: [String: Float] = [:]
        for kv in keywordThresholds {
            let parts = kv.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let v = Float(parts[1]), v >= 0, v <= 1 else {
                throw ValidationError("--keyword-threshold '\(kv)': expected keyword=value with value in 0...1")
            }
            per[parts[0]] = v
        }
        if let t = threshold, !(t >= 0 && t <= 1) { throw ValidationError("--threshold \(t): must be in 0...1") }
        if let e = evaluateEvery, !(1...100).contains(e) { throw ValidationError("--evaluate-every \(e): must be 1...100") }
        if let s = smoothing, !(1...1000).contains(s) { throw ValidationError("--smoothing \(s): must be 1...1000") }
        if let r = refractory, !(r >= 0 && r.isFinite) { throw ValidationError("--refractory \(r): must be ≥ 0 seconds") }
        return EngineOptions(modelPath: model ?? ModelLocator.defaultModelPath(), threshold: threshold,
                             keywordThresholds: per, evaluateEveryHops: evaluateEvery,
                             smoothingInferences: smoothing, refractorySeconds: refractory,
                             reportPeak: reportPeak, keywords: keywords.isEmpty ? nil : keywords)
    }
}
