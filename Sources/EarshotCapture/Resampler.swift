import CSampleRate

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

/// Streaming band-limited mono resampler (libsamplerate sinc); all state is allocated in `init`.
///
/// Feed input in pieces of any size with `process`; set `endOfInput` on the calls after the last
/// input sample to flush the filter tail, until a call produces nothing. `process` allocates nothing.
/// When the rates are equal, samples are copied through unchanged.
public final class Resampler {
    /// Converter quality (libsamplerate sinc converters).
    public enum Quality: Sendable {
        /// SRC_SINC_BEST_QUALITY: 97 dB SNR, 97% bandwidth; slowest.
        case best
        /// SRC_SINC_MEDIUM_QUALITY: 97 dB SNR, 90% bandwidth.
        case medium
        /// SRC_SINC_FASTEST: 97 dB SNR, 80% bandwidth.
        case fastest

        var converter: Int32 {
            switch self {
            case .best: Int32(SRC_SINC_BEST_QUALITY)
            case .medium: Int32(SRC_SINC_MEDIUM_QUALITY)
            case .fastest: Int32(SRC_SINC_FASTEST)
            }
        }
    }

    /// Input sample rate in Hz.
    public let inputRate: Int
    /// Output sample rate in Hz.
    public let outputRate: Int
    /// Largest input slice handed to libsamplerate in one step (longer inputs are split).
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
        guard src_is_valid_ratio(ratio) != 0 else {
            throw ResamplerError(inputRate: inputRate, outputRate: outputRate,
                                 reason: "ratio \(ratio) is outside libsamplerate's 1/256…256")
        }
        var error: Int32 = 0
        guard let s = src_new(quality.converter, 1, &error) else {
            throw ResamplerError(inputRate: inputRate, outputRate: outputRate,
                                 reason: "src_new failed: \(String(cString: src_strerror(error)))")
        }
        state = s
    }

    deinit {
        if let state { src_delete(state) }
    }

    /// Output capacity that always suffices for `inputFrames` of input in one `process` call.
    public func outputCapacity(forInputFrames inputFrames: Int) -> Int {
        Int((Double(inputFrames) * ratio).rounded(.up)) + 64
    }

    /// Converts input to output; returns how many input samples were consumed and output samples produced.
    ///
    /// Unconsumed input must be offered again on the next call. With `endOfInput`, the converter
    /// flushes its tail; keep calling (with empty input) until `produced` is 0. Allocates nothing.
    public func process(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>,
                        endOfInput: Bool) -> (consumed: Int, produced: Int) {
        guard let state else {
            let n = min(input.count, output.count)
            if n > 0, let src = input.baseAddress, let dst = output.baseAddress {
                dst.update(from: src, count: n)
            }
            return (n, n)
        }
        var consumed = 0
        var produced = 0
        // Split long inputs into slices of at most maxInputFrames.
        while true {
            let inLeft = input.count - consumed
            let outLeft = output.count - produced
            if outLeft <= 0 { break }
            if inLeft == 0 && !endOfInput { break }
            let slice = min(inLeft, maxInputFrames)
            let last = endOfInput && slice == inLeft
            var data = SRC_DATA()
            data.data_in = input.baseAddress.map { UnsafePointer($0 + consumed) }
            data.data_out = output.baseAddress.map { $0 + produced }
            data.input_frames = slice
            data.output_frames = outLeft
            data.end_of_input = last ? 1 : 0
            data.src_ratio = ratio
            // With no input and end_of_input, libsamplerate still needs a valid pointer.
            var dummy: Float = 0
            let rc = withUnsafeMutablePointer(to: &dummy) { dummyPtr -> Int32 in
                if data.data_in == nil { data.data_in = UnsafePointer(dummyPtr) }
                return src_process(state, &data)
            }
            if rc != 0 { break }
            consumed += data.input_frames_used
            produced += data.output_frames_gen
            if data.input_frames_used == 0 && data.output_frames_gen == 0 { break }
            if last && data.output_frames_gen == 0 { break }
        }
        return (consumed, produced)
    }

    /// Clears the filter history so the next call starts a new stream.
    public func reset() {
        if let state { src_reset(state) }
    }
}
