import Foundation
import Testing
@testable import EarshotCapture

/// Fault paths injected through `ScriptedPCMBackend`: no sound card needed.
@Suite struct LiveCaptureFaultTests {
    static let mono16k = PCMParameters(rate: 16000, channels: 1, format: .s16, periodFrames: 160, bufferFrames: 1280)

    private func options(total: Int) -> LiveCaptureOptions {
        LiveCaptureOptions(request: PCMRequest(device: "scripted"), hopLength: 320,
                           maxCapturedSamples: total, reopenInitialDelay: 0.01, reopenMaxDelay: 0.04)
    }

    private func expectExact(_ run: LiveRun, total: Int) {
        #expect(signalMismatch(run.samples, count: total) == nil)
        #expect(run.startSamples == Array(stride(from: 0, to: total, by: 320)))
    }

    @Test func cleanRunDeliversEverySampleInWholeHops() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k, script: [.frames(3200)])
        let run = try runCapture(options: options(total: 3200), backend: backend)
        expectExact(run, total: 3200)
        #expect(run.statistics.hopsDelivered == 10)
        #expect(run.statistics.framesCaptured == 3200)
        #expect(run.statistics.xruns == 0 && run.statistics.droppedSamples == 0)
        #expect(backend.counts.closes >= 1)
    }

    @Test func aShortFirstHopPutsHopEndsOnFrameEnds() throws {
        // 480-sample frames every 320 end at 480, 800, 1120 ...: a 160-sample first hop makes every
        // later hop end exactly there, and the stream stays sample-exact.
        let backend = ScriptedPCMBackend(parameters: Self.mono16k, script: [.frames(3200)])
        var o = options(total: 3200)
        o.firstHopLength = 160
        let run = try runCapture(options: o, backend: backend)
        #expect(signalMismatch(run.samples, count: 3040) == nil)
        #expect(run.startSamples == [0] + Array(stride(from: 160, to: 3040, by: 320)))
        #expect(run.statistics.hopsDelivered == 10)
    }

    @Test func overrunIsPreparedAndCounted() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k,
                                         script: [.frames(1600), .fail(.overrun), .frames(800), .fail(.overrun), .frames(800)])
        let run = try runCapture(options: options(total: 3200), backend: backend)
        expectExact(run, total: 3200)
        #expect(run.statistics.xruns == 2)
        #expect(backend.counts.prepares == 2)
        #expect(run.events.contains { $0.contains("overrun(total: 2)") })
    }

    @Test func suspendIsResumedAfterBusyRetries() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k,
                                         script: [.frames(960), .suspend(busyResumes: 3), .frames(2240)])
        let run = try runCapture(options: options(total: 3200), backend: backend)
        expectExact(run, total: 3200)
        #expect(run.statistics.suspends == 1)
        #expect(backend.counts.resumes == 4)
        #expect(backend.counts.prepares == 0)
    }

    @Test func lostDeviceIsReopenedWithBackoffAndCaptureResumes() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k,
                                         script: [.frames(1280), .unplug(failedReopens: 2), .frames(1920)])
        let run = try runCapture(options: options(total: 3200), backend: backend)
        expectExact(run, total: 3200)
        #expect(run.statistics.deviceLosses == 1)
        #expect(run.statistics.reopenAttempts == 3)
        #expect(backend.counts.opens == 4)
        #expect(backend.counts.failedOpens == 2)
        #expect(run.events.filter { $0.hasPrefix("reopenFailed") }.count == 2)
        #expect(run.events.filter { $0.hasPrefix("opened") }.count == 2)
    }

    @Test func interruptedReadsAreRetried() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k,
                                         script: [.frames(100), .fail(.interrupted), .fail(.interrupted), .frames(3100)])
        let run = try runCapture(options: options(total: 3200), backend: backend)
        expectExact(run, total: 3200)
        #expect(run.statistics.interruptedReads == 2)
        #expect(run.statistics.xruns == 0 && run.statistics.otherErrors == 0)
    }

    @Test func shortReadsKeepTheStreamExact() throws {
        var script: [ScriptedPCMBackend.Step] = []
        var sent = 0
        var k = 1
        while sent < 3200 {
            let n = min(3200 - sent, (k * 37) % 150 + 1)
            script.append(.shortRead(n))
            sent += n
            k += 1
        }
        let backend = ScriptedPCMBackend(parameters: Self.mono16k, script: script)
        let run = try runCapture(options: options(total: 3200), backend: backend)
        expectExact(run, total: 3200)
        #expect(run.statistics.shortReads >= script.count - 1)
    }

    @Test func unexpectedErrorIsPreparedAndCounted() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k,
                                         script: [.frames(320), .fail(.ioError), .frames(2880)])
        let run = try runCapture(options: options(total: 3200), backend: backend)
        expectExact(run, total: 3200)
        #expect(run.statistics.otherErrors == 1)
        #expect(backend.counts.prepares == 1)
    }

    @Test func everyFormatAndChannelLayoutArrivesExactAtSixteenKilohertz() throws {
        for format in PCMSampleFormat.allCases {
            // Channel 1 mirrors channel 0 so the average is the signal itself.
            let params = PCMParameters(rate: 16000, channels: 2, format: format, periodFrames: 160, bufferFrames: 1280)
            let backend = ScriptedPCMBackend(parameters: params, script: [.frames(1600)]) { f, _ in
                ScriptedPCMBackend.defaultSignal(f, 0)
            }
            let run = try runCapture(options: options(total: 1600), backend: backend)
            #expect(signalMismatch(run.samples, count: 1600) == nil, "format \(format)")
        }
    }

    @Test func fortyEightKilohertzStereoIsResampledToSixteenKilohertzMono() throws {
        let params = PCMParameters(rate: 48000, channels: 2, format: .s32, periodFrames: 480, bufferFrames: 3840)
        // A 440 Hz tone on both channels.
        let backend = ScriptedPCMBackend(parameters: params, script: [.frames(48000)]) { f, _ in
            Int16((sin(2 * Double.pi * 440 * Double(f) / 48000) * 16000).rounded())
        }
        let run = try runCapture(options: options(total: 12800), backend: backend)
        #expect(run.parameters.rate == 48000)
        #expect(run.samples.count == 12800)
        // After the resampler's start-up delay the output is the same tone sampled at 16 kHz.
        var best = Double.infinity
        for delay in 0..<200 {
            var err = 0.0
            for i in 2000..<4000 {
                let want = sin(2 * Double.pi * 440 * Double(i - delay) / 16000) * 16000 / 32768
                err = max(err, abs(Double(run.samples[i]) - want))
            }
            best = min(best, err)
        }
        #expect(best < 0.01)
    }

    @Test func slowProcessingDropsSamplesInsteadOfBlockingCapture() throws {
        var opts = options(total: 32000)
        opts.ringSeconds = 0.05   // 1024-sample ring
        let backend = ScriptedPCMBackend(parameters: Self.mono16k, script: [.frames(32000)])
        let run = try runCapture(options: opts, backend: backend, perHop: { usleep(20_000) })
        let s = run.statistics
        #expect(s.droppedSamples > 0)
        #expect(s.samplesCaptured == 32000)
        // Everything captured was either delivered, dropped, or is a final partial hop.
        #expect(s.samplesDelivered + s.droppedSamples + 320 > 32000)
        #expect(s.samplesDelivered + s.droppedSamples <= 32000)
        #expect(run.events.contains { $0.hasPrefix("dropped") })
    }

    @Test func hopsCarryMonotonicCaptureTimes() throws {
        var opts = options(total: 3200)
        opts.pace = true
        let backend = ScriptedPCMBackend(parameters: Self.mono16k, script: [.frames(3200)])
        let before = LiveCapture.monotonicNow()
        let run = try runCapture(options: opts, backend: backend)
        let after = LiveCapture.monotonicNow()
        #expect(run.stamps.count == 10)
        #expect(run.stamps.allSatisfy { $0 >= before && $0 <= after })
        // Paced at real time: consecutive hops are 20 ms of audio apart.
        for (a, b) in zip(run.stamps, run.stamps.dropFirst()) {
            #expect(abs(Int64(b) - Int64(a) - 20_000_000) < 1_000_000)
        }
    }

    @Test func stopEndsAnIdleCapture() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k, script: [.frames(640)])
        let capture = LiveCapture(options: LiveCaptureOptions(request: PCMRequest(device: "scripted")), backend: backend)
        try capture.start { _ in }
        while capture.statistics.hopsDelivered < 2 { usleep(1000) }
        capture.stop()
        #expect(capture.waitUntilFinished(timeout: 5))
        #expect(capture.statistics.samplesDelivered == 640)
        #expect(backend.counts.closes >= 1)
    }

    @Test func stopDuringReopenBackoffEndsCapture() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k, script: [.frames(320), .unplug(failedReopens: 1000)])
        var opts = options(total: 100_000)
        opts.reopenInitialDelay = 0.02
        let capture = LiveCapture(options: opts, backend: backend)
        try capture.start { _ in }
        while capture.statistics.deviceLosses == 0 { usleep(1000) }
        usleep(100_000)
        capture.stop()
        #expect(capture.waitUntilFinished(timeout: 5))
        #expect(capture.statistics.reopenAttempts >= 1)
    }

    @Test func startingTwiceIsAnError() throws {
        let backend = ScriptedPCMBackend(parameters: Self.mono16k, script: [])
        let capture = LiveCapture(options: LiveCaptureOptions(), backend: backend)
        try capture.start { _ in }
        #expect(throws: ALSAError.self) { try capture.start { _ in } }
        capture.stop()
        capture.waitUntilFinished()
    }
}
