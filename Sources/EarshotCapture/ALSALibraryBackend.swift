import CALSA
import Glibc

/// The real `PCMBackend`: capture through libasound.
///
/// Opens the device in blocking interleaved read mode, takes the requested format if offered (else
/// the first of `PCMSampleFormat.preferenceOrder` the device offers), the nearest channel count and
/// the nearest rate with ALSA's own resampling disabled (rate conversion is done by Earshot), and
/// the nearest period and buffer sizes.
public final class ALSALibraryBackend: PCMBackend, @unchecked Sendable {
    private var pcm: OpaquePointer?
    private var config: OpaquePointer?
    /// `snd_pcm_status_t`, allocated once per open so that reading the status allocates nothing.
    private var statusBuffer: OpaquePointer?
    private var deviceName = ""

    /// Creates a closed backend.
    public init() {}
    deinit { close() }

    /// Opens and configures the capture device; returns what it accepted.
    public func open(_ request: PCMRequest) throws(ALSAError) -> PCMParameters {
        close()
        deviceName = request.device
        let name = request.device
        func fail(_ op: String, _ rc: Int32, detail: String? = nil) -> ALSAError {
            ALSAError(device: name, operation: op, code: ALSAErrno(alsaResult: Int(rc)), detail: detail)
        }
        var handle: OpaquePointer?
        if let text = request.configText {
            var top: OpaquePointer?
            var rc = snd_config_top(&top)
            guard rc >= 0, let top else { throw fail("create configuration", rc) }
            var input: OpaquePointer?
            rc = text.withCString { snd_input_buffer_open(&input, $0, strlen($0)) }
            guard rc >= 0, let input else { snd_config_delete(top); throw fail("read configuration text", rc) }
            rc = snd_config_load(top, input)
            snd_input_close(input)
            guard rc >= 0 else { snd_config_delete(top); throw fail("parse configuration text", rc) }
            rc = snd_pcm_open_lconf(&handle, name, SND_PCM_STREAM_CAPTURE, 0, top)
            guard rc >= 0, let handle else { snd_config_delete(top); throw fail("open", rc) }
            pcm = handle
            config = top
        } else {
            let rc = snd_pcm_open(&handle, name, SND_PCM_STREAM_CAPTURE, 0)
            guard rc >= 0, let handle else {
                let code = ALSAErrno(alsaResult: Int(rc))
                var detail: String?
                if code == .notFound || code.meansDeviceLost || code == .invalidArgument {
                    let names = ALSADevices.captureDeviceNames()
                    detail = names.isEmpty ? "no capture devices found" : "capture devices: " + names.joined(separator: ", ")
                }
                throw ALSAError(device: name, operation: "open", code: code, detail: detail)
            }
            pcm = handle
        }
        do throws(ALSAError) {
            return try configure(request)
        } catch {
            close()
            throw error
        }
    }

    private func alsaFormat(_ f: PCMSampleFormat) -> snd_pcm_format_t {
        switch f {
        case .s16: SND_PCM_FORMAT_S16_LE
        case .s24: SND_PCM_FORMAT_S24_LE
        case .s24Packed: SND_PCM_FORMAT_S24_3LE
        case .s32: SND_PCM_FORMAT_S32_LE
        case .float32: SND_PCM_FORMAT_FLOAT_LE
        }
    }

    private func configure(_ request: PCMRequest) throws(ALSAError) -> PCMParameters {
        guard let pcm else { throw ALSAError(device: deviceName, operation: "configure", detail: "not open") }
        let name = deviceName
        func check(_ rc: Int32, _ op: String) throws(ALSAError) {
            if rc < 0 { throw ALSAError(device: name, operation: op, code: ALSAErrno(alsaResult: Int(rc))) }
        }
        var hwp: OpaquePointer?
        try check(snd_pcm_hw_params_malloc(&hwp), "allocate hardware parameters")
        guard let hw = hwp else { throw ALSAError(device: name, operation: "allocate hardware parameters") }
        defer { snd_pcm_hw_params_free(hw) }
        try check(snd_pcm_hw_params_any(pcm, hw), "read hardware parameters")
        try check(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "set interleaved access")

        var chosen: PCMSampleFormat?
        let candidates = request.format.map { [$0] } ?? PCMSampleFormat.preferenceOrder
        for f in candidates where snd_pcm_hw_params_test_format(pcm, hw, alsaFormat(f)) == 0 {
            chosen = f
            break
        }
        guard let format = chosen else {
            let want = request.format.map { "\($0)" } ?? PCMSampleFormat.preferenceOrder.map(\.rawValue).joined(separator: "/")
            throw ALSAError(device: name, operation: "set sample format", code: .invalidArgument,
                            detail: "device offers none of \(want)")
        }
        try check(snd_pcm_hw_params_set_format(pcm, hw, alsaFormat(format)), "set sample format \(format)")

        var channels = UInt32(clamping: max(1, request.channels))
        try check(snd_pcm_hw_params_set_channels_near(pcm, hw, &channels), "set channel count")
        _ = snd_pcm_hw_params_set_rate_resample(pcm, hw, 0)
        var rate = UInt32(clamping: max(1, request.rate))
        var dir: Int32 = 0
        try check(snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir), "set sample rate near \(request.rate) Hz")
        var periodTime = UInt32(clamping: max(1, request.periodMicroseconds))
        dir = 0
        try check(snd_pcm_hw_params_set_period_time_near(pcm, hw, &periodTime, &dir), "set period time")
        var bufferTime = UInt32(clamping: max(request.bufferMicroseconds, 2 * request.periodMicroseconds))
        dir = 0
        try check(snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &bufferTime, &dir), "set buffer time")
        try check(snd_pcm_hw_params(pcm, hw), "apply hardware parameters")

        var periodFrames: snd_pcm_uframes_t = 0
        dir = 0
        try check(snd_pcm_hw_params_get_period_size(hw, &periodFrames, &dir), "read period size")
        var bufferFrames: snd_pcm_uframes_t = 0
        try check(snd_pcm_hw_params_get_buffer_size(hw, &bufferFrames), "read buffer size")
        var actualRate: UInt32 = 0
        dir = 0
        try check(snd_pcm_hw_params_get_rate(hw, &actualRate, &dir), "read sample rate")
        var actualChannels: UInt32 = 0
        try check(snd_pcm_hw_params_get_channels(hw, &actualChannels), "read channel count")

        var swp: OpaquePointer?
        try check(snd_pcm_sw_params_malloc(&swp), "allocate software parameters")
        guard let sw = swp else { throw ALSAError(device: name, operation: "allocate software parameters") }
        defer { snd_pcm_sw_params_free(sw) }
        try check(snd_pcm_sw_params_current(pcm, sw), "read software parameters")
        try check(snd_pcm_sw_params_set_avail_min(pcm, sw, periodFrames), "set minimum available frames")
        try check(snd_pcm_sw_params_set_start_threshold(pcm, sw, 1), "set start threshold")
        // Timestamps on the monotonic clock, for dating samples (optional: plugins may refuse).
        _ = snd_pcm_sw_params_set_tstamp_mode(pcm, sw, SND_PCM_TSTAMP_ENABLE)
        _ = snd_pcm_sw_params_set_tstamp_type(pcm, sw, SND_PCM_TSTAMP_TYPE_MONOTONIC)
        try check(snd_pcm_sw_params(pcm, sw), "apply software parameters")
        try check(snd_pcm_prepare(pcm), "prepare")
        if statusBuffer == nil {
            var st: OpaquePointer?
            try check(snd_pcm_status_malloc(&st), "allocate status")
            statusBuffer = st
        }

        return PCMParameters(rate: Int(actualRate), channels: Int(actualChannels), format: format,
                             periodFrames: Int(periodFrames), bufferFrames: Int(bufferFrames))
    }

    /// Reads up to `frames` frames (`snd_pcm_readi`).
    public func read(into buffer: UnsafeMutableRawPointer, frames: Int) -> Result<Int, ALSAErrno> {
        guard let pcm else { return .failure(.badState) }
        let n = snd_pcm_readi(pcm, buffer, snd_pcm_uframes_t(max(0, frames)))
        return n < 0 ? .failure(ALSAErrno(alsaResult: n)) : .success(n)
    }

    /// `snd_pcm_status`: frames waiting and the hardware timestamp (nil if the device gives none).
    public func status() -> PCMStatus {
        guard let pcm, let st = statusBuffer, snd_pcm_status(pcm, st) >= 0 else {
            return PCMStatus(framesWaiting: 0)
        }
        var ts = snd_htimestamp_t()
        snd_pcm_status_get_htstamp(st, &ts)
        let nanos = UInt64(max(0, ts.tv_sec)) &* 1_000_000_000 &+ UInt64(max(0, ts.tv_nsec))
        return PCMStatus(framesWaiting: Int(max(0, snd_pcm_status_get_avail(st))),
                         hardwareNanos: nanos > 0 ? nanos : nil)
    }

    /// `snd_pcm_prepare`.
    public func prepare() -> Result<Void, ALSAErrno> {
        guard let pcm else { return .failure(.badState) }
        let rc = snd_pcm_prepare(pcm)
        return rc < 0 ? .failure(ALSAErrno(alsaResult: Int(rc))) : .success(())
    }

    /// `snd_pcm_resume`.
    public func resume() -> Result<Void, ALSAErrno> {
        guard let pcm else { return .failure(.badState) }
        let rc = snd_pcm_resume(pcm)
        return rc < 0 ? .failure(ALSAErrno(alsaResult: Int(rc))) : .success(())
    }

    /// `snd_pcm_wait`.
    public func wait(milliseconds: Int) {
        guard let pcm else { return }
        _ = snd_pcm_wait(pcm, Int32(clamping: milliseconds))
    }

    /// Closes the PCM and frees a private configuration.
    public func close() {
        if let pcm { snd_pcm_close(pcm) }
        pcm = nil
        if let config { snd_config_delete(config) }
        config = nil
        if let statusBuffer { snd_pcm_status_free(statusBuffer) }
        statusBuffer = nil
    }
}
