import Foundation
import Testing
@testable import EarshotCapture

/// Real libasound capture with no sound card: ALSA's `file` PCM plugin reads a raw file over a
/// `null` slave, opened from a configuration string (snd_pcm_open_lconf).
@Suite struct ALSAFilePluginTests {
    private func request(_ path: String, rate: Int = 16000, channels: Int = 1,
                         format: PCMSampleFormat? = .s16) -> PCMRequest {
        PCMRequest(device: "alsa_fed", configText: ALSADevices.fileCaptureConfig(name: "alsa_fed", rawFile: path),
                   rate: rate, channels: channels, format: format)
    }

    @Test func sixteenBitMonoArrivesSampleExact() throws {
        let path = temporaryPath("mono.raw")
        defer { unlink(path) }
        let total = 48000
        try writeRawSignal(to: path, frames: total, channels: 1, format: .s16)
        let run = try runCapture(options: LiveCaptureOptions(request: request(path), ringSeconds: 4, maxCapturedSamples: total),
                                 backend: ALSALibraryBackend())
        #expect(run.parameters.rate == 16000 && run.parameters.channels == 1 && run.parameters.format == .s16)
        #expect(run.parameters.periodFrames > 0 && run.parameters.bufferFrames >= 2 * run.parameters.periodFrames)
        #expect(signalMismatch(run.samples, count: total) == nil)
        #expect(run.statistics.xruns == 0 && run.statistics.droppedSamples == 0)
    }

    @Test func packedTwentyFourBitStereoArrivesSampleExact() throws {
        let path = temporaryPath("stereo24.raw")
        defer { unlink(path) }
        let total = 16000
        try writeRawSignal(to: path, frames: total, channels: 2, format: .s24Packed) { f, _ in
            ScriptedPCMBackend.defaultSignal(f, 0)
        }
        let run = try runCapture(options: LiveCaptureOptions(request: request(path, channels: 2, format: .s24Packed),
                                                             ringSeconds: 4, maxCapturedSamples: total),
                                 backend: ALSALibraryBackend())
        #expect(run.parameters.channels == 2 && run.parameters.format == .s24Packed)
        #expect(signalMismatch(run.samples, count: total) == nil)
    }

    @Test func fortyEightKilohertzDeviceIsResampled() throws {
        let path = temporaryPath("48k.raw")
        defer { unlink(path) }
        try writeRawSignal(to: path, frames: 48000, channels: 2, format: .s32) { f, _ in
            Int16((sin(2 * Double.pi * 1000 * Double(f) / 48000) * 8000).rounded())
        }
        let run = try runCapture(options: LiveCaptureOptions(request: request(path, rate: 48000, channels: 2, format: .s32),
                                                             ringSeconds: 4, maxCapturedSamples: 9600),
                                 backend: ALSALibraryBackend())
        #expect(run.parameters.rate == 48000)
        #expect(run.samples.count == 9600)
        // Energy of a 1 kHz tone at amplitude 8000/32768 is preserved (RMS = A/√2).
        let tail = run.samples[1600..<9600]
        let rms = (tail.reduce(0) { $0 + Double($1) * Double($1) } / Double(tail.count)).squareRoot()
        #expect(abs(rms - 8000.0 / 32768 / 2.0.squareRoot()) < 0.005)
    }

    @Test func pacingDeliversInRealTime() throws {
        let path = temporaryPath("paced.raw")
        defer { unlink(path) }
        try writeRawSignal(to: path, frames: 8000, channels: 1, format: .s16)
        let start = Date()
        let run = try runCapture(options: LiveCaptureOptions(request: request(path), pace: true, maxCapturedSamples: 8000),
                                 backend: ALSALibraryBackend())
        #expect(signalMismatch(run.samples, count: 8000) == nil)
        #expect(Date().timeIntervalSince(start) >= 0.45)   // half a second of audio is not delivered sooner
    }

    @Test func missingDeviceNamesTheDevicesThatExist() {
        let backend = ALSALibraryBackend()
        #expect {
            _ = try backend.open(PCMRequest(device: "alsa_no_such_device"))
        } throws: { error in
            guard let e = error as? ALSAError else { return false }
            return e.device == "alsa_no_such_device" && e.operation == "open" && e.code == .notFound
                && (e.detail ?? "").contains("null")
        }
    }

    @Test func deviceListIncludesConfiguredCapturePCMs() {
        let names = ALSADevices.captureNames().map(\.name)
        #expect(names.contains("null"))
        // No sound card on the test machine is fine; the call must simply not fail.
        _ = ALSADevices.hardwareCaptureDevices()
    }

    @Test func badConfigurationTextIsATypedError() {
        let backend = ALSALibraryBackend()
        #expect(throws: ALSAError.self) {
            _ = try backend.open(PCMRequest(device: "x", configText: "pcm.x { type file slave.pcm "))
        }
    }
}
