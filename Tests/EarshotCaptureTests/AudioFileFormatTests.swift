import CSndFile
import Foundation
import Testing
@testable import EarshotCapture

@Suite("AudioFileReader formats")
struct AudioFileFormatTests {
    @Test(arguments: [(8, false), (16, false), (24, false), (32, false), (32, true), (64, true)])
    func wavSampleFormatsDecodeToTheSameSignal(bits: Int, float: Bool) throws {
        let dir = try TempDir()
        let x = sine(440, rate: 16000, count: 1600)
        let p = try dir.write("s\(bits)\(float).wav",
                              WAV.file(rate: 16000, channels: 1, bits: bits, formatTag: float ? 3 : 1,
                                       data: WAV.encode(x, bits: bits, float: float)))
        let (r, y) = try readAll(p)
        #expect(r.sourceRate == 16000 && r.channels == 1 && r.declaredFrames == 1600)
        #expect(r.durationSeconds == 0.1)
        #expect(r.formatDescription.contains(float ? "\(bits)-bit float" : "\(bits)-bit PCM"), "\(r.formatDescription)")
        #expect(y.count == 1600)
        let tol = bits == 8 ? 1.0 / 64 : 1e-4
        #expect(zip(x, y).allSatisfy { abs($0 - Double($1)) <= tol })
        #expect(r.warnings.isEmpty && !r.isDamaged, "\(r.warnings)")
    }

    @Test func extensibleStereoIsAveragedToMono() throws {
        let dir = try TempDir()
        var inter: [Double] = []
        for i in 0..<800 { inter.append(0.5); inter.append(i % 2 == 0 ? -0.25 : 0.25) }
        let p = try dir.write("ext.wav", WAV.file(rate: 16000, channels: 2, bits: 24, formatTag: 0xFFFE,
                                                  data: WAV.encode(inter, bits: 24, float: false)))
        let (r, y) = try readAll(p)
        #expect(r.channels == 2 && r.formatDescription.hasPrefix("WAV (extensible) 24-bit PCM"), "\(r.formatDescription)")
        #expect(y.count == 800)
        for i in 0..<800 { #expect(abs(y[i] - (i % 2 == 0 ? 0.125 : 0.375)) < 1e-5) }
    }

    @Test func flacWithSixChannelsAt44100() throws {
        let dir = try TempDir()
        let n = 4410
        let tone = sine(1000, rate: 44100, count: n)
        var inter: [Float] = []
        for i in 0..<n { for c in 0..<6 { inter.append(c < 3 ? Float(tone[i]) : 0) } }
        let p = dir.path("six.flac")
        #expect(writeWithSndfile(p, inter, rate: 44100, channels: 6, format: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)))
        let (r, y) = try readAll(p)
        #expect(r.formatDescription == "FLAC 16-bit PCM, 6 ch, 44100 Hz")
        // 0.1 s at 16 kHz; the resampler may differ from the exact ratio by a sample or two.
        #expect(abs(y.count - 1600) <= 2, "\(y.count) samples")
        // Half the channels carry the tone: mono amplitude 0.25, RMS 0.25/√2 away from the edges.
        let mid = y[200..<1400]
        #expect(abs(rms(mid) - 0.25 / 2.0.squareRoot()) < 0.005, "rms \(rms(mid))")
    }

    @Test func resamplingKeepsInBandTonesAndRemovesAliases() throws {
        let dir = try TempDir()
        let rate = 44100
        // 1 kHz is kept; 10 kHz lies above the 8 kHz output Nyquist and must be filtered out, not aliased to 6 kHz.
        let inBand = try dir.write("in.wav", WAV.pcm16(sine(1000, rate: rate, count: rate / 2), rate: rate))
        let alias = try dir.write("alias.wav", WAV.pcm16(sine(10000, rate: rate, count: rate / 2), rate: rate))
        let (_, a) = try readAll(inBand)
        let (_, b) = try readAll(alias)
        #expect(abs(a.count - 8000) <= 2)
        let ref = sine(1000, rate: 16000, count: a.count)
        // After the filter settles, the output is the same tone at the new rate (same phase: soxr removes its filter delay).
        let err = (500..<7500).map { abs(Double(a[$0]) - ref[$0]) }.max() ?? 1
        #expect(err < 0.01, "max error \(err)")
        #expect(rms(b[500..<7500]) < 0.005, "alias rms \(rms(b[500..<7500]))")
    }

    @Test func upsampling8kDoublesTheLength() throws {
        let dir = try TempDir()
        let p = try dir.write("8k.wav", WAV.pcm16(sine(300, rate: 8000, count: 4000), rate: 8000))
        let (r, y) = try readAll(p)
        #expect(r.sourceRate == 8000 && r.targetRate == 16000)
        #expect(abs(y.count - 8000) <= 2)
        let ref = sine(300, rate: 16000, count: y.count)
        #expect((400..<7600).allSatisfy { abs(Double(y[$0]) - ref[$0]) < 0.01 })
    }

    @Test func chunkedReadsEqualOneRead() throws {
        let dir = try TempDir()
        let p = try dir.write("c.wav", WAV.pcm16(sine(700, rate: 22050, count: 30000), rate: 22050))
        let (_, whole) = try readAll(p)
        let r = try AudioFileReader(path: p)
        var got: [Float] = []
        let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 5000)
        defer { buf.deallocate() }
        var size = 1
        while true {
            let n = try r.read(into: UnsafeMutableBufferPointer(rebasing: buf[0..<size]))
            if n == 0 { break }
            if n < size { #expect(try r.read(into: buf) == 0, "short read before the end") }
            got += buf[0..<n]
            size = size * 7 % 4999 + 1
        }
        #expect(got == whole)
        #expect(r.samplesDelivered == whole.count)
        #expect(try r.read(into: buf) == 0)
    }

    @Test func realKeywordClipFromAudioFolder() throws {
        let p = repoRoot.appendingPathComponent("Audio/alexa-1.flac").path
        guard FileManager.default.fileExists(atPath: p) else { return }
        let (r, y) = try readAll(p)
        #expect(r.formatDescription == "FLAC 16-bit PCM, 1 ch, 16000 Hz")
        #expect(y.count == r.declaredFrames && y.count == 58560)
        #expect(r.warnings.isEmpty)
    }
}

@Suite("Resampler")
struct ResamplerTests {
    @Test func streamingInPiecesEqualsOneCall() throws {
        let x = sine(440, rate: 48000, count: 9600).map(Float.init)
        func run(_ piece: Int) throws -> [Float] {
            let rs = try Resampler(inputRate: 48000, outputRate: 16000, maxInputFrames: 1024)
            var out: [Float] = []
            let o = UnsafeMutableBufferPointer<Float>.allocate(capacity: rs.outputCapacity(forInputFrames: piece))
            defer { o.deallocate() }
            try x.withUnsafeBufferPointer { p in
                var i = 0
                while i < p.count {
                    let k = min(piece, p.count - i)
                    let (c, n) = rs.process(input: UnsafeBufferPointer(rebasing: p[i..<(i + k)]), output: o, endOfInput: false)
                    out += o[0..<n]
                    i += c
                    if c == 0 && n == 0 { throw ResamplerError(inputRate: 0, outputRate: 0, reason: "stalled") }
                }
                while true {
                    let (_, n) = rs.process(input: UnsafeBufferPointer(start: nil, count: 0), output: o, endOfInput: true)
                    if n == 0 { break }
                    out += o[0..<n]
                }
            }
            return out
        }
        let a = try run(9600)
        let b = try run(37)
        #expect(abs(a.count - 3200) <= 2)
        #expect(a.count == b.count)
        let maxDiff = zip(a, b).map { abs($0 - $1) }.max() ?? 1
        #expect(maxDiff < 1e-4, "piecewise differs by \(maxDiff)")
    }

    @Test func passthroughAndBadRates() throws {
        let rs = try Resampler(inputRate: 16000, outputRate: 16000)
        #expect(rs.isPassthrough)
        let x: [Float] = [1, 2, 3]
        var y = [Float](repeating: 0, count: 3)
        let r = x.withUnsafeBufferPointer { i in y.withUnsafeMutableBufferPointer { o in rs.process(input: i, output: o, endOfInput: true) } }
        #expect(r.consumed == 3 && r.produced == 3 && y == x)
        #expect(throws: ResamplerError.self) { try Resampler(inputRate: 0, outputRate: 16000) }
        #expect(throws: ResamplerError.self) { try Resampler(inputRate: 16_000_000, outputRate: 16000) }
        do { _ = try Resampler(inputRate: 1, outputRate: 16000) } catch {
            #expect(error.description.hasPrefix("resampler 1→16000 Hz: "))
        }
    }
}
