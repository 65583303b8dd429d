import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One RAPL power zone (a CPU package) under `/sys/class/powercap/intel-rapl:N`.
public struct RAPLZone: Codable, Sendable, Equatable {
    /// Directory name, e.g. `intel-rapl:0`.
    public var id: String
    /// Zone name from the `name` file, e.g. `package-0`.
    public var name: String
    /// Counter range in microjoules (`max_energy_range_uj`); the counter wraps to 0 past it.
    public var maxEnergyRangeMicrojoules: UInt64
}

/// Reads CPU package energy from RAPL (Intel, and AMD through the same powercap interface), with a clear reason when it can't.
public struct RAPLMeter: Sendable {
    /// Whether energy can be read, and why not.
    public enum Status: Sendable, Equatable, CustomStringConvertible {
        /// Readable zones.
        case available([RAPLZone])
        /// Not readable, with the reason.
        case unavailable(String)

        /// One line, e.g. `RAPL: available (package-0)` or `RAPL: not available (…reason…)`.
        public var description: String {
            switch self {
            case .available(let zones): return "RAPL: available (\(zones.map(\.name).joined(separator: ", ")))"
            case .unavailable(let reason): return "RAPL: not available (\(reason))"
            }
        }
    }

    /// A reading of every zone's counter.
    public struct Reading: Sendable, Equatable {
        /// Counter per zone, in the order of `zones`, microjoules.
        public var microjoules: [UInt64]
    }

    /// The powercap root (default `/sys/class/powercap`); inject a fake tree in tests.
    public let root: String
    /// Whether the meter can read energy.
    public let status: Status

    /// Probes the powercap tree: top-level `intel-rapl:N` zones (sub-zones are inside a package and not added again).
    public init(root: String = "/sys/class/powercap") {
        self.root = root
        self.status = RAPLMeter.probe(root: root)
    }

    /// The readable zones (empty when unavailable).
    public var zones: [RAPLZone] {
        if case .available(let z) = status { return z }
        return []
    }

    /// Reads every zone's counter, or nil when unavailable or a read fails.
    public func read() -> Reading? {
        let z = zones
        guard !z.isEmpty else { return nil }
        var values: [UInt64] = []
        values.reserveCapacity(z.count)
        for zone in z {
            guard case .success(let text) = RAPLMeter.readText(root + "/" + zone.id + "/energy_uj"),
                  let v = UInt64(text) else { return nil }
            values.append(v)
        }
        return Reading(microjoules: values)
    }

    /// Joules used between two readings, summed over zones, each corrected for one counter wraparound.
    public func joules(from start: Reading, to end: Reading) -> Double {
        let z = zones
        guard start.microjoules.count == z.count, end.microjoules.count == z.count else { return 0 }
        var total: UInt64 = 0
        for i in 0..<z.count {
            total &+= RAPLMeter.delta(start: start.microjoules[i], end: end.microjoules[i],
                                      maxRange: z[i].maxEnergyRangeMicrojoules)
        }
        return Double(total) / 1e6
    }

    /// Microjoules between two counter values; if the counter went backwards it wrapped once past `maxRange`.
    public static func delta(start: UInt64, end: UInt64, maxRange: UInt64) -> UInt64 {
        if end >= start { return end - start }
        guard maxRange >= start else { return end }   // inconsistent range: count only what is surely there
        return (maxRange - start) &+ end
    }

    enum ReadResult { case success(String), failure(Int32) }

    static func readText(_ path: String) -> ReadResult {
        let fd = open(path, O_RDONLY)
        if fd < 0 { return .failure(errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 255) }
        if n < 0 { return .failure(errno) }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        return .success(text.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines))
    }

    /// Words for a read failure: "permission denied" for EACCES/EPERM (energy_uj is root-only since Linux 5.10), else strerror.
    static func reason(errno e: Int32) -> String {
        e == EACCES || e == EPERM ? "permission denied" : String(cString: strerror(e))
    }

    static func probe(root: String) -> Status {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            return .unavailable("\(root) does not exist")
        }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else {
            return .unavailable("\(root) cannot be listed")
        }
        let packages = entries.filter { name in
            guard name.hasPrefix("intel-rapl:") else { return false }
            let rest = name.dropFirst("intel-rapl:".count)
            return !rest.isEmpty && rest.allSatisfy(\.isNumber)
        }.sorted { a, b in
            (Int(a.dropFirst(11)) ?? 0) < (Int(b.dropFirst(11)) ?? 0)
        }
        guard !packages.isEmpty else { return .unavailable("\(root) has no intel-rapl zones") }
        var zones: [RAPLZone] = []
        for id in packages {
            let dir = root + "/" + id
            let name: String
            if case .success(let n) = readText(dir + "/name") { name = n } else { name = id }
            switch readText(dir + "/energy_uj") {
            case .failure(let e):
                return .unavailable("\(dir)/energy_uj: \(reason(errno: e))")
            case .success(let t):
                guard UInt64(t) != nil else { return .unavailable("\(dir)/energy_uj: not a number: \"\(t.prefix(40))\"") }
            }
            guard case .success(let r) = readText(dir + "/max_energy_range_uj"), let range = UInt64(r), range > 0 else {
                return .unavailable("\(dir)/max_energy_range_uj: missing or not a positive number")
            }
            zones.append(RAPLZone(id: id, name: name, maxEnergyRangeMicrojoules: range))
        }
        return .available(zones)
    }
}
