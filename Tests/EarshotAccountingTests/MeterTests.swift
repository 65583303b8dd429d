import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import EarshotAccounting

@Suite struct RAPLTests {
    /// Builds a fake powercap tree: returns its root.
    func fakeTree(_ zones: [(id: String, name: String, energy: String, range: String)]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rapl-\(UUID().uuidString)").path
        for z in zones {
            let dir = root + "/" + z.id
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data((z.name + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/name"))
            try Data((z.energy + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/energy_uj"))
            try Data((z.range + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/max_energy_range_uj"))
        }
        if zones.isEmpty { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) }
        return root
    }

    func write(_ root: String, _ id: String, energy: UInt64) throws {
        try Data("\(energy)\n".utf8).write(to: URL(fileURLWithPath: root + "/" + id + "/energy_uj"))
    }

    @Test func readsPackagesAndIgnoresSubzones() throws {
        let root = try fakeTree([("intel-rapl:0", "package-0", "1000", "262143328850"),
                                 ("intel-rapl:0:0", "core", "5", "262143328850"),
                                 ("intel-rapl:1", "package-1", "500", "1000")])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let m = RAPLMeter(root: root)
        #expect(m.zones.map(\.id) == ["intel-rapl:0", "intel-rapl:1"])
        #expect(m.zones.map(\.name) == ["package-0", "package-1"])
        #expect(m.status.description == "RAPL: available (package-0, package-1)")
        let start = try #require(m.read())
        #expect(start.microjoules == [1000, 500])
        try write(root, "intel-rapl:0", energy: 3000)
        try write(root, "intel-rapl:1", energy: 100)        // wrapped past 1000
        let end = try #require(m.read())
        // 2000 µJ + (1000 − 500) + 100 µJ
        #expect(abs(m.joules(from: start, to: end) - 0.0026) < 1e-12)
    }

    @Test func wraparoundDelta() {
        #expect(RAPLMeter.delta(start: 10, end: 25, maxRange: 100) == 15)
        #expect(RAPLMeter.delta(start: 90, end: 5, maxRange: 100) == 15)
        #expect(RAPLMeter.delta(start: 262_143_328_000, end: 150, maxRange: 262_143_328_850) == 1000)
        #expect(RAPLMeter.delta(start: 500, end: 5, maxRange: 100) == 5)   // inconsistent range never underflows
    }

    @Test func missingRootSaysSo() {
        let m = RAPLMeter(root: "/nonexistent/powercap")
        #expect(m.status.description == "RAPL: not available (/nonexistent/powercap does not exist)")
        #expect(m.read() == nil)
    }

    @Test func noZonesSaysSo() throws {
        let root = try fakeTree([])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/dtpm", withIntermediateDirectories: true)
        #expect(RAPLMeter(root: root).status.description == "RAPL: not available (\(root) has no intel-rapl zones)")
    }

    @Test func unreadableCounterSaysWhy() throws {
        let root = try fakeTree([("intel-rapl:0", "package-0", "1", "100")])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.removeItem(atPath: root + "/intel-rapl:0/energy_uj")
        try FileManager.default.createDirectory(atPath: root + "/intel-rapl:0/energy_uj", withIntermediateDirectories: true)
        let d = RAPLMeter(root: root).status.description
        #expect(d.hasPrefix("RAPL: not available (\(root)/intel-rapl:0/energy_uj: "))
        #expect(RAPLMeter.reason(errno: EACCES) == "permission denied")
        #expect(RAPLMeter.reason(errno: EPERM) == "permission denied")
    }

    @Test func garbageCounterIsRejected() throws {
        let root = try fakeTree([("intel-rapl:0", "package-0", "lots", "100")])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(RAPLMeter(root: root).status.description.contains("not a number"))
    }

    @Test func thisHostReportsAStatusLine() {
        let d = RAPLMeter().status.description
        #expect(d.hasPrefix("RAPL: available (") || d.hasPrefix("RAPL: not available ("))
    }
}

@Suite struct CPUUsageTests {
    @Test func deltaAndShareOfCore() {
        let a = CPUUsage(processUser: 1, processSystem: 0.5, thread: 0.2, wall: 10)
        let b = CPUUsage(processUser: 2.5, processSystem: 1, thread: 1.2, wall: 14)
        let d = b.since(a)
        #expect(d.process == 2)
        #expect(d.thread == 1)
        #expect(d.wall == 4)
        #expect(d.shareOfCore == 0.5)
        #expect(d.threadShareOfCore == 0.25)
        #expect(a.since(b).process == 0 && a.since(b).shareOfCore == 0)   // backwards clamps to zero
    }

    @Test func realSnapshotsMoveForward() {
        let clock = ManualClock(nanoseconds: 1_000_000_000)
        let a = CPUUsage.now(clock: clock)
        var x: UInt64 = 1
        for i in 0..<2_000_000 { x = x &* 6364136223846793005 &+ UInt64(i) }
        clock.advance(seconds: 2)
        let b = CPUUsage.now(clock: clock)
        let d = b.since(a)
        #expect(x != 0)
        #expect(d.wall == 2)
        #expect(d.thread >= 0 && d.process >= d.thread - 0.01)
        #expect(CPUUsage.threadSeconds(of: pthread_self()) != nil)
    }
}
