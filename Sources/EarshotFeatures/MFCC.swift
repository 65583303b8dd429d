/// Streaming MFCC extractor: each hop of input produces one frame of `coefficients` values.
///
/// STUB: the features work replaces this with the FFTW implementation.
public final class MFCC {
    /// The configuration this extractor was built for.
    public let config: FeatureConfig
    /// Builds the extractor; allocates all buffers and FFTW plans now.
    public init(config: FeatureConfig) throws { self.config = config }
    /// Feeds samples; calls `onFrame` once per completed frame (the buffer is valid only during the call).
    /// Allocates nothing.
    public func process(_ samples: UnsafeBufferPointer<Float>, onFrame: (UnsafeBufferPointer<Float>) -> Void) {}
    /// Forgets buffered samples so the next call starts a new stream.
    public func reset() {}
}
