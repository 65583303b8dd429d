import CALSA
import Foundation
import Glibc

/// A PCM name from the ALSA configuration that can capture (like a line of `arecord -L`).
public struct ALSADeviceName: Sendable, Equatable {
    /// Name to pass as the device, e.g. `default`, `plughw:CARD=Device,DEV=0`.
    public var name: String
    /// Human description (may span lines in ALSA; joined here with " / ").
    public var description: String
}

/// A capture device of a sound card (like a line of `arecord -l`).
public struct ALSAHardwareDevice: Sendable, Equatable {
    /// Card index.
    public var card: Int
    /// Card id, e.g. `Device`.
    public var cardID: String
    /// Card name, e.g. `USB Audio Device`.
    public var cardName: String
    /// PCM device index on the card.
    public var device: Int
    /// PCM device id.
    public var deviceID: String
    /// PCM device name.
    public var deviceName: String
    /// Capture subdevices.
    public var subdevices: Int
    /// The `hw:` name, e.g. `hw:CARD=Device,DEV=0`.
    public var hwName: String { "hw:CARD=\(cardID),DEV=\(device)" }
}

/// Enumerates ALSA capture devices.
public enum ALSADevices {
    /// PCM names usable for capture (`snd_device_name_hint`; entries marked output-only are skipped).
    public static func captureNames() -> [ALSADeviceName] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) >= 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var result: [ALSADeviceName] = []
        var i = 0
        while let hint = hints[i] {
            i += 1
            func get(_ id: String) -> String? {
                guard let p = snd_device_name_get_hint(hint, id) else { return nil }
                defer { free(p) }
                return String(cString: p)
            }
            guard let name = get("NAME") else { continue }
            if let io = get("IOID"), io != "Input" { continue }
            let desc = (get("DESC") ?? "").split(separator: "\n").joined(separator: " / ")
            result.append(ALSADeviceName(name: name, description: desc))
        }
        return result
    }

    /// Just the names of `captureNames()`.
    public static func captureDeviceNames() -> [String] { captureNames().map(\.name) }

    /// Capture PCM devices on sound cards (`snd_card_next`, `snd_ctl_pcm_next_device`).
    public static func hardwareCaptureDevices() -> [ALSAHardwareDevice] {
        var result: [ALSAHardwareDevice] = []
        var card: Int32 = -1
        var infoPointer: OpaquePointer?
        var pcmInfoPointer: OpaquePointer?
        guard snd_ctl_card_info_malloc(&infoPointer) >= 0, let info = infoPointer else { return [] }
        defer { snd_ctl_card_info_free(info) }
        guard snd_pcm_info_malloc(&pcmInfoPointer) >= 0, let pcmInfo = pcmInfoPointer else { return [] }
        defer { snd_pcm_info_free(pcmInfo) }
        while snd_card_next(&card) >= 0 && card >= 0 {
            var ctlPointer: OpaquePointer?
            guard snd_ctl_open(&ctlPointer, "hw:\(card)", 0) >= 0, let ctl = ctlPointer else { continue }
            defer { snd_ctl_close(ctl) }
            guard snd_ctl_card_info(ctl, info) >= 0 else { continue }
            let cardID = String(cString: snd_ctl_card_info_get_id(info))
            let cardName = String(cString: snd_ctl_card_info_get_name(info))
            var dev: Int32 = -1
            while snd_ctl_pcm_next_device(ctl, &dev) >= 0 && dev >= 0 {
                snd_pcm_info_set_device(pcmInfo, UInt32(dev))
                snd_pcm_info_set_subdevice(pcmInfo, 0)
                snd_pcm_info_set_stream(pcmInfo, SND_PCM_STREAM_CAPTURE)
                guard snd_ctl_pcm_info(ctl, pcmInfo) >= 0 else { continue }
                result.append(ALSAHardwareDevice(
                    card: Int(card), cardID: cardID, cardName: cardName, device: Int(dev),
                    deviceID: String(cString: snd_pcm_info_get_id(pcmInfo)),
                    deviceName: String(cString: snd_pcm_info_get_name(pcmInfo)),
                    subdevices: Int(snd_pcm_info_get_subdevices_count(pcmInfo))))
            }
        }
        return result
    }

    /// ALSA configuration text defining a capture PCM `name` that plays back a raw file (no header,
    /// in whatever format, rate and channels the reader asks for) through ALSA's `file` plugin over a
    /// `null` slave. Use it as `PCMRequest.configText`. The device delivers faster than real time;
    /// after the file ends it delivers unspecified data.
    public static func fileCaptureConfig(name: String, rawFile path: String) -> String {
        func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return """
        pcm.\(quoted(name)) {
            type file
            slave.pcm { type null }
            file "/dev/null"
            infile \(quoted(path))
            format "raw"
        }
        """
    }
}
