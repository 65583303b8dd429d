/// A PCM sample format that live capture can convert to Float (little-endian, interleaved).
public enum PCMSampleFormat: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Signed 16-bit.
    case s16 = "S16_LE"
    /// Signed 24-bit in the low bits of a 32-bit container.
    case s24 = "S24_LE"
    /// Signed 24-bit packed in 3 bytes.
    case s24Packed = "S24_3LE"
    /// Signed 32-bit.
    case s32 = "S32_LE"
    /// 32-bit IEEE float.
    case float32 = "FLOAT_LE"

    /// Bytes per sample of one channel.
    public var bytesPerSample: Int {
        switch self {
        case .s16: 2
        case .s24Packed: 3
        case .s24, .s32, .float32: 4
        }
    }

    /// The ALSA name, e.g. `S16_LE`.
    public var description: String { rawValue }

    /// Preference order when the device offers several: exact integer formats first.
    public static let preferenceOrder: [PCMSampleFormat] = [.s16, .s32, .s24, .s24Packed, .float32]

    /// Parses an ALSA format name (case-insensitive; `S16`, `S24`, `S32`, `FLOAT` also accepted).
    public init?(name: String) {
        let n = name.uppercased()
        if let f = PCMSampleFormat(rawValue: n) { self = f; return }
        switch n {
        case "S16": self = .s16
        case "S24": self = .s24
        case "S24_3": self = .s24Packed
        case "S32": self = .s32
        case "FLOAT", "F32", "FLOAT32": self = .float32
        default: return nil
        }
    }
}

/// Converts interleaved PCM frames in a given format to mono Float in [-1, 1), averaging channels.
///
/// Integer samples are scaled by 2^-(bits-1), so 16-bit mono input converts exactly.
public struct PCMToMonoFloat: Sendable {
    /// Input sample format.
    public let format: PCMSampleFormat
    /// Input channel count (at least 1).
    public let channels: Int

    /// Creates a converter; a channel count below 1 is treated as 1.
    public init(format: PCMSampleFormat, channels: Int) {
        self.format = format
        self.channels = max(1, channels)
    }

    /// Bytes per interleaved frame.
    public var bytesPerFrame: Int { format.bytesPerSample * channels }

    /// Converts `frames` frames from `source` into the first `frames` slots of `destination`.
    ///
    /// `frames` is clamped to what both buffers hold. Returns the number of frames converted.
    public func convert(_ source: UnsafeRawBufferPointer, frames: Int,
                        into destination: UnsafeMutableBufferPointer<Float>) -> Int {
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return 0 }
        let n = max(0, min(frames, source.count / bytesPerFrame, destination.count))
        let ch = channels
        let gain = 1 / Float(ch)
        switch format {
        case .s16:
            let scale = gain / 32768
            for f in 0..<n {
                var acc: Int32 = 0
                for c in 0..<ch { acc += Int32(Int16(littleEndian: src.loadUnaligned(fromByteOffset: (f * ch + c) * 2, as: Int16.self))) }
                dst[f] = Float(acc) * scale
            }
        case .s32:
            let scale = gain / 2_147_483_648
            for f in 0..<n {
                var acc: Int64 = 0
                for c in 0..<ch { acc += Int64(Int32(littleEndian: src.loadUnaligned(fromByteOffset: (f * ch + c) * 4, as: Int32.self))) }
                dst[f] = Float(acc) * scale
            }
        case .s24:
            let scale = gain / 8_388_608
            for f in 0..<n {
                var acc: Int32 = 0
                for c in 0..<ch {
                    let raw = UInt32(littleEndian: src.loadUnaligned(fromByteOffset: (f * ch + c) * 4, as: UInt32.self))
                    acc += Int32(bitPattern: raw << 8) >> 8
                }
                dst[f] = Float(acc) * scale
            }
        case .s24Packed:
            let scale = gain / 8_388_608
            for f in 0..<n {
                var acc: Int32 = 0
                for c in 0..<ch {
                    let o = (f * ch + c) * 3
                    let raw = UInt32(src.load(fromByteOffset: o, as: UInt8.self))
                        | UInt32(src.load(fromByteOffset: o + 1, as: UInt8.self)) << 8
                        | UInt32(src.load(fromByteOffset: o + 2, as: UInt8.self)) << 16
                    acc += Int32(bitPattern: raw << 8) >> 8
                }
                dst[f] = Float(acc) * scale
            }
        case .float32:
            for f in 0..<n {
                var acc: Float = 0
                for c in 0..<ch {
                    acc += Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: (f * ch + c) * 4, as: UInt32.self)))
                }
                dst[f] = acc * gain
            }
        }
        return n
    }
}
