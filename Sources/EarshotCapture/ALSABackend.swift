import Foundation

/// What to ask of a capture device; unset fields let the device choose.
public struct PCMRequest: Sendable, Equatable {
    /// ALSA device name: `default`, `hw:1,0`, `plughw:CARD=Device,DEV=0`, or a name defined in `configText`.
    public var device: String
    /// ALSA configuration text to open `device` from instead of the system configuration
    /// (`snd_pcm_open_lconf`), e.g. a `file` PCM fed from a raw file.
    public var configText: String?
    /// Preferred sample rate in Hz; the nearest the device offers is taken (no ALSA resampling).
    public var rate: Int
    /// Preferred channel count; the nearest the device offers is taken.
    public var channels: Int
    /// Required sample format, or nil to take the first offered from `PCMSampleFormat.preferenceOrder`.
    public var format: PCMSampleFormat?
    /// Wanted period (the block the device hands over at once), in microseconds.
    public var periodMicroseconds: Int
    /// Wanted device buffer, in microseconds (a few periods: slack before an overrun, no added latency).
    public var bufferMicroseconds: Int

    /// Creates a request; defaults ask for 16 kHz mono, 10 ms periods and an 80 ms buffer.
    public init(device: String = "default", configText: String? = nil, rate: Int = 16000, channels: Int = 1,
                format: PCMSampleFormat? = nil, periodMicroseconds: Int = 10_000, bufferMicroseconds: Int = 80_000) {
        self.device = device; self.configText = configText; self.rate = rate; self.channels = channels
        self.format = format; self.periodMicroseconds = periodMicroseconds; self.bufferMicroseconds = bufferMicroseconds
    }
}

/// The configuration a capture device actually accepted.
public struct PCMParameters: Sendable, Equatable, CustomStringConvertible {
    /// Sample rate in Hz.
    public var rate: Int
    /// Interleaved channels per frame.
    public var channels: Int
    /// Sample format.
    public var format: PCMSampleFormat
    /// Frames per period.
    public var periodFrames: Int
    /// Frames in the device buffer.
    public var bufferFrames: Int

    /// Creates a parameter set.
    public init(rate: Int, channels: Int, format: PCMSampleFormat, periodFrames: Int, bufferFrames: Int) {
        self.rate = rate; self.channels = channels; self.format = format
        self.periodFrames = periodFrames; self.bufferFrames = bufferFrames
    }

    /// Bytes per interleaved frame.
    public var bytesPerFrame: Int { format.bytesPerSample * channels }

    /// "48000 Hz, 2 ch, S32_LE, period 480 frames (10.0 ms), buffer 3840 frames (80.0 ms)".
    public var description: String {
        func ms(_ frames: Int) -> String {
            String(format: "%.1f", rate > 0 ? Double(frames) * 1000 / Double(rate) : 0)
        }
        return "\(rate) Hz, \(channels) ch, \(format), period \(periodFrames) frames (\(ms(periodFrames)) ms), "
            + "buffer \(bufferFrames) frames (\(ms(bufferFrames)) ms)"
    }
}

/// The state of a capture stream right after a read: what `snd_pcm_status` reports.
public struct PCMStatus: Sendable, Equatable {
    /// Frames captured and waiting to be read (`snd_pcm_status_get_avail`; 0 if unknown).
    public var framesWaiting: Int
    /// CLOCK_MONOTONIC nanoseconds at which the device's hardware pointer was at the newest of those
    /// frames (`snd_pcm_status_get_htstamp`); nil when the device gives no timestamp (plugins like
    /// `file`/`null`, or a timestamp that is not on the monotonic clock).
    public var hardwareNanos: UInt64?

    /// Creates a status.
    public init(framesWaiting: Int, hardwareNanos: UInt64? = nil) {
        self.framesWaiting = framesWaiting
        self.hardwareNanos = hardwareNanos
    }

    /// CLOCK_MONOTONIC nanoseconds at which the newest frame already read entered the device:
    /// the hardware timestamp minus the frames captured since, else `now` minus them.
    ///
    /// A hardware timestamp more than a second away from `now` is not trusted (a device whose
    /// timestamps are on another clock) and `now` is used instead; `usedHardware` tells which.
    public func newestReadFrameNanos(now: UInt64, rate: Int) -> (nanos: UInt64, usedHardware: Bool) {
        let back = rate > 0 ? UInt64(Double(max(0, framesWaiting)) * 1e9 / Double(rate)) : 0
        var base = now
        var hardware = false
        if let h = hardwareNanos, h > 0, (h > now ? h - now : now - h) < 1_000_000_000 {
            base = h
            hardware = true
        }
        return (base > back ? base - back : 0, hardware)
    }
}

/// The one thin layer every ALSA PCM call of live capture goes through.
///
/// `ALSALibraryBackend` calls libasound; `ScriptedPCMBackend` replays a script of reads and faults
/// so that overruns, suspends, device loss, interrupted and short reads can be tested without
/// hardware. All calls except `open` come from the capture thread only.
public protocol PCMBackend: AnyObject, Sendable {
    /// Opens and configures the capture device; returns what it accepted. Closes any open one first.
    func open(_ request: PCMRequest) throws(ALSAError) -> PCMParameters
    /// Reads up to `frames` interleaved frames into `buffer` (blocking); returns the frames read.
    func read(into buffer: UnsafeMutableRawPointer, frames: Int) -> Result<Int, ALSAErrno>
    /// Where the stream is right after a read (`snd_pcm_status`), used to date the newest sample read.
    func status() -> PCMStatus
    /// Puts the stream back in the prepared state after an overrun (`snd_pcm_prepare`).
    func prepare() -> Result<Void, ALSAErrno>
    /// Resumes a suspended stream (`snd_pcm_resume`); `.again` means "not yet, retry".
    func resume() -> Result<Void, ALSAErrno>
    /// Waits up to `milliseconds` for data (`snd_pcm_wait`).
    func wait(milliseconds: Int)
    /// Closes the device if open.
    func close()
}
