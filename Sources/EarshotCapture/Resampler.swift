import CSoxr

/// Why a resampler could not be built, naming the conversion and the reason.
public struct ResamplerError: Error, CustomStringConvertible, Sendable {
    /// Source rate in Hz.
    public var inputRate: Int
    /// Output rate in Hz.
    public var outputRate: Int
    /// One-line reason.
    public var reason: String
    /// "resampler 44100→16000 Hz: reason".
    public var description: String { "resampler \(inputRate)→\(outputRate) Hz: \(reason)" }
    /// Creates an error.
    public init(inputRate: Int, outputRate: Int, reason: String) {
        self.inputRate = inputRate; self.outputRate = outputRate; self.reason = reason
    }
}

/// Streaming band-limited mono resampler (libsoxr); all state is allocated in `init`.
///
/// Feed input in pieces of any size with `process`; set `endOfInput` on the calls after the last
/// input sample to flush the filter tail, until a call produces nothing. Output is aligned with the
/// input (soxr removes its filter delay), so sample n of the output is at time n / outputRate.
/// When the rates are equal, samples are copied through unchanged.
public final class Resampler {
    /// Converter quality (libsoxr recipes).
    public enum Quality: Sendable {
        /// SOXR_VHQ: 28-bit precision; slowest.
        case best
        /// SOXR_HQ: 20-bit precision, 91 % passband.
        case medium
        /// SOXR_MQ: 16-bit precision, medium roll-off; fastest.
        case fastest
        /// For live capture: SOXR_LQ (16-bit precision) with a minimum-phase filter and small DFT
        /// blocks, so the output lags the input by under 3 ms (48 → 16 kHz: 24 samples on average,
        /// 44 at most) instead of the 30–75 ms that the block-based linear-phase recipes hold back.
        case live

        var recipe: UInt {
            switch self {
            case .best: UInt(SOXR_VHQ)
            case .medium: UInt(SOXR_HQ)
            case .fastest: UInt(SOXR_MQ)
            case .live: UInt(SOXR_LQ) | UInt(SOXR_MINIMUM_PHASE)
            }
        }
    }

    /// Input sample rate in Hz.
    public let inputRate: Int
    /// Output sample rate in Hz.
    public let outputRate: Int
    /// Largest input slice handed to libsoxr in one step (longer inputs are split).
    public let maxInputFrames: Int
    /// outputRate / inputRate.
    public let ratio: Double
    /// True when input and output rates are equal and samples are copied unchanged.
    public var isPassthrough: Bool { state == nil }

    private let state: OpaquePointer?

    /// Builds a mono resampler from `inputRate` to `outputRate` Hz.
    public init(inputRate: Int, outputRate: Int = 16000, maxInputFrames: Int = 4096,
                quality: Quality = .medium) throws(ResamplerError) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        guard inputRate > 0, outputRate > 0 else {
            throw ResamplerError(inputRate: inputRate, outputRate: outputRate, reason: "sample rates must be positive")
        }
        guard maxInputFrames > 0 else {
            throw ResamplerError(inputRate: inputRate, outputRate: outputRate, reason: "maxInputFrames must be positive")
        }
        self.maxInputFrames = maxInputFrames
        ratio = Double(outputRate) / Double(inputRate)
        if inputRate == outputRate {
            state = nil
            return
        }
        guard ratio >= 1.0 / 256, ratio <= 256 else {
            throw ResamplerError(inputRate: inputRate, outputRate: outputRate,
                                 reason: "ratio \(ratio) is outside 1/256…256")
        }
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var q = soxr_quality_spec(quality.recipe, 0)
        var rt = soxr_runtime_spec(1)
        if quality == .live {
            rt.log2_min_dft_size = 5
            rt.log2_large_dft_size = 6
        }
        var error: soxr_error_t?
        let s = soxr_create(Double(inputRate), Double(outputRate), 1, &error, &io, &q, &rt)
        guard let s, error == nil else {
            if let s { soxr_delete(s) }
            throw ResamplerError(inputRate: inputRate, outputRate: outputRate,
                                 reason: "soxr_create failed: \(error.map { String(cString: $0) } ?? "unknown error")")
        }
        state = s
    }

    deinit {
        if let state { soxr_delete(state) }
    }

    /// Output capacity that always suffices for `inputFrames` of input in one `process` call
    /// (soxr releases buffered output in blocks, so this allows for a block on top).
    public func outputCapacity(forInputFrames inputFrames: Int) -> Int {
        Int((Double(inputFrames) * ratio).rounded(.up)) + 2048
    }

    /// Converts input to output; returns how many input samples were consumed and output samples produced.
    ///
    /// Unconsumed input must be offered again on the next call. With `endOfInput`, the converter
    /// flushes its tail; keep calling (with empty input) until `produced` is 0.
    public func process(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>,
                        endOfInput: Bool) -> (consumed: Int, produced: Int) {
        guard let state else {
            let n = min(input.count, output.count)
            if n > 0, let src = input.baseAddress, let dst = output.baseAddress {
                dst.update(from: src, count: n)
            }
            return (n, n)
        }
        guard let out = output.baseAddress, output.count > 0 else { return (0, 0) }
        var consumed = 0
        var produced = 0
        // Split long inputs into slices of at most maxInputFrames.
        while produced < output.count {
            let inLeft = input.count - consumed
            var used = 0, made = 0
            if inLeft > 0, let base = input.baseAddress {
                let slice = min(inLeft, maxInputFrames)
                if soxr_process(state, base + consumed, slice, &used, out + produced, output.count - produced, &made) != nil { break }
            } else if endOfInput {
                // No input pointer: soxr flushes what it holds.
                if soxr_process(state, nil, 0, nil, out + produced, output.count - produced, &made) != nil { break }
            } else {
                break
            }
            consumed += used
            produced += made
            if used == 0 && made == 0 { break }
            if inLeft == 0 { break }
        }
        return (consumed, produced)
    }

    /// Clears the filter history so the next call starts a new stream.
    public func reset() {
        if let state { _ = soxr_clear(state) }
    }
}
