import ArgumentParser
import EarshotCapture
import Foundation

/// `earshot devices`: the ALSA capture devices, like `arecord -L` and `arecord -l`.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List ALSA capture devices (PCM names like `arecord -L`, sound cards like `arecord -l`).",
        discussion: "Pass a PCM name or hw:CARD,DEV name to `earshot listen --device`.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let names = ALSADevices.captureNames()
        let cards = ALSADevices.hardwareCaptureDevices()
        if json {
            struct Out: Encodable {
                struct Name: Encodable { var name: String; var description: String }
                struct Card: Encodable {
                    var card: Int; var card_id: String; var card_name: String
                    var device: Int; var device_id: String; var device_name: String
                    var subdevices: Int; var hw: String
                }
                var pcms: [Name]; var cards: [Card]
            }
            let out = Out(pcms: names.map { .init(name: $0.name, description: $0.description) },
                          cards: cards.map { .init(card: $0.card, card_id: $0.cardID, card_name: $0.cardName,
                                                   device: $0.device, device_id: $0.deviceID,
                                                   device_name: $0.deviceName, subdevices: $0.subdevices,
                                                   hw: $0.hwName) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
            return
        }
        print("Capture PCMs:")
        if names.isEmpty { print("  (none)") }
        for n in names {
            print(n.name)
            if !n.description.isEmpty { print("    \(n.description)") }
        }
        print("")
        print("Sound card capture devices:")
        if cards.isEmpty { print("  (no sound cards found)") }
        for c in cards {
            print("card \(c.card): \(c.cardID) [\(c.cardName)], device \(c.device): \(c.deviceID) [\(c.deviceName)]  →  \(c.hwName)")
            print("  Subdevices: \(c.subdevices)")
        }
    }
}
