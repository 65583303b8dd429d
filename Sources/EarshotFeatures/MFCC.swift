import CFFTW
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// FFTW's planner is not thread-safe: every plan creation and destruction goes through this lock.
private let fftwPlannerLock = Mutex<Void>(())

/// Streaming MFCC extractor: each hop of input produces one frame of `coefficients` values.
///
/// Matches the MLPerf Tiny / `tf.signal` front end for `FeatureConfig.mlperfTiny`: periodic Hann
/// window, frames of `windowLength` every `hopLength` samples with no padding at the start or end
/// (`tf.signal.stft(pad_end=False)`), real FFT of `fftSize` (window zero-padded), magnitude (or
/// power) spectrum, `tf.signal.linear_to_mel_weight_matrix` (HTK mel, triangles in mel space, DC bin
/// weight zero), `log(mel + logFloor)`, and `tf.signal.mfccs_from_log_mel_spectrograms` (unnormalized
/// DCT-II × `dctScale`), keeping the first `coefficients`.
///
/// The first frame is emitted once `windowLength` samples have arrived, then one per `hopLength`.
/// Frames are identical whatever the chunking of the input. All buffers and the FFTW plan are
/// made in `init`; `process` allocates nothing.
public final class MFCC {
    /// The configuration this extractor was built for.
    public let config: FeatureConfig
    /// Frames emitted since creation or the last `reset()`.
    public private(set) var framesProduced = 0

    private let windowLength: Int
    private let hopLength: Int
    private let fftSize: Int
    private let bins: Int
    private let melBands: Int
    private let coefficients: Int
    private let logFloor: Float
    private let power: Bool

    private let window: UnsafeMutablePointer<Float>        // windowLength
    private let history: UnsafeMutablePointer<Float>       // windowLength
    private var filled = 0
    private var skip = 0
    private let fftIn: UnsafeMutablePointer<Float>         // fftSize (FFTW-aligned)
    private let fftOut: UnsafeMutablePointer<Float>        // 2 · bins interleaved re/im (FFTW-aligned)
    private let spectrum: UnsafeMutablePointer<Float>      // bins
    private let melFirstBin: UnsafeMutablePointer<Int>     // melBands
    private let melBinCount: UnsafeMutablePointer<Int>     // melBands
    private let melWeightStart: UnsafeMutablePointer<Int>  // melBands
    private let melWeights: UnsafeMutablePointer<Float>    // sum of melBinCount
    private let melWeightTotal: Int
    private let logMel: UnsafeMutablePointer<Float>        // melBands
    private let dct: UnsafeMutablePointer<Float>           // coefficients × melBands (scale folded in)
    private let output: UnsafeMutablePointer<Float>        // coefficients
    private let plan: fftwf_plan

    /// Builds the extractor; allocates all buffers and FFTW plans now.
    public init(config: FeatureConfig) throws {
        try config.validate()
        self.config = config
        windowLength = config.windowLength
        hopLength = config.hopLength
        fftSize = config.fftSize
        bins = config.spectrumBins
        melBands = config.melBands
        coefficients = config.coefficients
        logFloor = config.logFloor
        power = config.spectrum == .power

        window = .allocate(capacity: windowLength)
        let w = Self.windowValues(config.window, length: windowLength)
        for i in 0..<windowLength { window[i] = Float(w[i]) }
        history = .allocate(capacity: windowLength)
        history.initialize(repeating: 0, count: windowLength)

        guard let inPtr = fftwf_alloc_real(fftSize),
              let outPtr = fftwf_alloc_complex(bins) else {
            throw FeatureConfigError(field: "fftSize", reason: "cannot allocate FFT buffers of \(config.fftSize)")
        }
        fftIn = inPtr
        fftIn.initialize(repeating: 0, count: fftSize)
        fftOut = UnsafeMutableRawPointer(outPtr).bindMemory(to: Float.self, capacity: 2 * bins)
        fftOut.initialize(repeating: 0, count: 2 * bins)
        let n = Int32(fftSize)
        let flags = UInt32(FFTW_ESTIMATE)
        nonisolated(unsafe) let planIn = inPtr
        nonisolated(unsafe) let planOut = outPtr
        nonisolated(unsafe) var made: fftwf_plan?
        fftwPlannerLock.withLock { _ in made = fftwf_plan_dft_r2c_1d(n, planIn, planOut, flags) }
        guard let made else {
            fftwf_free(inPtr); fftwf_free(outPtr)
            throw FeatureConfigError(field: "fftSize", reason: "FFTW could not plan a real FFT of \(config.fftSize)")
        }
        plan = made
        spectrum = .allocate(capacity: bins)
        spectrum.initialize(repeating: 0, count: bins)

        // Mel filterbank, stored sparsely: per band, its run of non-zero bins.
        let matrix = Self.melWeightMatrix(config)
        melFirstBin = .allocate(capacity: melBands)
        melBinCount = .allocate(capacity: melBands)
        melWeightStart = .allocate(capacity: melBands)
        var flat: [Float] = []
        for b in 0..<melBands {
            var first = -1, last = -1
            for k in 0..<bins where matrix[k * melBands + b] > 0 {
                if first < 0 { first = k }
                last = k
            }
            melWeightStart[b] = flat.count
            if first < 0 {
                melFirstBin[b] = 0; melBinCount[b] = 0
            } else {
                melFirstBin[b] = first; melBinCount[b] = last - first + 1
                for k in first...last { flat.append(Float(matrix[k * melBands + b])) }
            }
        }
        melWeightTotal = flat.count
        melWeights = .allocate(capacity: max(1, flat.count))
        for (i, v) in flat.enumerated() { melWeights[i] = v }
        logMel = .allocate(capacity: melBands)
        logMel.initialize(repeating: 0, count: melBands)

        // DCT-II (unnormalized sum) with the scale folded in.
        dct = .allocate(capacity: coefficients * melBands)
        let scale = Double(config.dctScale)
        for k in 0..<coefficients {
            for m in 0..<melBands {
                let arg = Double.pi * Double(k) * (2 * Double(m) + 1) / (2 * Double(melBands))
                dct[k * melBands + m] = Float(cos(arg) * scale)
            }
        }
        output = .allocate(capacity: coefficients)
        output.initialize(repeating: 0, count: coefficients)
    }

    deinit {
        nonisolated(unsafe) let p = plan
        nonisolated(unsafe) let i = fftIn
        nonisolated(unsafe) let o = fftOut
        fftwPlannerLock.withLock { _ in
            fftwf_destroy_plan(p)
            fftwf_free(i)
            fftwf_free(UnsafeMutableRawPointer(o))
        }
        window.deallocate(); history.deallocate(); spectrum.deallocate()
        melFirstBin.deallocate(); melBinCount.deallocate(); melWeightStart.deallocate(); melWeights.deallocate()
        logMel.deallocate(); dct.deallocate(); output.deallocate()
    }

    /// Feeds samples; calls `onFrame` once per completed frame (the buffer is valid only during the call).
    /// Allocates nothing.
    public func process(_ samples: UnsafeBufferPointer<Float>, onFrame: (UnsafeBufferPointer<Float>) -> Void) {
        guard let base = samples.baseAddress else { return }
        let n = samples.count
        var i = 0
        while i < n {
            if skip > 0 {
                let k = min(skip, n - i)
                skip -= k; i += k
                continue
            }
            let k = min(windowLength - filled, n - i)
            (history + filled).update(from: base + i, count: k)
            filled += k; i += k
            if filled == windowLength {
                computeFrame()
                framesProduced += 1
                onFrame(UnsafeBufferPointer(start: output, count: coefficients))
                if hopLength < windowLength {
                    history.update(from: history + hopLength, count: windowLength - hopLength)
                    filled = windowLength - hopLength
                } else {
                    filled = 0
                    skip = hopLength - windowLength
                }
            }
        }
    }

    /// Forgets buffered samples so the next call starts a new stream.
    public func reset() {
        filled = 0
        skip = 0
        framesProduced = 0
    }

    /// Computes all frames of a whole clip (allocates the result; for batch tools), row-major [frames × coefficients].
    public func frames(of samples: [Float]) -> [Float] {
        reset()
        var out: [Float] = []
        out.reserveCapacity(config.frameCount(forSamples: samples.count) * coefficients)
        samples.withUnsafeBufferPointer { p in
            process(p) { out.append(contentsOf: $0) }
        }
        reset()
        return out
    }

    private func computeFrame() {
        for j in 0..<windowLength { fftIn[j] = history[j] * window[j] }
        if fftSize > windowLength { (fftIn + windowLength).update(repeating: 0, count: fftSize - windowLength) }
        fftOut.withMemoryRebound(to: fftwf_complex.self, capacity: bins) { out in
            fftwf_execute_dft_r2c(plan, fftIn, out)
        }
        if power {
            for k in 0..<bins {
                let re = fftOut[2 * k], im = fftOut[2 * k + 1]
                spectrum[k] = re * re + im * im
            }
        } else {
            for k in 0..<bins {
                let re = fftOut[2 * k], im = fftOut[2 * k + 1]
                spectrum[k] = (re * re + im * im).squareRoot()
            }
        }
        for b in 0..<melBands {
            let first = melFirstBin[b]
            let w = melWeights + melWeightStart[b]
            var sum: Float = 0
            for j in 0..<melBinCount[b] { sum += w[j] * spectrum[first + j] }
            logMel[b] = logf(sum + logFloor)
        }
        for c in 0..<coefficients {
            let row = dct + c * melBands
            var sum: Float = 0
            for m in 0..<melBands { sum += row[m] * logMel[m] }
            output[c] = sum
        }
    }

    // MARK: - Tables (init only)

    /// Window values as `tf.signal` defines them (periodic Hann/Hamming; `hannSymmetric` is symmetric).
    static func windowValues(_ kind: FeatureConfig.Window, length: Int) -> [Double] {
        if kind == .rectangular || length == 1 { return [Double](repeating: 1, count: length) }
        let (a, b, periodic): (Double, Double, Bool) = switch kind {
        case .hann: (0.5, 0.5, true)
        case .hannSymmetric: (0.5, 0.5, false)
        case .hamming: (0.54, 0.46, true)
        case .rectangular: (1, 0, true)
        }
        // tf.signal: denominator is length (periodic, even length) or length − 1.
        let even = length % 2 == 0 ? 1 : 0
        let denom = Double(length + (periodic ? even : 0) - 1)
        return (0..<length).map { a - b * cos(2 * Double.pi * Double($0) / denom) }
    }

    /// HTK mel scale used by tf.signal: 1127 · ln(1 + f / 700).
    static func hertzToMel(_ f: Double) -> Double { 1127.0 * log(1.0 + f / 700.0) }

    /// `tf.signal.linear_to_mel_weight_matrix`, row-major [bins × melBands]; row 0 (DC) is zero.
    public static func melWeightMatrix(_ config: FeatureConfig) -> [Double] {
        let bins = config.spectrumBins
        let bands = config.melBands
        let nyquist = Double(config.sampleRate) / 2
        var m = [Double](repeating: 0, count: bins * bands)
        let lowMel = hertzToMel(Double(config.melLowHz))
        let highMel = hertzToMel(Double(config.melHighHz))
        let edges = (0..<(bands + 2)).map { lowMel + (highMel - lowMel) * Double($0) / Double(bands + 1) }
        guard bins > 1 else { return m }
        for k in 1..<bins {
            let binMel = hertzToMel(nyquist * Double(k) / Double(bins - 1))
            for b in 0..<bands {
                let lower = (binMel - edges[b]) / (edges[b + 1] - edges[b])
                let upper = (edges[b + 2] - binMel) / (edges[b + 2] - edges[b + 1])
                m[k * bands + b] = max(0, min(lower, upper))
            }
        }
        return m
    }
}
