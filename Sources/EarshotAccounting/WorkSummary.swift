import EarshotFeatures

/// Exact work counts of a model with its feature front end: what `earshot inspect` and `earshot report` print.
public struct WorkSummary: Codable, Sendable, Equatable {
    /// Model label (file path or built-in name).
    public var model: String
    /// Per-operator work, parameters, arena and file size.
    public var work: ModelWork
    /// Total MACs per inference.
    public var macsPerInference: Int
    /// Weight bytes read per inference.
    public var weightBytesPerInference: Int
    /// The feature configuration.
    public var featureConfig: FeatureConfig
    /// Feature work per hop.
    public var features: FeatureWork
    /// Feature working buffers, bytes.
    public var featureWorkingBytes: Int
    /// Work per second of audio.
    public var rates: WorkRates

    /// Computes the summary.
    public init(model: String, work: ModelWork, featureConfig: FeatureConfig, evaluateEveryHops: Int) {
        self.model = model
        self.work = work
        macsPerInference = work.totalMACs
        weightBytesPerInference = work.weightBytesPerInference
        self.featureConfig = featureConfig
        features = FeatureWork(config: featureConfig)
        featureWorkingBytes = FeatureWork.workingBytes(config: featureConfig)
        rates = WorkRates(model: work, features: features, evaluateEveryHops: evaluateEveryHops)
    }

    /// Pretty JSON (sorted keys).
    public func json() -> String { Format.json(self, pretty: true) }

    /// Text: per-op table, per-op-type totals, weights, arena, feature work per hop and rates.
    public func text() -> String {
        var out = "model: \(model)\n"
        var perOp: [[String]] = []
        for (i, op) in work.ops.enumerated() { perOp.append([String(i), op.name, String(op.macs), String(op.weightBytes)]) }
        perOp.append(["", "total", String(macsPerInference), String(weightBytesPerInference)])
        out += TextTable(header: ["#", "op", "MACs", "weight bytes"], rows: perOp).render()
        let opRows = work.macsByOp.map { [$0.name, String($0.count), String($0.macs)] }
        out += TextTable(header: ["op type", "count", "MACs/inference"], rows: opRows).render()
        out += "weights read per inference: \(Format.bytes(weightBytesPerInference))\n"
        out += "parameters: \(Format.bytes(work.parameterBytes)); model file: \(Format.bytes(work.fileBytes))\n"
        out += "arena: \(Format.bytes(work.arenaBytes)) (\(work.arenaSource))\n"
        out += "features per hop (\(featureConfig.sampleRate) Hz, window \(featureConfig.windowLength), hop \(featureConfig.hopLength), FFT \(featureConfig.fftSize), \(featureConfig.melBands) mel, \(featureConfig.coefficients) MFCC): "
        out += "window \(features.windowMultiplies) mul, FFT \(features.fftFlops) flop [5(N/2)log2(N/2)+6(N/2)], "
        out += "spectrum \(features.spectrumFlops) flop + \(features.squareRoots) sqrt, mel \(features.melMACs) MAC, "
        out += "log \(features.logs), DCT \(features.dctMACs) MAC = \(features.totalOpsPerHop) ops/hop\n"
        out += "rates: \(Format.number(features.hopsPerSecond, 2)) hops/s, evaluate every \(rates.evaluateEveryHops) hop(s) = "
        out += "\(Format.number(rates.inferencesPerSecond, 2)) inferences/s, "
        out += "\(Format.number(rates.modelMACsPerSecond / 1e6, 3)) M model MACs/s, "
        out += "\(Format.number(rates.featureOpsPerSecond / 1e6, 3)) M feature ops/s\n"
        return out
    }
}
