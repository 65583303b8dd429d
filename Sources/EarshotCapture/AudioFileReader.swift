import CSndFile
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an audio file could not be read, naming the file.
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
///
/// Decoding is done by libsndfile (WAV 8/16/24/32-bit integer, 32/64-bit float, μ-law/A-law,
/// WAVE_FORMAT_EXTENSIBLE, W64, RF64, AIFF, CAF, FLAC), channels are averaged to mono, non-finite
/// samples are replaced by 0 (with a warning), and other rates are converted with libsoxr's
/// band-limited resampler (high quality). All buffers are allocated in `init`; `read(into:)` allocates nothing
/// on the normal path (only a warning, when one is recorded, allocates its text), so an hour-long
/// file costs the same memory as a one-second one.
public final class AudioFileReader {
    /// The file being read.
    public let path: String
    /// Sample rate of the output (Hz).
    public let targetRate: Int
    /// Sample rate stored in the file (Hz).
    public let sourceRate: Int
    /// Channels stored in the file (averaged to mono on output).
    public let channels: Int
    /// Frames (samples per channel) the file declares, if it declares a usable count.
    public let declaredFrames: Int?
    /// Declared duration in seconds, if known.
    public var durationSeconds: Double? { declaredFrames.map { Double($0) / Double(sourceRate) } }
    /// Human-readable format, e.g. "WAV 16-bit PCM, 2 ch, 44100 Hz".
    public let formatDescription: String
    /// Source frames decoded so far.
    public private(set) var framesDecoded: Int = 0
    /// Output samples delivered so far.
    public private(set) var samplesDelivered: Int = 0
    /// Non-fatal problems seen while decoding (e.g. "decoded 0.8 s of 1.2 s: FLAC frame CRC error").
    public private(set) var warnings: [String] = []

    /// True when the decoder reported corrupt data or the audio ended before its declared length
    /// (details are in `warnings`); set once the end of the stream is reached.
    public private(set) var isDamaged = false

    /// Source frames decoded per libsndfile call.
    public let blockFrames: Int

    private var sndfile: OpaquePointer?
    private let interleaved: UnsafeMutablePointer<Float>
    private let mono: UnsafeMutablePointer<Float>
    private var monoStart = 0
    private var monoCount = 0
    private var sourceDone = false
    private var finished = false
    private var nonFinite = 0
    private var decodeError: String?
    private let resampler: Resampler
    private var logLinesAtOpen = 0

    /// Opens the file and sets up decoding and resampling; all buffers are allocated here.
    public init(path: String, targetRate: Int = 16000) throws(AudioFileError) {
        self.path = path
        self.targetRate = targetRate
        guard targetRate > 0 else { throw AudioFileError(path: path, reason: "target rate \(targetRate) Hz is not positive") }

        // Clear reasons for the common filesystem problems before libsndfile sees the file.
        var st = stat()
        if stat(path, &st) != 0 {
            let e = errno
            throw AudioFileError(path: path, reason: e == ENOENT ? "no such file" : "cannot stat: \(String(cString: strerror(e)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw AudioFileError(path: path, reason: "is a directory, not an audio file") }
        if (st.st_mode & S_IFMT) == S_IFREG && st.st_size == 0 { throw AudioFileError(path: path, reason: "empty file (0 bytes)") }

        var info = SF_INFO()
        guard let snd = sf_open(path, Int32(SFM_READ), &info) else {
            let msg = String(cString: sf_strerror(nil))
            throw AudioFileError(path: path, reason: "not a readable audio file: \(Self.oneLine(msg))")
        }
        let major = Int(info.format) & Int(SF_FORMAT_TYPEMASK)
        let sub = Int(info.format) & Int(SF_FORMAT_SUBMASK)
        guard let subName = Self.supportedSubtypes[sub] else {
            sf_close(snd)
            throw AudioFileError(path: path, reason: "unsupported encoding \(Self.subtypeName(snd, sub)) (supported: 8/16/24/32-bit PCM, 32/64-bit float, μ-law, A-law, FLAC)")
        }
        guard let majorName = Self.supportedMajors[major] else {
            sf_close(snd)
            throw AudioFileError(path: path, reason: "unsupported container format 0x\(String(major, radix: 16))")
        }
        guard info.channels > 0, info.channels <= 1024 else {
            sf_close(snd)
            throw AudioFileError(path: path, reason: "invalid channel count \(info.channels)")
        }
        guard info.samplerate > 0 else {
            sf_close(snd)
            throw AudioFileError(path: path, reason: "invalid sample rate \(info.samplerate) Hz")
        }
        if info.frames == 0 {
            sf_close(snd)
            throw AudioFileError(path: path, reason: "no audio: the file holds 0 samples")
        }
        sourceRate = Int(info.samplerate)
        channels = Int(info.channels)
        declaredFrames = (info.frames > 0 && info.frames < Int64.max / 2) ? Int(info.frames) : nil
        formatDescription = "\(majorName) \(subName), \(channels) ch, \(sourceRate) Hz"

        let rs: Resampler
        do { rs = try Resampler(inputRate: sourceRate, outputRate: targetRate, maxInputFrames: 4096) } catch {
            sf_close(snd)
            throw AudioFileError(path: path, reason: "cannot resample: \(error.reason)")
        }
        resampler = rs
        blockFrames = max(64, min(4096, 32768 / channels))
        interleaved = .allocate(capacity: blockFrames * channels)
        mono = .allocate(capacity: blockFrames)
        sndfile = snd

        // Header anomalies that libsndfile tolerated but logged (sizes that lie, etc.).
        let log = Self.logLines(snd)
        logLinesAtOpen = log.count
        for line in log where Self.isAnomaly(line) {
            warnings.append("header: \(line)")
        }
        if let riffWarning = Self.riffSizeMismatch(log) { warnings.append("header: \(riffWarning)") }
    }

    deinit {
        if let sndfile { sf_close(sndfile) }
        interleaved.deallocate()
        mono.deallocate()
    }

    /// Fills `destination` with up to its count of samples; returns 0 at the end of the file.
    ///
    /// Returns fewer than `destination.count` only at the end. Throws only if nothing at all
    /// could be decoded; a decode error after some audio ends the stream early with a warning.
    public func read(into destination: UnsafeMutableBufferPointer<Float>) throws(AudioFileError) -> Int {
        var produced = 0
        while produced < destination.count && !finished {
            if monoCount == 0 && !sourceDone { try fill() }
            let input = UnsafeBufferPointer(start: mono + monoStart, count: monoCount)
            let output = UnsafeMutableBufferPointer(rebasing: destination[produced...])
            let (c, p) = resampler.process(input: input, output: output, endOfInput: sourceDone)
            monoStart += c
            monoCount -= c
            produced += p
            if sourceDone && monoCount == 0 && p == 0 {
                finish()
            } else if c == 0 && p == 0 && monoCount > 0 {
                warnings.append("resampler stopped making progress; output ends early")
                finish()
            }
        }
        samplesDelivered += produced
        return produced
    }

    /// Reads the rest of the file into a new array (allocates; for batch tools, not the live path).
    public func readAll() throws(AudioFileError) -> [Float] {
        var all: [Float] = []
        if let declaredFrames {
            all.reserveCapacity(Int(Double(declaredFrames) * Double(targetRate) / Double(sourceRate)) + 64)
        }
        let chunk = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8192)
        defer { chunk.deallocate() }
        while true {
            let n = try read(into: chunk)
            if n == 0 { break }
            all.append(contentsOf: chunk[..<n])
        }
        return all
    }

    // MARK: - Decoding

    private func fill() throws(AudioFileError) {
        guard let snd = sndfile else { sourceDone = true; return }
        let n = Int(sf_readf_float(snd, interleaved, Int64(blockFrames)))
        if n < blockFrames {
            sourceDone = true
            let err = sf_error(snd)
            if err != 0 {
                var msg = Self.cleanMessage(String(cString: sf_strerror(snd)))
                if let detail = Self.logLines(snd).last(where: Self.isAnomaly).map(Self.cleanMessage), detail != msg {
                    msg += " (\(detail))"
                }
                decodeError = msg
            } else if let declaredFrames, framesDecoded + max(n, 0) < declaredFrames {
                // libsndfile ended early without an error code; its log may say why (e.g. FLAC sync lost).
                decodeError = Self.logLines(snd).last(where: Self.isAnomaly).map(Self.cleanMessage) ?? "file ends before its declared length"
            }
            if framesDecoded + max(n, 0) == 0 && decodeError != nil {
                let reason = decodeError ?? "unknown decode error"
                throw AudioFileError(path: path, reason: "no audio could be decoded: \(reason)")
            }
        }
        guard n > 0 else { monoStart = 0; monoCount = 0; return }
        let ch = channels
        if ch == 1 {
            for i in 0..<n {
                let v = interleaved[i]
                if v.isFinite { mono[i] = v } else { mono[i] = 0; nonFinite += 1 }
            }
        } else {
            let scale = 1 / Float(ch)
            for i in 0..<n {
                var sum: Float = 0
                let base = i * ch
                for c in 0..<ch {
                    let v = interleaved[base + c]
                    if v.isFinite { sum += v } else { nonFinite += 1 }
                }
                mono[i] = sum * scale
            }
        }
        framesDecoded += n
        monoStart = 0
        monoCount = n
    }

    private func finish() {
        finished = true
        if nonFinite > 0 {
            warnings.append("replaced \(nonFinite) non-finite (NaN/Inf) sample values with 0")
        }
        // Errors the decoder logged while decoding, even when it went on (e.g. FLAC CRC mismatches).
        var logged: [String] = []
        if let snd = sndfile {
            for line in Self.logLines(snd).dropFirst(logLinesAtOpen) where Self.isAnomaly(line) {
                let l = Self.cleanMessage(line)
                if !logged.contains(l) { logged.append(l) }
            }
        }
        if let declaredFrames, framesDecoded < declaredFrames {
            isDamaged = true
            let got = Double(framesDecoded) / Double(sourceRate)
            let want = Double(declaredFrames) / Double(sourceRate)
            warnings.append("decoded \(Self.seconds(got)) s of \(Self.seconds(want)) s (\(framesDecoded) of \(declaredFrames) frames): \(decodeError ?? "stream ended early")")
        } else if let decodeError {
            isDamaged = true
            warnings.append("decoding stopped with an error: \(decodeError)")
        }
        if !logged.isEmpty && decodeError == nil {
            isDamaged = true
            warnings.append("decoder reported corrupt data (the samples may contain glitches): \(logged.prefix(3).joined(separator: "; "))")
        }
        if let snd = sndfile { sf_close(snd); sndfile = nil }
    }

    // MARK: - Helpers

    private static func seconds(_ s: Double) -> String {
        let r = (s * 1000).rounded() / 1000
        return "\(r)"
    }

    /// One line without libsndfile's "Error : " prefixes.
    private static func cleanMessage(_ s: String) -> String {
        var t = oneLine(s)
        for prefix in ["Error : ", "ERROR : ", "Error: "] where t.hasPrefix(prefix) { t = String(t.dropFirst(prefix.count)) }
        if t.hasSuffix(".") { t = String(t.dropLast()) }
        return t
    }

    private static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces() }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// libsndfile's log for this handle, split in lines.
    private static func logLines(_ snd: OpaquePointer) -> [String] {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBufferPointer { p in
            sf_command(snd, Int32(SFC_GET_LOG_INFO), p.baseAddress, Int32(p.count))
        }
        guard n > 0 else { return [] }
        let text = buf.withUnsafeBufferPointer { p -> String in
            let bytes = p.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }

    /// A RIFF chunk size that disagrees with the file length (libsndfile only flags sizes that are too large).
    private static func riffSizeMismatch(_ log: [String]) -> String? {
        func value(_ key: String) -> Int? {
            guard let line = log.first(where: { $0.hasPrefix(key + " : ") }) else { return nil }
            let rest = line.dropFirst(key.count + 3)
            if rest.contains("should be") { return nil }
            return Int(rest.prefix(while: \.isNumber))
        }
        guard let length = value("Length"), let riff = value("RIFF"), riff + 8 != length else { return nil }
        return "RIFF size \(riff) does not match the file length \(length) (should be \(length - 8))"
    }

    /// Log lines that report a problem rather than describe the header.
    private static func isAnomaly(_ line: String) -> Bool {
        let l = line.lowercased()
        // Float WAVs written without a 'fact' chunk are common and decode correctly.
        if l.contains("should have a 'fact' chunk") { return false }
        return l.contains("should be") || l.contains("***") || l.contains("error") || l.contains("truncat")
            || l.contains("too long") || l.contains("too short") || l.contains("bad ") || l.contains("lost sync")
    }

    private static let supportedMajors: [Int: String] = [
        Int(SF_FORMAT_WAV): "WAV", Int(SF_FORMAT_WAVEX): "WAV (extensible)", Int(SF_FORMAT_W64): "W64",
        Int(SF_FORMAT_RF64): "RF64", Int(SF_FORMAT_AIFF): "AIFF", Int(SF_FORMAT_CAF): "CAF",
        Int(SF_FORMAT_FLAC): "FLAC",
    ]

    private static let supportedSubtypes: [Int: String] = [
        Int(SF_FORMAT_PCM_S8): "8-bit PCM", Int(SF_FORMAT_PCM_U8): "8-bit PCM",
        Int(SF_FORMAT_PCM_16): "16-bit PCM", Int(SF_FORMAT_PCM_24): "24-bit PCM",
        Int(SF_FORMAT_PCM_32): "32-bit PCM", Int(SF_FORMAT_FLOAT): "32-bit float",
        Int(SF_FORMAT_DOUBLE): "64-bit float", Int(SF_FORMAT_ULAW): "μ-law", Int(SF_FORMAT_ALAW): "A-law",
    ]

    private static func subtypeName(_ snd: OpaquePointer, _ sub: Int) -> String {
        var fi = SF_FORMAT_INFO()
        fi.format = Int32(sub)
        if sf_command(snd, Int32(SFC_GET_FORMAT_INFO), &fi, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
           let name = fi.name {
            return "'\(String(cString: name))'"
        }
        return "0x\(String(sub, radix: 16))"
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
