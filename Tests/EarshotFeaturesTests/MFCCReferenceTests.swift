import Foundation
import Testing
@testable import EarshotFeatures

/// Loads a float32 .npy fixture written by Tools/mfcc_reference.py.
func fixture(_ name: String) throws -> (shape: [Int], values: [Float]) {
    guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "npy") else {
        throw NPYError(path: name, reason: "fixture missing (run Tools/mfcc_reference.py)")
    }
    return try NPY.readFloat32(path: url.path)
}

/// Runs the extractor over `samples` fed whole; returns [frames × coefficients] row-major.
func mfccFrames(_ mfcc: MFCC, _ samples: [Float]) -> [Float] {
    mfcc.reset()
    var out: [Float] = []
    samples.withUnsafeBufferPointer { p in mfcc.process(p) { out.append(contentsOf: $0) } }
    return out
}

@Suite("MFCC matches tf.signal (MLPerf Tiny front end)")
struct MFCCReferenceTests {
    /// The mel filterbank is built in float64 and rounded to float32, TF builds it in float32;
    /// the worst entry of tf.signal's own matrix differs from float64 by 5.9e-6 (see the tool's output).
    @Test func melWeightsMatchTensorFlow() throws {
        let ref = try fixture("mel-weights-tf")
        #expect(ref.shape == [257, 40])
        let ours = MFCC.melWeightMatrix(.mlperfTiny)
        var maxDiff: Double = 0
        for i in 0..<ours.count { maxDiff = max(maxDiff, abs(ours[i] - Double(ref.values[i]))) }
        #expect(maxDiff < 1e-5, "max |ours − tf| = \(maxDiff)")
        // DC row is zero and every band has at least one non-zero bin.
        #expect((0..<40).allSatisfy { ours[$0] == 0 })
        for b in 0..<40 { #expect((1..<257).contains { ours[$0 * 40 + b] > 0 }, "band \(b) is empty") }
    }

    /// Tolerance: both sides are float32 (FFTW here, TF's own FFT there) with different summation
    /// orders, so spectra differ by float32 round-off (~1e-7 relative, larger for near-empty bands).
    /// log(mel + 1e-6) turns that into absolute errors; the DCT sums 40 of them × sqrt(2/40).
    /// Measured: chirp max 1.1e-4 / mean 2.7e-5 (its quietest bands hold only the −60 dB floor;
    /// tf.signal itself differs from a float64 reference by 1.1e-4 there), noise max 3.8e-6, real
    /// clip max 7.6e-6. The test allows 5e-4 absolute on any coefficient (values span ≈ −60…+10)
    /// and 5e-5 mean absolute error.
    @Test(arguments: ["chirp", "noise", "alexa"])
    func mfccMatchesTensorFlow(signal: String) throws {
        let input = try fixture("mfcc-\(signal)-input")
        let ref = try fixture("mfcc-\(signal)-tf")
        let mfcc = try MFCC(config: .mlperfTiny)
        let ours = mfccFrames(mfcc, input.values)
        #expect(ref.shape == [FeatureConfig.mlperfTiny.frameCount(forSamples: input.values.count), 10])
        #expect(ours.count == ref.values.count)
        guard ours.count == ref.values.count else { return }
        var maxDiff: Float = 0
        var sumDiff: Float = 0
        for i in 0..<ours.count {
            let d = abs(ours[i] - ref.values[i])
            maxDiff = max(maxDiff, d); sumDiff += d
        }
        let mean = sumDiff / Float(ours.count)
        print("MFCC vs tf.signal [\(signal)]: max |Δ| = \(maxDiff), mean |Δ| = \(mean)")
        #expect(maxDiff < 5e-4, "\(signal): max |ours − tf| = \(maxDiff)")
        #expect(mean < 5e-5, "\(signal): mean |ours − tf| = \(mean)")
    }
}
