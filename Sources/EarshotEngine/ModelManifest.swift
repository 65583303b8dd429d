import Foundation
import EarshotFeatures

/// The sidecar that travels with a model (`NAME.json` next to `NAME.tflite`): the feature
/// configuration the model was trained with, its class labels and the detector defaults.
public struct ModelManifest: Sendable, Equatable {
    /// MFCC front-end parameters.
    public var features: FeatureConfig
    /// Class labels in output order.
    public var labels: [String]
    /// The labels that are wake words.
    public var keywords: [String]
    /// Default threshold per keyword.
    public var thresholds: [String: Float]
    /// Run the network every this many hops.
    public var evaluateEveryHops: Int
    /// Inferences averaged by the detector.
    public var smoothingInferences: Int
    /// Hold-off after a detection, in seconds.
    public var refractorySeconds: Double

    /// Creates a manifest.
    public init(features: FeatureConfig, labels: [String], keywords: [String], thresholds: [String: Float],
                evaluateEveryHops: Int = 1, smoothingInferences: Int = 3, refractorySeconds: Double = 1.0) {
        self.features = features; self.labels = labels; self.keywords = keywords; self.thresholds = thresholds
        self.evaluateEveryHops = evaluateEveryHops; self.smoothingInferences = smoothingInferences
        self.refractorySeconds = refractorySeconds
    }

    /// The sidecar path for a model path: `x.tflite` → `x.json`.
    public static func sidecarPath(forModel path: String) -> String {
        path.hasSuffix(".tflite") ? String(path.dropLast(7)) + ".json" : path + ".json"
    }

    /// Reads and checks the sidecar of `modelPath`; the error is one line naming the file.
    public static func load(forModel modelPath: String) throws(EngineError) -> ModelManifest {
        let path = sidecarPath(forModel: modelPath)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError("\(path): cannot read the model's sidecar (feature configuration and labels); "
                              + "every model needs one next to it")
        }
        return try parse(data, name: path)
    }

    /// Parses sidecar JSON bytes; `name` is used in error messages.
    public static func parse(_ data: Data, name: String) throws(EngineError) -> ModelManifest {
        let raw: Raw
        do { raw = try JSONDecoder().decode(Raw.self, from: data) } catch {
            throw EngineError("\(name): not a valid model sidecar: \(describe(error))")
        }
        let keywords = raw.keywords ?? raw.labels.filter { !$0.hasPrefix("_") }
        var thresholds: [String: Float] = [:]
        switch raw.thresholds {
        case .none: break
        case .some(.byName(let d)): thresholds = d
        case .some(.list(let l)):
            guard l.count == keywords.count else {
                throw EngineError("\(name): \(l.count) thresholds for \(keywords.count) keywords")
            }
            for (k, t) in zip(keywords, l) { thresholds[k] = t }
        }
        for k in keywords where !raw.labels.contains(k) {
            throw EngineError("\(name): keyword '\(k)' is not one of the labels \(raw.labels)")
        }
        let m = ModelManifest(features: raw.features, labels: raw.labels, keywords: keywords, thresholds: thresholds,
                              evaluateEveryHops: raw.evaluateEveryHops ?? 1,
                              smoothingInferences: raw.smoothingInferences ?? 3,
                              refractorySeconds: raw.refractorySeconds ?? 1.0)
        if let why = m.features.problem {
            throw EngineError("\(name): feature configuration: \(why)")
        }
        guard (1...100).contains(m.evaluateEveryHops) else {
            throw EngineError("\(name): evaluateEveryHops \(m.evaluateEveryHops) is not in 1...100")
        }
        return m
    }

    private struct Raw: Decodable {
        var features: FeatureConfig
        var labels: [String]
        var keywords: [String]?
        var thresholds: Thresholds?
        var evaluateEveryHops: Int?
        var smoothingInferences: Int?
        var refractorySeconds: Double?
    }

    private enum Thresholds: Decodable {
        case byName([String: Float])
        case list([Float])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode([String: Float].self) { self = .byName(d) } else { self = .list(try c.decode([Float].self)) }
        }
    }
}

/// Renders a decoding error as a short phrase.
func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let ctx):
        return "missing key '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
    case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
        return "wrong type at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
    case DecodingError.dataCorrupted(let ctx):
        return ctx.codingPath.isEmpty ? "not JSON" : "bad value at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
    default:
        return "\(error)"
    }
}

extension FeatureConfig {
    /// A one-line reason why this configuration cannot run, or nil.
    public var problem: String? {
        if !(8000...96000).contains(sampleRate) { return "sample rate \(sampleRate) Hz is not in 8000...96000" }
        if fftSize < 16 || fftSize > 8192 || fftSize & (fftSize - 1) != 0 { return "FFT size \(fftSize) is not a power of two in 16...8192" }
        if windowLength < 1 || windowLength > fftSize { return "window length \(windowLength) is not in 1...\(fftSize)" }
        if hopLength < 1 || hopLength > windowLength * 4 { return "hop \(hopLength) is not in 1...\(windowLength * 4)" }
        if melBands < 1 || melBands > fftSize / 2 { return "\(melBands) mel bands for FFT size \(fftSize)" }
        if !(melLowHz >= 0 && melLowHz < melHighHz && melHighHz <= Float(sampleRate) / 2) {
            return "mel range \(melLowHz)–\(melHighHz) Hz does not fit 0–\(sampleRate / 2) Hz"
        }
        if coefficients < 1 || coefficients > melBands { return "\(coefficients) coefficients from \(melBands) mel bands" }
        if !(logFloor > 0 && logFloor.isFinite) { return "log floor \(logFloor) is not positive" }
        if !dctScale.isFinite { return "DCT scale is not finite" }
        return nil
    }
}
