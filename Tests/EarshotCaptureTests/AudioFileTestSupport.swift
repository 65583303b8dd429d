import CSndFile
import Foundation
@testable import EarshotCapture

/// A temporary directory removed when the value goes away.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-audio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// Little-endian byte building.
extension Array where Element == UInt8 {
    mutating func u16(_ v: Int) { append(UInt8(v & 0xff)); append(UInt8((v >> 8) & 0xff)) }
    mutating func u32(_ v: Int) { for s in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> s) & 0xff)) } }
    mutating func tag(_ s: String) { append(contentsOf: Array(s.utf8)) }
}

/// Builds WAV files byte by byte, including broken ones.
enum WAV {
    /// Encodes samples (interleaved, in [-1, 1]) as the given sample format.
    static func encode(_ samples: [Double], bits: Int, float: Bool) -> [UInt8] {
        var d: [UInt8] = []
        for s in samples {
            if float && bits == 32 {
                d.u32(Int(Float(s).bitPattern))
            } else if float && bits == 64 {
                let b = s.bitPattern
                for k in stride(from: 0, to: 64, by: 8) { d.append(UInt8((b >> UInt64(k)) & 0xff)) }
            } else if bits == 8 {
                d.append(UInt8(max(0, min(255, Int((s * 128).rounded()) + 128))))
            } else {
                let maxv = Double(1 << (bits - 1))
                let q = Int(max(-maxv, min(maxv - 1, (s * maxv).rounded())))
                for k in 0..<(bits / 8) { d.append(UInt8((q >> (8 * k)) & 0xff)) }
            }
        }
        return d
    }

    /// A complete WAV file. `formatTag` 1 = PCM, 3 = IEEE float, 0xFFFE = extensible.
    static func file(rate: Int, channels: Int, bits: Int, formatTag: Int, data: [UInt8],
                     dataSizeOverride: Int? = nil, riffSizeOverride: Int? = nil, subFormatTag: Int = 1) -> [UInt8] {
        var fmt: [UInt8] = []
        fmt.u16(formatTag); fmt.u16(channels); fmt.u32(rate)
        fmt.u32(rate * channels * bits / 8); fmt.u16(channels * bits / 8); fmt.u16(bits)
        if formatTag == 0xFFFE {
            fmt.u16(22); fmt.u16(bits); fmt.u32(channels == 2 ? 3 : 0)
            // KSDATAFORMAT_SUBTYPE_{PCM,IEEE_FLOAT}: tag, 0000-0010-8000-00aa00389b71
            fmt.u32(subFormatTag); fmt.u16(0x0000); fmt.u16(0x0010)
            fmt += [0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
        } else if formatTag != 1 {
            fmt.u16(0)
        }
        var b: [UInt8] = []
        b.tag("RIFF"); b.u32(riffSizeOverride ?? (4 + 8 + fmt.count + (formatTag != 1 ? 12 : 0) + 8 + data.count))
        b.tag("WAVE")
        b.tag("fmt "); b.u32(fmt.count); b += fmt
        if formatTag != 1 { b.tag("fact"); b.u32(4); b.u32(data.count / max(1, channels * bits / 8)) }
        b.tag("data"); b.u32(dataSizeOverride ?? data.count); b += data
        return b
    }

    static func pcm16(_ samples: [Double], rate: Int = 16000, channels: Int = 1) -> [UInt8] {
        file(rate: rate, channels: channels, bits: 16, formatTag: 1, data: encode(samples, bits: 16, float: false))
    }
}

/// Writes `samples` (interleaved) with libsndfile in `format` (e.g. FLAC 16-bit).
func writeWithSndfile(_ path: String, _ samples: [Float], rate: Int, channels: Int, format: Int32) -> Bool {
    var info = SF_INFO()
    info.samplerate = Int32(rate); info.channels = Int32(channels); info.format = format
    guard let f = sf_open(path, Int32(SFM_WRITE), &info) else { return false }
    let n = samples.withUnsafeBufferPointer { sf_writef_float(f, $0.baseAddress, Int64(samples.count / channels)) }
    sf_close(f)
    return n == Int64(samples.count / channels)
}

func sine(_ freq: Double, rate: Int, count: Int, amplitude: Double = 0.5) -> [Double] {
    (0..<count).map { amplitude * sin(2 * Double.pi * freq * Double($0) / Double(rate)) }
}

func readAll(_ path: String, targetRate: Int = 16000) throws -> (AudioFileReader, [Float]) {
    let r = try AudioFileReader(path: path, targetRate: targetRate)
    return (r, try r.readAll())
}

func rms(_ x: ArraySlice<Float>) -> Double {
    guard !x.isEmpty else { return 0 }
    return (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
}

/// Root of the repository (for Audio/ and ../shared).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
