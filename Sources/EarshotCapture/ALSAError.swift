import CALSA
import Glibc

/// An error number returned by an ALSA call, as a typed value (in the style of swift-system's `Errno`).
///
/// ALSA reports failures as negative `errno` values; `rawValue` holds the positive number.
public struct ALSAErrno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The positive `errno` value.
    public var rawValue: Int32
    /// Wraps a positive `errno` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// Wraps the result of an ALSA call, which is a negative `errno` value on failure.
    public init(alsaResult: Int) { self.rawValue = Int32(truncatingIfNeeded: alsaResult < 0 ? -alsaResult : alsaResult) }

    /// Overrun: the capture buffer filled before it was read (`EPIPE`).
    public static let overrun = ALSAErrno(rawValue: EPIPE)
    /// The stream was suspended, e.g. by system sleep (`ESTRPIPE`).
    public static let suspended = ALSAErrno(rawValue: ESTRPIPE)
    /// The device went away, e.g. a USB microphone was unplugged (`ENODEV`).
    public static let noDevice = ALSAErrno(rawValue: ENODEV)
    /// No such device or address (`ENXIO`); some drivers report removal this way.
    public static let noDeviceOrAddress = ALSAErrno(rawValue: ENXIO)
    /// No such PCM or card name (`ENOENT`).
    public static let notFound = ALSAErrno(rawValue: ENOENT)
    /// A signal interrupted the call (`EINTR`).
    public static let interrupted = ALSAErrno(rawValue: EINTR)
    /// No data available yet, or the resume is still in progress (`EAGAIN`).
    public static let again = ALSAErrno(rawValue: EAGAIN)
    /// The device is in use by another program (`EBUSY`).
    public static let busy = ALSAErrno(rawValue: EBUSY)
    /// Input/output error (`EIO`).
    public static let ioError = ALSAErrno(rawValue: EIO)
    /// The PCM is in a bad state for the call (`EBADFD`).
    public static let badState = ALSAErrno(rawValue: EBADFD)
    /// Invalid argument, e.g. an unsupported configuration (`EINVAL`).
    public static let invalidArgument = ALSAErrno(rawValue: EINVAL)

    /// True when this error means the device is gone and must be reopened.
    public var meansDeviceLost: Bool { self == .noDevice || self == .noDeviceOrAddress }

    /// ALSA's text for the error (`snd_strerror`), which covers its own codes as well as `errno`.
    public var description: String { String(cString: snd_strerror(-rawValue)) }
}

/// Why an ALSA operation failed, naming the device, the operation and the reason.
public struct ALSAError: Error, CustomStringConvertible, Sendable {
    /// The ALSA device name (e.g. `default`, `hw:1,0`).
    public var device: String
    /// What was being done, e.g. "open", "set sample rate", "read".
    public var operation: String
    /// The error number, when the failure came from an ALSA call.
    public var code: ALSAErrno?
    /// Extra detail, e.g. the capture devices that do exist when the device was not found.
    public var detail: String?

    /// Creates an error.
    public init(device: String, operation: String, code: ALSAErrno? = nil, detail: String? = nil) {
        self.device = device; self.operation = operation; self.code = code; self.detail = detail
    }

    /// One line: "ALSA device 'hw:1,0': open: No such device (capture devices: default, null)".
    public var description: String {
        var s = "ALSA device '\(device)': \(operation)"
        if let code { s += ": \(code)" }
        if let detail { s += " (\(detail))" }
        return s
    }
}
