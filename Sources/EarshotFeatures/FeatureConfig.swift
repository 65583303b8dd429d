import Foundation

/// The feature configuration that travels with a model: every parameter of the MFCC front end.
///
/// Encoded as JSON with these exact field names (camelCase); the model sidecar `M.json` carries it
/// under the key `"features"`. Fields added after version 1 are optional so older files still load.
public struct FeatureConfig: Codable, Sendable, Equatable {
    /// Window shapes.
    public enum Window: String, Codable, Sendable { case hann, hannSymmetric, hamming, rectangular }
    /// Spectrum type fed to the mel filterbank.
    public enum Spectrum: String, Codable, Sendable { case magnitude, power }

    /// Affine int8 quantization of the model input: q = round(x / scale) + zeroPoint, clamped to int8.
    public struct Quantization: Codable, Sendable, Equatable {
        /// Real value of one quantization step.
        public var scale: Float
        /// Integer that represents real 0.
        public var zeroPoint: Int
        /// Creates a quantization.
        public init(scale: Float, zeroPoint: Int) { self.scale = scale; self.zeroPoint = zeroPoint }
        /// Quantizes one feature value to int8 (round half away from zero, clamped to -128…127).
        @inlinable public func quantize(_ x: Float) -> Int8 {
            let q = (x / scale).rounded(.toNearestOrAwayFromZero) + Float(zeroPoint)
            if !(q > -128) { return -128 }   // also maps NaN to -128
            if q > 127 { return 127 }
            return Int8(q)
        }
    }

    /// Input sample rate in Hz (audio is resampled to it).
    public var sampleRate: Int
    /// Window length in samples.
    public var windowLength: Int
    /// Window type.
    public var window: Window
    /// Hop (stride) in samples: one frame per hop.
    public var hopLength: Int
    /// FFT size (window zero-padded to it).
    public var fftSize: Int
    /// Magnitude or power spectrum.
    public var spectrum: Spectrum
    /// Number of mel bands.
    public var melBands: Int
    /// Lowest mel band edge in Hz.
    public var melLowHz: Float
    /// Highest mel band edge in Hz.
    public var melHighHz: Float
    /// Floor added before the natural log: log(mel + logFloor).
    public var logFloor: Float
    /// Scale applied to the unnormalized DCT-II sum (sqrt(2/melBands) for MLPerf Tiny).
    public var dctScale: Float
    /// Number of cepstral coefficients kept.
    public var coefficients: Int
    /// Format version of this configuration (nil means 1).
    public var version: Int?
    /// Quantization of the model input features, if the model takes int8 input.
    public var inputQuantization: Quantization?

    /// Creates a configuration from every front-end parameter.
    public init(sampleRate: Int, windowLength: Int, window: Window, hopLength: Int, fftSize: Int,
                spectrum: Spectrum, melBands: Int, melLowHz: Float, melHighHz: Float, logFloor: Float,
                dctScale: Float, coefficients: Int, version: Int? = 1, inputQuantization: Quantization? = nil) {
        self.sampleRate = sampleRate; self.windowLength = windowLength; self.window = window
        self.hopLength = hopLength; self.fftSize = fftSize; self.spectrum = spectrum
        self.melBands = melBands; self.melLowHz = melLowHz; self.melHighHz = melHighHz
        self.logFloor = logFloor; self.dctScale = dctScale; self.coefficients = coefficients
        self.version = version; self.inputQuantization = inputQuantization
    }

    /// MLPerf Tiny keyword-spotting settings (30 ms Hann, 20 ms hop, 512 FFT, magnitude, 40 mel 20–4000 Hz, 10 MFCC).
    public static let mlperfTiny = FeatureConfig(
        sampleRate: 16000, windowLength: 480, window: .hann, hopLength: 320, fftSize: 512,
        spectrum: .magnitude, melBands: 40, melLowHz: 20, melHighHz: 4000, logFloor: 1e-6,
        dctScale: (2.0 / 40.0).squareRoot(), coefficients: 10)

    /// Number of FFT bins kept (fftSize / 2 + 1).
    public var spectrumBins: Int { fftSize / 2 + 1 }

    /// Frames produced by `samples` samples of audio (no padding: first frame needs a full window).
    public func frameCount(forSamples samples: Int) -> Int {
        guard samples >= windowLength, hopLength > 0 else { return 0 }
        return (samples - windowLength) / hopLength + 1
    }

    /// Exact number of samples that yields `frames` frames (windowLength + (frames − 1) · hopLength).
    public func sampleCount(forFrames frames: Int) -> Int {
        frames <= 0 ? 0 : windowLength + (frames - 1) * hopLength
    }

    /// Checks every field; returns the first problem as an error naming the field.
    public func validate() throws(FeatureConfigError) {
        func bad(_ field: String, _ why: String) -> FeatureConfigError { FeatureConfigError(field: field, reason: why) }
        if let version, version != 1 { throw bad("version", "version \(version) is not supported (expected 1)") }
        guard sampleRate > 0 && sampleRate <= 384_000 else { throw bad("sampleRate", "\(sampleRate) is not in 1…384000") }
        guard windowLength > 0 && windowLength <= 65536 else { throw bad("windowLength", "\(windowLength) is not in 1…65536") }
        guard hopLength > 0 && hopLength <= 65536 else { throw bad("hopLength", "\(hopLength) is not in 1…65536") }
        guard fftSize >= windowLength && fftSize <= 65536 && fftSize % 2 == 0 else {
            throw bad("fftSize", "\(fftSize) must be even, ≥ windowLength (\(windowLength)) and ≤ 65536")
        }
        guard melBands > 0 && melBands <= 1024 else { throw bad("melBands", "\(melBands) is not in 1…1024") }
        guard melLowHz.isFinite, melHighHz.isFinite, melLowHz >= 0, melLowHz < melHighHz,
              melHighHz <= Float(sampleRate) / 2 else {
            throw bad("melHighHz", "mel range \(melLowHz)–\(melHighHz) Hz must satisfy 0 ≤ low < high ≤ \(sampleRate / 2)")
        }
        guard logFloor.isFinite && logFloor > 0 else { throw bad("logFloor", "\(logFloor) must be finite and > 0") }
        guard dctScale.isFinite && dctScale != 0 else { throw bad("dctScale", "\(dctScale) must be finite and non-zero") }
        guard coefficients > 0 && coefficients <= melBands else {
            throw bad("coefficients", "\(coefficients) must be in 1…melBands (\(melBands))")
        }
        if let q = inputQuantization {
            guard q.scale.isFinite && q.scale > 0 else { throw bad("inputQuantization.scale", "\(q.scale) must be finite and > 0") }
            guard (-128...127).contains(q.zeroPoint) else { throw bad("inputQuantization.zeroPoint", "\(q.zeroPoint) is not in -128…127") }
        }
    }

    // MARK: - JSON

    /// Decodes a configuration from JSON: either the configuration object itself or a model sidecar with a `"features"` key.
    public static func decode(json data: Data, source: String = "JSON") throws(FeatureConfigError) -> FeatureConfig {
        struct Sidecar: Decodable { var features: FeatureConfig }
        let decoder = JSONDecoder()
        let isSidecar = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["features"] != nil
        let config: FeatureConfig
        do {
            config = isSidecar ? try decoder.decode(Sidecar.self, from: data).features
                               : try decoder.decode(FeatureConfig.self, from: data)
        } catch {
            throw FeatureConfigError(field: source, reason: "not a feature configuration: \(Self.describe(error))")
        }
        try config.validate()
        return config
    }

    /// Loads a configuration from a JSON file (a configuration object or a model sidecar with `"features"`).
    public static func load(path: String) throws(FeatureConfigError) -> FeatureConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FeatureConfigError(field: path, reason: "cannot read: \(error.localizedDescription)")
        }
        do { return try decode(json: data, source: path) } catch {
            throw FeatureConfigError(field: error.field == path ? path : "\(path): \(error.field)", reason: error.reason)
        }
    }

    /// Loads the `"features"` configuration from a model's sidecar: `model.tflite` → `model.json`.
    public static func load(modelPath: String) throws(FeatureConfigError) -> FeatureConfig {
        var sidecar = modelPath
        if let dot = sidecar.lastIndex(of: "."), !sidecar[dot...].contains("/") { sidecar = String(sidecar[..<dot]) }
        sidecar += ".json"
        return try load(path: sidecar)
    }

    /// Encodes the configuration as pretty-printed JSON with sorted keys.
    public func jsonData() throws(FeatureConfigError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { return try encoder.encode(self) } catch {
            throw FeatureConfigError(field: "FeatureConfig", reason: "cannot encode: \(error)")
        }
    }

    /// Writes the configuration as JSON to `path`.
    public func save(path: String) throws(FeatureConfigError) {
        let data = try jsonData()
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw FeatureConfigError(field: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        switch e {
        case .keyNotFound(let key, let ctx):
            return "missing key '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return "bad value at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': \(ctx.debugDescription)"
        case .dataCorrupted(let ctx):
            return "invalid JSON\(ctx.codingPath.isEmpty ? "" : " at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"): \(ctx.debugDescription)"
        @unknown default:
            return "\(e)"
        }
    }
}

/// A feature configuration that is invalid or could not be loaded, naming the field or file and the reason.
public struct FeatureConfigError: Error, CustomStringConvertible, Sendable {
    /// The offending field (or file).
    public var field: String
    /// One-line reason.
    public var reason: String
    /// "feature config field: reason".
    public var description: String { "feature config \(field): \(reason)" }
    /// Creates an error.
    public init(field: String, reason: String) { self.field = field; self.reason = reason }
}
