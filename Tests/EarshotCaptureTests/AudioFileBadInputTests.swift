import Foundation
import Testing
@testable import EarshotCapture

/// Opens and reads `path` to the end; returns the error, if any.
func failure(_ path: String) -> AudioFileError? {
    do {
        _ = try readAll(path)
        return nil
    } catch let e as AudioFileError {
        return e
    } catch {
        return AudioFileError(path: path, reason: "unexpected error type \(error)")
    }
}

/// Every error is one line that names the file.
func expectOneLine(_ e: AudioFileError?, path: String, mentions: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let e else { Issue.record("expected an error for \(path)", sourceLocation: sourceLocation); return }
    #expect(e.path == path, sourceLocation: sourceLocation)
    #expect(e.description.hasPrefix(path + ": "), sourceLocation: sourceLocation)
    #expect(!e.description.contains("\n"), "multi-line: \(e.description)", sourceLocation: sourceLocation)
    #expect(mentions.isEmpty || e.reason.lowercased().contains(mentions), "'\(e.reason)' does not mention '\(mentions)'", sourceLocation: sourceLocation)
}

@Suite("AudioFileReader bad input")
struct AudioFileBadInputTests {
    @Test func missingEmptyAndDirectory() throws {
        let dir = try TempDir()
        expectOneLine(failure(dir.path("nope.wav")), path: dir.path("nope.wav"), mentions: "no such file")
        let empty = try dir.write("empty.wav", [])
        expectOneLine(failure(empty), path: empty, mentions: "empty file")
        expectOneLine(failure(dir.url.path), path: dir.url.path, mentions: "directory")
    }

    @Test func textFileNamedWav() throws {
        let dir = try TempDir()
        let p = try dir.write("notes.wav", Array("This is not audio, just some text.\nSecond line.\n".utf8))
        expectOneLine(failure(p), path: p, mentions: "not a readable audio file")
    }

    @Test func truncatedHeader() throws {
        let dir = try TempDir()
        let full = WAV.pcm16(sine(440, rate: 16000, count: 100))
        for cut in [4, 12, 20, 30, 40] {
            let p = try dir.write("cut\(cut).wav", Array(full.prefix(cut)))
            let e = failure(p)
            expectOneLine(e, path: p, mentions: "")
        }
    }

    @Test func dataSizeLargerThanTheFile() throws {
        let dir = try TempDir()
        let x = sine(440, rate: 16000, count: 1000)
        let bytes = WAV.file(rate: 16000, channels: 1, bits: 16, formatTag: 1, data: WAV.encode(x, bits: 16, float: false),
                             dataSizeOverride: 1_000_000, riffSizeOverride: 1_000_036)
        let p = try dir.write("liar.wav", bytes)
        // libsndfile clamps the data to what is there; the lie is reported as a warning.
        let (r, y) = try readAll(p)
        #expect(y.count == 1000)
        #expect(!r.warnings.isEmpty, "no warning about the lying header")
        #expect(r.warnings.contains { $0.hasPrefix("header: ") })
    }

    @Test func riffSizeThatLies() throws {
        let dir = try TempDir()
        let x = sine(440, rate: 16000, count: 1000)
        let bytes = WAV.file(rate: 16000, channels: 1, bits: 16, formatTag: 1, data: WAV.encode(x, bits: 16, float: false),
                             riffSizeOverride: 12)
        let p = try dir.write("riff.wav", bytes)
        let (r, y) = try readAll(p)
        #expect(y.count == 1000)
        #expect(r.warnings.contains { $0.hasPrefix("header: ") }, "warnings: \(r.warnings)")
    }

    @Test func fileCutInTheMiddleOfTheData() throws {
        let dir = try TempDir()
        let full = WAV.pcm16(sine(440, rate: 16000, count: 2000))
        let p = try dir.write("short.wav", Array(full.prefix(44 + 1001)))  // header says 2000 samples, 500.5 present
        let (r, y) = try readAll(p)
        #expect(y.count == 500)
        #expect(r.warnings.contains { $0.contains("data : 4000 (should be 1001)") }, "warnings: \(r.warnings)")
    }

    @Test func textFileMessageIsSpecific() throws {
        let dir = try TempDir()
        let p = try dir.write("t.wav", Array("hello".utf8))
        #expect(failure(p)?.description == "\(p): not a readable audio file: Format not recognised.")
    }

    @Test func unsupportedEncodings() throws {
        let dir = try TempDir()
        // An unknown format tag: libsndfile refuses it.
        let unknown = try dir.write("tag1234.wav", WAV.file(rate: 16000, channels: 1, bits: 16, formatTag: 0x1234,
                                                           data: [UInt8](repeating: 0, count: 200)))
        expectOneLine(failure(unknown), path: unknown, mentions: "")
        // IMA ADPCM (tag 0x11) decodes in libsndfile but is not one of the supported encodings.
        var fmt: [UInt8] = []
        fmt.u16(0x11); fmt.u16(1); fmt.u32(16000); fmt.u32(8110); fmt.u16(256); fmt.u16(4); fmt.u16(2); fmt.u16(505)
        var b: [UInt8] = []
        let data = [UInt8](repeating: 0, count: 512)
        b.tag("RIFF"); b.u32(4 + 8 + fmt.count + 12 + 8 + data.count); b.tag("WAVE")
        b.tag("fmt "); b.u32(fmt.count); b += fmt
        b.tag("fact"); b.u32(4); b.u32(1010)
        b.tag("data"); b.u32(data.count); b += data
        let adpcm = try dir.write("adpcm.wav", b)
        expectOneLine(failure(adpcm), path: adpcm, mentions: "unsupported encoding")
    }

    @Test func nonFiniteFloatSamplesAreReplacedAndReported() throws {
        let dir = try TempDir()
        var x = sine(440, rate: 16000, count: 1000)
        x[10] = .nan; x[20] = .infinity; x[30] = -.infinity
        let p = try dir.write("nan.wav", WAV.file(rate: 16000, channels: 1, bits: 32, formatTag: 3,
                                                  data: WAV.encode(x, bits: 32, float: true)))
        let (r, y) = try readAll(p)
        #expect(y.count == 1000)
        #expect(y.allSatisfy { $0.isFinite })
        #expect(y[10] == 0 && y[20] == 0 && y[30] == 0)
        #expect(r.warnings.contains { $0.contains("3 non-finite") }, "warnings: \(r.warnings)")
    }

    @Test func nonFiniteSamplesDoNotPoisonResampledOutput() throws {
        let dir = try TempDir()
        var x = sine(440, rate: 44100, count: 4410)
        x[100] = .nan
        let p = try dir.write("nan44.wav", WAV.file(rate: 44100, channels: 1, bits: 64, formatTag: 3,
                                                    data: WAV.encode(x, bits: 64, float: true)))
        let (_, y) = try readAll(p)
        #expect(!y.isEmpty && y.allSatisfy { $0.isFinite })
    }

    @Test func zeroLengthAudio() throws {
        let dir = try TempDir()
        let p = try dir.write("zero.wav", WAV.file(rate: 16000, channels: 1, bits: 16, formatTag: 1, data: []))
        expectOneLine(failure(p), path: p, mentions: "0 samples")
    }

    @Test func zeroChannelsAndZeroRate() throws {
        let dir = try TempDir()
        let data = WAV.encode(sine(440, rate: 16000, count: 100), bits: 16, float: false)
        let ch0 = try dir.write("ch0.wav", WAV.file(rate: 16000, channels: 0, bits: 16, formatTag: 1, data: data))
        expectOneLine(failure(ch0), path: ch0, mentions: "")
        let r0 = try dir.write("rate0.wav", WAV.file(rate: 0, channels: 1, bits: 16, formatTag: 1, data: data))
        expectOneLine(failure(r0), path: r0, mentions: "")
    }

    @Test func randomGarbageNeverCrashes() throws {
        let dir = try TempDir()
        var rng = SystemRandomNumberGenerator()
        let good = WAV.pcm16(sine(440, rate: 16000, count: 500))
        for i in 0..<40 {
            var b = good
            for _ in 0..<(1 + i % 8) { b[Int.random(in: 0..<60, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            let p = try dir.write("g\(i).wav", b)
            if let e = failure(p) { expectOneLine(e, path: p, mentions: "") }
        }
    }

    /// The corrupt FLAC files in ../shared (CRC mismatches, lost sync); skipped if absent.
    /// `flac -d` (stops at the first error) decodes 8064, 16128, 11520 and 16128 samples of 32, 129, 142, 144;
    /// libsndfile stops at the same place or later (it resynchronises past some bad frames).
    @Test(arguments: [(32, 8064), (33, 8064), (34, 10368), (126, 5760), (127, 9216), (128, 9216),
                      (129, 16128), (142, 11520), (144, 16128)])
    func realCorruptFlac(file: Int, flacDecodes: Int) throws {
        let p = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data/keywords/alexa/\(file).flac").path
        guard FileManager.default.fileExists(atPath: p) else { return }
        do {
            let (r, y) = try readAll(p)
            #expect(r.isDamaged)
            #expect(!r.warnings.isEmpty)
            #expect(r.warnings.allSatisfy { !$0.contains("\n") })
            #expect(y.count >= flacDecodes, "libsndfile gave \(y.count), flac -d gave \(flacDecodes)")
            #expect(y.count <= r.declaredFrames ?? .max)
        } catch {
            expectOneLine(error as? AudioFileError, path: p, mentions: "")
        }
    }
}
