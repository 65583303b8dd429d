/// Why an audio file could not be read, naming the file.
///
/// STUB: the audio-input work replaces this file (libsndfile + libsamplerate).
public struct AudioFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public var path: String
    /// One-line reason.
    public var reason: String
    /// "path: reason".
    public var description: String { "\(path): \(reason)" }
    /// Creates an error.
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
}

/// Streams an audio file as mono Float samples at a target rate, in blocks, never loading it whole.
public final class AudioFileReader {
    /// Sample rate of the output (Hz).
    public let targetRate: Int
    /// Opens the file and sets up decoding and resampling; all buffers are allocated here.
    public init(path: String, targetRate: Int = 16000) throws(AudioFileError) {
        throw AudioFileError(path: path, reason: "not implemented")
    }
    /// Fills `destination` with up to its count of samples; returns 0 at the end of the file.
    public func read(into destination: UnsafeMutableBufferPointer<Float>) throws(AudioFileError) -> Int { 0 }
    /// Non-fatal problems seen while decoding (e.g. "decoded 0.8 s of 1.2 s: FLAC frame CRC error").
    public private(set) var warnings: [String] = []
}
