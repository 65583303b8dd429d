import Foundation
import Synchronization
import Testing
@testable import EarshotCapture

/// Dating captured samples from `snd_pcm_status` (hardware timestamp and frames waiting), with the
/// device status scripted so the arithmetic is checked exactly.
@Suite struct LiveTimestampTests {
    @Test func hardwareTimestampMinusWaitingFramesDatesTheNewestReadFrame() {
        // 16 kHz: 160 frames still waiting = 10 ms before the hardware pointer's timestamp.
        let s = PCMStatus(framesWaiting: 160, hardwareNanos: 5_000_000_000)
        let d = s.newestReadFrameNanos(now: 5_000_400_000, rate: 16000)
        #expect(d.usedHardware)
        #expect(d.nanos == 4_990_000_000)
    }

    @Test func withoutATimestampTheReadTimeIsUsed() {
        let s = PCMStatus(framesWaiting: 480)
        let d = s.newestReadFrameNanos(now: 2_000_000_000, rate: 48000)
        #expect(!d.usedHardware)
        #expect(d.nanos == 1_990_000_000)
    }

    @Test func aTimestampOnAnotherClockIsNotTrusted() {
        // A realtime-clock timestamp (decades away from the monotonic reading) falls back to now.
        let s = PCMStatus(framesWaiting: 0, hardwareNanos: 1_764_000_000_000_000_000)
        let d = s.newestReadFrameNanos(now: 3_000_000_000, rate: 16000)
        #expect(!d.usedHardware)
        #expect(d.nanos == 3_000_000_000)
    }

    @Test func hopsCarryTheDeviceTimeOfTheirLastSampleAndTheirDeliveryTime() throws {
        // The scripted device's hardware pointer runs 32 frames ahead of the reader and is stamped
        // on a clock that starts at `origin`: frame f enters the device at origin + f / 16 kHz.
        let origin = LiveCapture.monotonicNow()
        let params = PCMParameters(rate: 16000, channels: 1, format: .s16, periodFrames: 320, bufferFrames: 2560)
        let backend = ScriptedPCMBackend(parameters: params, script: [.frames(6400)], status: { delivered in
            let hwFrames = delivered + 32
            return PCMStatus(framesWaiting: 32, hardwareNanos: origin + UInt64(hwFrames) * 62_500)
        })
        let lock = Mutex<[(stamp: UInt64, delivered: UInt64, end: Int)]>([])
        let capture = LiveCapture(options: LiveCaptureOptions(request: PCMRequest(device: "scripted"), hopLength: 320,
                                                              maxCapturedSamples: 6400), backend: backend)
        try capture.start { hop in
            lock.withLock { $0.append((hop.lastSampleCapturedAt, hop.deliveredAt, hop.startSample + 320)) }
        }
        capture.waitUntilFinished()
        let hops = lock.withLock { $0 }
        #expect(hops.count == 20)
        for h in hops {
            // The hop's last sample is frame end − 1, read in one 320-frame period ending at `end`:
            // its time is the read's newest frame (end frames in) on the device clock.
            #expect(h.stamp == origin + UInt64(h.end) * 62_500)
            #expect(h.delivered >= origin)
        }
        let stats = capture.statistics
        #expect(stats.hardwareTimestamps == 20)
        #expect(stats.estimatedTimestamps == 0)
    }

    @Test func captureBufferingIsTheSpanFromDeviceToRing() {
        let samples = [Float](repeating: 0, count: 4)
        samples.withUnsafeBufferPointer { p in
            let hop = LiveHop(samples: p, index: 0, startSample: 0, lastSampleCapturedAt: 1_000, deliveredAt: 61_000)
            #expect(hop.captureBufferingNanos == 60_000)
            let undated = LiveHop(samples: p, index: 0, startSample: 0, lastSampleCapturedAt: 0, deliveredAt: 61_000)
            #expect(undated.captureBufferingNanos == 0)
        }
    }
}
