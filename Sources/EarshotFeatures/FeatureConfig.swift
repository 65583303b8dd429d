/// The feature configuration that travels with a model: every parameter of the MFCC front end.
///
/// STUB: the features work replaces/extends this file; the field names are the contract.
public struct FeatureConfig: Codable, Sendable, Equatable {
    /// Window shapes.
    public enum Window: String, Codable, Sendable { case hann, hannSymmetric, hamming, rectangular }
    /// Spectrum type fed to the mel filterbank.
    public enum Spectrum: String, Codable, Sendable { case magnitude, power }
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

    /// MLPerf Tiny keyword-spotting settings (30 ms Hann, 20 ms hop, 512 FFT, magnitude, 40 mel 20–4000 Hz, 10 MFCC).
    public static let mlperfTiny = FeatureConfig(
        sampleRate: 16000, windowLength: 480, window: .hann, hopLength: 320, fftSize: 512,
        spectrum: .magnitude, melBands: 40, melLowHz: 20, melHighHz: 4000, logFloor: 1e-6,
        dctScale: (2.0 / 40.0).squareRoot(), coefficients: 10)
}
