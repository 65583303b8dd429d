import Foundation
import Synchronization

/// A `PCMBackend` that replays a script of reads and faults instead of calling ALSA.
///
/// Successful reads deliver a deterministic test signal: frame `f`, channel `c` carries the 16-bit
/// value `signal(f, c)`, encoded in the scripted format (shifted left for 24/32-bit, divided by
/// 32768 for float), so the mono Float that capture produces from a mono script is exactly
/// `Float(signal(f, 0)) / 32768`. Faults do not skip signal frames, so delivery can be checked
/// sample-exact across them. When the script runs out, reads wait briefly and return `.again`.
public final class ScriptedPCMBackend: PCMBackend, @unchecked Sendable {
    /// One scripted event.
    public enum Step: Sendable, Equatable {
        /// The next reads deliver `n` frames in total (split if a read asks for fewer).
        case frames(Int)
        /// The next read delivers at most `n` frames even if more are asked (a short read).
        case shortRead(Int)
        /// The next read fails with this error (e.g. `.overrun`, `.interrupted`, `.ioError`).
        case fail(ALSAErrno)
        /// The next read fails with `.suspended`; `resume` then answers `.again` `busyResumes` times.
        case suspend(busyResumes: Int)
        /// The next read fails with `.noDevice` and the device is gone: the next `failedReopens`
        /// opens fail with `.notFound`, then it is back.
        case unplug(failedReopens: Int)
    }

    /// Calls the capture made, for assertions.
    public struct CallCounts: Sendable, Equatable {
        /// `open` calls, successful or not.
        public var opens = 0
        /// `open` calls that failed.
        public var failedOpens = 0
        /// `prepare` calls.
        public var prepares = 0
        /// `resume` calls.
        public var resumes = 0
        /// `close` calls.
        public var closes = 0
        /// Frames delivered by successful reads.
        public var framesDelivered = 0
    }

    private struct State {
        var steps: [Step]
        var position = 0
        var framesLeftInStep = 0
        var signalFrame = 0
        var busyResumes = 0
        var failingOpens = 0
        var isOpen = false
        var counts = CallCounts()
    }

    /// What every successful `open` reports.
    public let parameters: PCMParameters
    private let signal: @Sendable (Int, Int) -> Int16
    private let clock: (@Sendable (_ framesDelivered: Int) -> PCMStatus)?
    private let state: Mutex<State>

    /// Creates a backend that will accept `parameters` and then play `script`.
    ///
    /// `status` plays the device's `snd_pcm_status` after each read, given the frames delivered so
    /// far (default: nothing waiting and no hardware timestamp, like a plugin device).
    public init(parameters: PCMParameters, script: [Step],
                signal: @escaping @Sendable (_ frame: Int, _ channel: Int) -> Int16 = ScriptedPCMBackend.defaultSignal,
                status: (@Sendable (_ framesDelivered: Int) -> PCMStatus)? = nil) {
        self.parameters = parameters
        self.signal = signal
        self.clock = status
        self.state = Mutex(State(steps: script))
    }

    /// A deterministic pseudo-random 16-bit signal that differs per frame and channel.
    public static let defaultSignal: @Sendable (Int, Int) -> Int16 = { frame, channel in
        var x = UInt64(truncatingIfNeeded: frame) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(channel) &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        return Int16(truncatingIfNeeded: x >> 17)
    }

    /// Calls made so far.
    public var counts: CallCounts { state.withLock { $0.counts } }

    /// True once every scripted step has been played.
    public var scriptFinished: Bool { state.withLock { $0.position >= $0.steps.count && $0.framesLeftInStep == 0 } }

    /// Succeeds with `parameters` unless an unplug step left the device missing.
    public func open(_ request: PCMRequest) throws(ALSAError) -> PCMParameters {
        let failed: Bool = state.withLock { s in
            s.counts.opens += 1
            if s.failingOpens > 0 {
                s.failingOpens -= 1
                s.counts.failedOpens += 1
                return true
            }
            s.isOpen = true
            return false
        }
        if failed { throw ALSAError(device: request.device, operation: "open", code: .notFound) }
        return parameters
    }

    private enum Action { case deliver(Int), fail(ALSAErrno), idle }

    /// Plays the next scripted step.
    public func read(into buffer: UnsafeMutableRawPointer, frames: Int) -> Result<Int, ALSAErrno> {
        let (action, firstFrame): (Action, Int) = state.withLock { s in
            guard s.isOpen else { return (.fail(.badState), 0) }
            if s.framesLeftInStep > 0 {
                let n = min(frames, s.framesLeftInStep)
                s.framesLeftInStep -= n
                let first = s.signalFrame
                s.signalFrame += n
                s.counts.framesDelivered += n
                return (.deliver(n), first)
            }
            guard s.position < s.steps.count else { return (.idle, 0) }
            let step = s.steps[s.position]
            s.position += 1
            switch step {
            case .frames(let n):
                let take = min(frames, max(0, n))
                s.framesLeftInStep = max(0, n) - take
                let first = s.signalFrame
                s.signalFrame += take
                s.counts.framesDelivered += take
                return (.deliver(take), first)
            case .shortRead(let n):
                let take = min(frames, max(0, n))
                let first = s.signalFrame
                s.signalFrame += take
                s.counts.framesDelivered += take
                return (.deliver(take), first)
            case .fail(let e):
                return (.fail(e), 0)
            case .suspend(let busy):
                s.busyResumes = busy
                return (.fail(.suspended), 0)
            case .unplug(let failedReopens):
                s.failingOpens = failedReopens
                s.isOpen = false
                return (.fail(.noDevice), 0)
            }
        }
        switch action {
        case .idle:
            usleep(2000)
            return .failure(.again)
        case .fail(let e):
            return .failure(e)
        case .deliver(let n):
            encode(into: buffer, firstFrame: firstFrame, frames: n)
            return .success(n)
        }
    }

    private func encode(into buffer: UnsafeMutableRawPointer, firstFrame: Int, frames: Int) {
        let ch = parameters.channels
        let bps = parameters.format.bytesPerSample
        for f in 0..<frames {
            for c in 0..<ch {
                let v = signal(firstFrame + f, c)
                let o = (f * ch + c) * bps
                switch parameters.format {
                case .s16: buffer.storeBytes(of: v.littleEndian, toByteOffset: o, as: Int16.self)
                case .s32: buffer.storeBytes(of: (Int32(v) << 16).littleEndian, toByteOffset: o, as: Int32.self)
                case .s24: buffer.storeBytes(of: (Int32(v) << 8).littleEndian, toByteOffset: o, as: Int32.self)
                case .s24Packed:
                    let u = UInt32(bitPattern: Int32(v) << 8)
                    buffer.storeBytes(of: UInt8(truncatingIfNeeded: u), toByteOffset: o, as: UInt8.self)
                    buffer.storeBytes(of: UInt8(truncatingIfNeeded: u >> 8), toByteOffset: o + 1, as: UInt8.self)
                    buffer.storeBytes(of: UInt8(truncatingIfNeeded: u >> 16), toByteOffset: o + 2, as: UInt8.self)
                case .float32:
                    buffer.storeBytes(of: (Float(v) / 32768).bitPattern.littleEndian, toByteOffset: o, as: UInt32.self)
                }
            }
        }
    }

    /// The scripted status for the frames delivered so far (nothing waiting, no timestamp, by default).
    public func status() -> PCMStatus {
        guard let clock else { return PCMStatus(framesWaiting: 0) }
        return clock(state.withLock { $0.counts.framesDelivered })
    }

    /// Counts the call and succeeds while the device is present.
    public func prepare() -> Result<Void, ALSAErrno> {
        state.withLock { s in
            s.counts.prepares += 1
            return s.isOpen ? .success(()) : .failure(.noDevice)
        }
    }

    /// Answers `.again` as many times as the suspend step said, then succeeds.
    public func resume() -> Result<Void, ALSAErrno> {
        state.withLock { s in
            s.counts.resumes += 1
            guard s.isOpen else { return .failure(.noDevice) }
            if s.busyResumes > 0 { s.busyResumes -= 1; return .failure(.again) }
            return .success(())
        }
    }

    /// Sleeps 1 ms.
    public func wait(milliseconds: Int) { usleep(1000) }

    /// Marks the device closed.
    public func close() {
        state.withLock { s in
            s.counts.closes += 1
            s.isOpen = false
        }
    }
}
