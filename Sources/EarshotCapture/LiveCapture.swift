import EarshotRing
import Foundation
import Synchronization

/// Settings of a live capture.
public struct LiveCaptureOptions: Sendable {
    /// The device and how to configure it.
    public var request: PCMRequest
    /// Rate of the delivered samples in Hz.
    public var outputRate: Int
    /// Samples per delivered hop.
    public var hopLength: Int
    /// Ring buffer between the capture and processing threads, in seconds of output audio.
    public var ringSeconds: Double
    /// Pace reads to real time (for devices that deliver faster, like a file-fed PCM).
    public var pace: Bool
    /// Stop by itself after this many output samples have been captured (nil: run until `stop()`).
    public var maxCapturedSamples: Int?
    /// First wait before reopening a lost device, in seconds; doubled after each failure.
    public var reopenInitialDelay: Double
    /// Longest wait between reopen attempts, in seconds.
    public var reopenMaxDelay: Double
    /// Quality of the rate conversion when the device rate differs from `outputRate`.
    public var resamplerQuality: Resampler.Quality
    /// Samples in the first hop of the stream (nil: `hopLength`). A consumer whose frames end off
    /// the hop grid (frames of 480 samples every 320 end at 480, 800 ...) sets it so that every hop
    /// ends where a frame does (here 160): a frame is then handed over as soon as its last sample is in.
    public var firstHopLength: Int?

    /// Creates options; defaults: 16 kHz output, 320-sample (20 ms) hops, a 2 s ring, no pacing.
    public init(request: PCMRequest = PCMRequest(), outputRate: Int = 16000, hopLength: Int = 320,
                ringSeconds: Double = 2, pace: Bool = false, maxCapturedSamples: Int? = nil,
                reopenInitialDelay: Double = 0.25, reopenMaxDelay: Double = 5,
                resamplerQuality: Resampler.Quality = .live, firstHopLength: Int? = nil) {
        self.request = request; self.outputRate = outputRate; self.hopLength = hopLength
        self.ringSeconds = ringSeconds; self.pace = pace; self.maxCapturedSamples = maxCapturedSamples
        self.reopenInitialDelay = reopenInitialDelay; self.reopenMaxDelay = reopenMaxDelay
        self.resamplerQuality = resamplerQuality; self.firstHopLength = firstHopLength
    }
}

/// One hop of mono Float audio handed to the consumer (the first may be shorter, see
/// `LiveCaptureOptions.firstHopLength`); `samples` is valid only during the call.
public struct LiveHop {
    /// The hop's samples at the output rate.
    public let samples: UnsafeBufferPointer<Float>
    /// Hop number, from 0.
    public let index: Int
    /// Index of the hop's first sample among all delivered samples (dropped samples not counted).
    public let startSample: Int
    /// CLOCK_MONOTONIC time in nanoseconds at which the hop's last sample entered ALSA: the device's
    /// hardware timestamp (`snd_pcm_status` htstamp) minus the frames captured after it, or the read
    /// time minus them when the device gives no timestamp; the paced time when pacing.
    public let lastSampleCapturedAt: UInt64
    /// CLOCK_MONOTONIC time in nanoseconds at which the capture thread put the hop's last sample in
    /// the ring (the end of the ALSA read that delivered it, after conversion).
    public let deliveredAt: UInt64

    /// Creates a hop (the capture makes them; public for consumers' tests).
    public init(samples: UnsafeBufferPointer<Float>, index: Int, startSample: Int, lastSampleCapturedAt: UInt64,
                deliveredAt: UInt64) {
        self.samples = samples; self.index = index; self.startSample = startSample
        self.lastSampleCapturedAt = lastSampleCapturedAt; self.deliveredAt = deliveredAt
    }

    /// Capture buffering in nanoseconds: the last sample's wait in the device until its read ended.
    public var captureBufferingNanos: UInt64 {
        lastSampleCapturedAt > 0 && deliveredAt > lastSampleCapturedAt ? deliveredAt - lastSampleCapturedAt : 0
    }
}

/// Rare things that happen during capture, reported on the capture thread (keep handlers short).
public enum LiveCaptureEvent: Sendable {
    /// The device was opened (also after a reopen) with these parameters.
    case opened(PCMParameters)
    /// An overrun was recovered; the total so far.
    case overrun(total: Int)
    /// The stream was suspended and has been resumed (or re-prepared); the total so far.
    case suspendRecovered(total: Int)
    /// The device disappeared; capture retries opening it.
    case deviceLost(ALSAErrno)
    /// A reopen attempt failed; the next one comes after `retryIn` seconds.
    case reopenFailed(ALSAError, retryIn: Double)
    /// A read failed with an unexpected error; capture re-prepares or reopens the device.
    case readError(ALSAErrno)
    /// Processing fell behind and samples were dropped; the total so far (reported at most once a second).
    case dropped(total: Int)
}

/// Counters of a live capture.
public struct LiveCaptureStatistics: Sendable, Equatable {
    /// Device frames read.
    public var framesCaptured = 0
    /// Output-rate samples produced by the capture thread (delivered + dropped + still buffered).
    public var samplesCaptured = 0
    /// Output-rate samples delivered in hops.
    public var samplesDelivered = 0
    /// Hops delivered.
    public var hopsDelivered = 0
    /// Output-rate samples dropped because the ring was full (processing fell behind).
    public var droppedSamples = 0
    /// Overruns (`EPIPE`) recovered.
    public var xruns = 0
    /// Suspends (`ESTRPIPE`) recovered.
    public var suspends = 0
    /// Times the device disappeared.
    public var deviceLosses = 0
    /// Reopen attempts after a loss (successful or not).
    public var reopenAttempts = 0
    /// Reads interrupted by a signal (`EINTR`) and retried.
    public var interruptedReads = 0
    /// Reads that returned fewer frames than asked.
    public var shortReads = 0
    /// Other read errors.
    public var otherErrors = 0
    /// Reads dated by the device's hardware timestamp (`snd_pcm_status` htstamp).
    public var hardwareTimestamps = 0
    /// Reads dated by the read time instead (the device gave no usable timestamp; paced reads not counted).
    public var estimatedTimestamps = 0
    /// CPU time of the capture thread in seconds (user + system), updated about once a second.
    public var captureCPUSeconds = 0.0
    /// CPU time of the processing thread in seconds (includes the consumer), updated about once a second.
    public var processingCPUSeconds = 0.0
    /// Output-rate samples delivered, in seconds.
    public func deliveredSeconds(rate: Int) -> Double { rate > 0 ? Double(samplesDelivered) / Double(rate) : 0 }
}

/// Live capture: a capture thread reads the device, converts to mono Float at the output rate and
/// writes into a lock-free ring; a processing thread takes whole hops out and hands them to a consumer.
///
/// The capture thread never waits for processing: when the ring is full the excess is counted as
/// dropped. Overruns and suspends are recovered, a lost device is reopened with backoff. All buffers
/// are allocated when the device is opened; steady-state capture and delivery allocate nothing.
public final class LiveCapture: @unchecked Sendable {
    /// The options given at creation.
    public let options: LiveCaptureOptions
    private let backend: any PCMBackend
    private let onEvent: @Sendable (LiveCaptureEvent) -> Void

    private let ring: SPSCRing<Float>
    private let marks: SPSCRing<CaptureMark>
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchGroup()

    private let stopRequested = Atomic<Bool>(false)
    private let captureDone = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)

    private let framesCaptured = Atomic<Int>(0)
    private let samplesCaptured = Atomic<Int>(0)
    private let samplesDelivered = Atomic<Int>(0)
    private let hopsDelivered = Atomic<Int>(0)
    private let droppedSamples = Atomic<Int>(0)
    private let xruns = Atomic<Int>(0)
    private let suspends = Atomic<Int>(0)
    private let deviceLosses = Atomic<Int>(0)
    private let reopenAttempts = Atomic<Int>(0)
    private let interruptedReads = Atomic<Int>(0)
    private let shortReads = Atomic<Int>(0)
    private let otherErrors = Atomic<Int>(0)
    private let hardwareTimestamps = Atomic<Int>(0)
    private let estimatedTimestamps = Atomic<Int>(0)
    private let captureCPUNanos = Atomic<Int>(0)
    private let processingCPUNanos = Atomic<Int>(0)
    private let currentParameters: Mutex<PCMParameters?> = Mutex(nil)

    // Capture-thread state (set up in `openDevice`, touched only by the capture thread after `start`).
    private var parameters: PCMParameters?
    private var converter = PCMToMonoFloat(format: .s16, channels: 1)
    private var resampler: Resampler?
    private var rawBuffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var monoBuffer = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
    private var outBuffer = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
    private var paceOrigin: UInt64 = 0
    private var framesSincePaceOrigin = 0
    private var lastDropReport: UInt64 = 0

    private var consumer: ((LiveHop) -> Void)?

    /// Prepares a capture (allocating the ring); nothing is opened until `start`.
    ///
    /// `onEvent` receives rare events (overruns, device loss...) on the capture thread.
    public init(options: LiveCaptureOptions, backend: any PCMBackend = ALSALibraryBackend(),
                onEvent: @escaping @Sendable (LiveCaptureEvent) -> Void = { _ in }) {
        self.options = options
        self.backend = backend
        self.onEvent = onEvent
        let ringSamples = max(2 * max(1, options.hopLength),
                              Int(options.ringSeconds * Double(max(1, options.outputRate))))
        ring = SPSCRing(minimumCapacity: ringSamples, filledWith: 0)
        marks = SPSCRing(minimumCapacity: 4096, filledWith: CaptureMark(endSample: 0, nanos: 0, deliveredAt: 0))
    }

    deinit {
        rawBuffer.deallocate()
        monoBuffer.deallocate()
        outBuffer.deallocate()
    }

    /// Parameters the device accepted (nil before `start`; updated after a reopen).
    public var deviceParameters: PCMParameters? { currentParameters.withLock { $0 } }

    /// A snapshot of the counters.
    public var statistics: LiveCaptureStatistics {
        var s = LiveCaptureStatistics()
        s.framesCaptured = framesCaptured.load(ordering: .relaxed)
        s.samplesCaptured = samplesCaptured.load(ordering: .relaxed)
        s.samplesDelivered = samplesDelivered.load(ordering: .relaxed)
        s.hopsDelivered = hopsDelivered.load(ordering: .relaxed)
        s.droppedSamples = droppedSamples.load(ordering: .relaxed)
        s.xruns = xruns.load(ordering: .relaxed)
        s.suspends = suspends.load(ordering: .relaxed)
        s.deviceLosses = deviceLosses.load(ordering: .relaxed)
        s.reopenAttempts = reopenAttempts.load(ordering: .relaxed)
        s.interruptedReads = interruptedReads.load(ordering: .relaxed)
        s.shortReads = shortReads.load(ordering: .relaxed)
        s.otherErrors = otherErrors.load(ordering: .relaxed)
        s.hardwareTimestamps = hardwareTimestamps.load(ordering: .relaxed)
        s.estimatedTimestamps = estimatedTimestamps.load(ordering: .relaxed)
        s.captureCPUSeconds = Double(captureCPUNanos.load(ordering: .relaxed)) / 1e9
        s.processingCPUSeconds = Double(processingCPUNanos.load(ordering: .relaxed)) / 1e9
        return s
    }

    /// Opens the device and starts the capture and processing threads; returns the device parameters.
    ///
    /// `consumer` is called on the processing thread with each whole hop, in order. Throws if the
    /// device cannot be opened or configured, or when called twice.
    @discardableResult
    public func start(consumer: @escaping @Sendable (LiveHop) -> Void) throws(ALSAError) -> PCMParameters {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else {
            throw ALSAError(device: options.request.device, operation: "start", detail: "capture already started")
        }
        guard options.hopLength > 0, options.outputRate > 0 else {
            throw ALSAError(device: options.request.device, operation: "start",
                            detail: "hop length and output rate must be positive")
        }
        let params = try backend.open(options.request)
        try setUp(for: params)
        onEvent(.opened(params))
        self.consumer = consumer
        finished.enter()
        finished.enter()
        let capture = Thread { [self] in
            setCurrentThreadName("earshot-capture")
            captureLoop()
            backend.close()
            captureCPUNanos.store(threadCPUNanos(), ordering: .relaxed)
            captureDone.store(true, ordering: .releasing)
            wake.signal()
            finished.leave()
        }
        capture.qualityOfService = .userInteractive
        let processing = Thread { [self] in
            setCurrentThreadName("earshot-process")
            processingLoop()
            processingCPUNanos.store(threadCPUNanos(), ordering: .relaxed)
            finished.leave()
        }
        processing.qualityOfService = .userInteractive
        processing.start()
        capture.start()
        return params
    }

    /// Asks both threads to stop; returns at once. Buffered whole hops are still delivered.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        wake.signal()
    }

    /// True once `stop()` was called or the capture ended by itself.
    public var isStopping: Bool { stopRequested.load(ordering: .acquiring) || captureDone.load(ordering: .acquiring) }

    /// Blocks until both threads have finished (after `stop()` or `maxCapturedSamples`).
    public func waitUntilFinished() { finished.wait() }

    /// Blocks until finished or `seconds` have passed; returns true when finished.
    public func waitUntilFinished(timeout seconds: Double) -> Bool {
        finished.wait(timeout: .now() + seconds) == .success
    }

    // MARK: - Capture thread

    private func setUp(for params: PCMParameters) throws(ALSAError) {
        guard params.rate > 0, params.channels > 0, params.periodFrames > 0 else {
            throw ALSAError(device: options.request.device, operation: "configure",
                            detail: "device accepted unusable parameters: \(params)")
        }
        if params == parameters { return }
        let newResampler: Resampler
        do {
            newResampler = try Resampler(inputRate: params.rate, outputRate: options.outputRate,
                                         maxInputFrames: params.periodFrames, quality: options.resamplerQuality)
        } catch {
            throw ALSAError(device: options.request.device, operation: "set up rate conversion", detail: error.description)
        }
        rawBuffer.deallocate()
        monoBuffer.deallocate()
        outBuffer.deallocate()
        rawBuffer = .allocate(byteCount: params.periodFrames * params.bytesPerFrame, alignment: 16)
        rawBuffer.initializeMemory(as: UInt8.self, repeating: 0)
        monoBuffer = .allocate(capacity: params.periodFrames)
        monoBuffer.initialize(repeating: 0)
        outBuffer = .allocate(capacity: newResampler.outputCapacity(forInputFrames: params.periodFrames))
        outBuffer.initialize(repeating: 0)
        resampler = newResampler
        converter = PCMToMonoFloat(format: params.format, channels: params.channels)
        parameters = params
        currentParameters.withLock { $0 = params }
        paceOrigin = 0
        framesSincePaceOrigin = 0
    }

    private var shouldStop: Bool { stopRequested.load(ordering: .relaxed) }

    private func captureLoop() {
        var lastCPUUpdate = monotonicNanos()
        while !shouldStop {
            guard let params = parameters, let raw = rawBuffer.baseAddress else { return }
            let period = params.periodFrames
            var pacedTime: UInt64 = 0
            if options.pace {
                let now = monotonicNanos()
                if paceOrigin == 0 { paceOrigin = now; framesSincePaceOrigin = 0 }
                pacedTime = paceOrigin + UInt64(Double(framesSincePaceOrigin + period) * 1e9 / Double(params.rate))
                if pacedTime > now { sleepUntil(pacedTime) }
            }
            switch backend.read(into: raw, frames: period) {
            case .success(let n):
                if n <= 0 { continue }
                if n < period { shortReads.add(1, ordering: .relaxed) }
                framesCaptured.add(n, ordering: .relaxed)
                framesSincePaceOrigin += n
                let stamp: UInt64
                if options.pace {
                    stamp = paceOrigin + UInt64(Double(framesSincePaceOrigin) * 1e9 / Double(params.rate))
                } else {
                    let status = backend.status()
                    let dated = status.newestReadFrameNanos(now: monotonicNanos(), rate: params.rate)
                    stamp = dated.nanos
                    if dated.usedHardware {
                        hardwareTimestamps.add(1, ordering: .relaxed)
                    } else {
                        estimatedTimestamps.add(1, ordering: .relaxed)
                    }
                }
                if deliver(frames: n, stamp: stamp) { return }
            case .failure(let error):
                if !recover(from: error) { return }
            }
            let now = monotonicNanos()
            if now &- lastCPUUpdate > 1_000_000_000 {
                lastCPUUpdate = now
                captureCPUNanos.store(threadCPUNanos(), ordering: .relaxed)
            }
        }
    }

    /// Converts, resamples and pushes `frames` frames; returns true when the sample limit is reached.
    private func deliver(frames: Int, stamp: UInt64) -> Bool {
        guard let resampler else { return true }
        let n = converter.convert(UnsafeRawBufferPointer(rawBuffer), frames: frames, into: monoBuffer)
        var consumed = 0
        while consumed < n {
            let input = UnsafeBufferPointer(rebasing: monoBuffer[consumed..<n])
            let (used, produced) = resampler.process(input: input, output: outBuffer, endOfInput: false)
            consumed += used
            if produced > 0 && push(count: produced, stamp: stamp) { return true }
            if used == 0 && produced == 0 { break }
        }
        return false
    }

    private func push(count: Int, stamp: UInt64) -> Bool {
        var m = count
        var limitReached = false
        if let limit = options.maxCapturedSamples {
            let before = samplesCaptured.load(ordering: .relaxed)
            if before + m >= limit { m = max(0, limit - before); limitReached = true }
        }
        let fits = min(m, ring.availableToWrite)
        if fits > 0 {
            // The mark goes in first so that the consumer never sees samples it cannot date later.
            let end = ringWritten + fits
            var mark = CaptureMark(endSample: end, nanos: stamp, deliveredAt: monotonicNanos())
            _ = withUnsafePointer(to: &mark) { marks.write(UnsafeBufferPointer(start: $0, count: 1)) }
            let written = ring.write(UnsafeBufferPointer(rebasing: outBuffer[0..<fits]))
            ringWritten += written
        }
        samplesCaptured.add(m, ordering: .relaxed)
        if fits < m {
            let total = droppedSamples.add(m - fits, ordering: .relaxed).newValue
            let now = monotonicNanos()
            if now &- lastDropReport > 1_000_000_000 {
                lastDropReport = now
                onEvent(.dropped(total: total))
            }
        }
        wake.signal()
        if limitReached { stopRequested.store(true, ordering: .releasing) }
        return limitReached
    }

    private var ringWritten = 0

    /// Handles a failed read; returns false when capture must end (stop requested while reopening).
    private func recover(from error: ALSAErrno) -> Bool {
        switch error {
        case .interrupted:
            interruptedReads.add(1, ordering: .relaxed)
            return true
        case .again:
            backend.wait(milliseconds: 100)
            return true
        case .overrun:
            let total = xruns.add(1, ordering: .relaxed).newValue
            onEvent(.overrun(total: total))
            paceOrigin = 0
            if case .failure = backend.prepare() { return reopen(after: nil) }
            return true
        case .suspended:
            var result = backend.resume()
            var tries = 0
            while case .failure(.again) = result, !shouldStop, tries < 500 {
                usleep(10_000)
                tries += 1
                result = backend.resume()
            }
            if case .failure = result, case .failure = backend.prepare() { return reopen(after: nil) }
            let total = suspends.add(1, ordering: .relaxed).newValue
            paceOrigin = 0
            onEvent(.suspendRecovered(total: total))
            return true
        default:
            if error.meansDeviceLost { return reopen(after: error) }
            otherErrors.add(1, ordering: .relaxed)
            onEvent(.readError(error))
            paceOrigin = 0
            if case .failure = backend.prepare() { return reopen(after: nil) }
            return true
        }
    }

    /// Closes the lost device and reopens it with exponential backoff until it is back or stop is asked.
    private func reopen(after error: ALSAErrno?) -> Bool {
        deviceLosses.add(1, ordering: .relaxed)
        onEvent(.deviceLost(error ?? .noDevice))
        backend.close()
        var delay = max(0.001, options.reopenInitialDelay)
        while !shouldStop {
            sleepInterruptibly(seconds: delay)
            if shouldStop { break }
            reopenAttempts.add(1, ordering: .relaxed)
            do {
                let params = try backend.open(options.request)
                try setUp(for: params)
                resampler?.reset()   // the filter history belongs to the stream before the gap
                paceOrigin = 0
                onEvent(.opened(params))
                return true
            } catch {
                backend.close()
                delay = min(delay * 2, max(options.reopenMaxDelay, options.reopenInitialDelay))
                onEvent(.reopenFailed(error, retryIn: delay))
            }
        }
        return false
    }

    private func sleepInterruptibly(seconds: Double) {
        let end = monotonicNanos() + UInt64(seconds * 1e9)
        while !shouldStop {
            let now = monotonicNanos()
            if now >= end { return }
            sleepUntil(min(end, now + 50_000_000))
        }
    }

    // MARK: - Processing thread

    private func processingLoop() {
        let hop = options.hopLength
        let first = min(hop, max(1, options.firstHopLength ?? hop))
        let rate = Double(options.outputRate)
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: hop)
        buffer.initialize(repeating: 0)
        defer { buffer.deallocate() }
        var pending = CaptureMark(endSample: 0, nanos: 0, deliveredAt: 0)
        var nextMark = CaptureMark(endSample: 0, nanos: 0, deliveredAt: 0)
        var index = 0
        var delivered = 0
        var lastCPUUpdate = monotonicNanos()
        while true {
            let done = captureDone.load(ordering: .acquiring)
            while true {
                let want = index == 0 ? first : hop
                guard ring.availableToRead >= want else { break }
                let got = ring.read(into: UnsafeMutableBufferPointer(rebasing: buffer[0..<want]))
                guard got == want else { break }
                delivered += want
                while pending.endSample < delivered {
                    let n = withUnsafeMutablePointer(to: &nextMark) {
                        marks.read(into: UnsafeMutableBufferPointer(start: $0, count: 1))
                    }
                    if n == 0 { break }
                    pending = nextMark
                }
                var stamp = pending.nanos
                if pending.endSample > delivered {
                    let back = UInt64(Double(pending.endSample - delivered) * 1e9 / rate)
                    stamp = stamp > back ? stamp - back : 0
                }
                consumer?(LiveHop(samples: UnsafeBufferPointer(rebasing: buffer[0..<want]), index: index,
                                  startSample: delivered - want, lastSampleCapturedAt: stamp,
                                  deliveredAt: pending.deliveredAt))
                index += 1
                samplesDelivered.store(delivered, ordering: .relaxed)
                hopsDelivered.store(index, ordering: .relaxed)
            }
            if done { break }
            let now = monotonicNanos()
            if now &- lastCPUUpdate > 1_000_000_000 {
                lastCPUUpdate = now
                processingCPUNanos.store(threadCPUNanos(), ordering: .relaxed)
            }
            // Woken by each period the capture pushes, by its end and by stop(); the timeout is a backstop.
            _ = wake.wait(timeout: .now() + .milliseconds(250))
        }
    }
}

/// Output sample count and capture time of a period, passed from the capture to the processing thread.
struct CaptureMark: BitwiseCopyable {
    var endSample: Int
    /// When sample `endSample − 1` entered the device.
    var nanos: UInt64
    /// When the capture thread pushed the period into the ring.
    var deliveredAt: UInt64
}

extension LiveCapture {
    /// CLOCK_MONOTONIC now, in nanoseconds (the clock of `LiveHop.lastSampleCapturedAt`).
    public static func monotonicNow() -> UInt64 { monotonicNanos() }
}

/// CLOCK_MONOTONIC now, in nanoseconds.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

private func sleepUntil(_ nanos: UInt64) {
    var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
}

/// CPU time (user + system) of the calling thread, in nanoseconds.
func threadCPUNanos() -> Int {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// Names the calling thread for tools like top -H (at most 15 bytes are kept). glibc declares
/// pthread_setname_np only under _GNU_SOURCE, so it is looked up at run time.
private func setCurrentThreadName(_ name: String) {
    typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    guard let f = dlsym(nil, "pthread_setname_np") else { return }
    let setName = unsafeBitCast(f, to: SetName.self)
    _ = name.withCString { setName(pthread_self(), $0) }
}
