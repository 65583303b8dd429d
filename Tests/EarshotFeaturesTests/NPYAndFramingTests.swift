import Foundation
import Testing
@testable import EarshotFeatures

@Suite("NPY files and clip framing")
struct NPYAndFramingTests {
    @Test func headerIsNumpyV1AlignedTo64() {
        let h = NPY.float32Header(shape: [3, 49, 10])
        #expect(Array(h[0..<8]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        #expect(h.count % 64 == 0)
        let len = Int(h[8]) | Int(h[9]) << 8
        #expect(len == h.count - 10)
        let dict = String(decoding: h[10...], as: UTF8.self)
        #expect(dict.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 49, 10), }"))
        #expect(dict.hasSuffix("\n"))
        #expect(String(decoding: NPY.float32Header(shape: [5])[10...], as: UTF8.self).contains("'shape': (5,)"))
    }

    @Test func writerRoundTripsAndChecksTheCount() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-\(UUID().uuidString).npy").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try NPYWriter(path: path, shape: [2, 3])
        try w.write([1, 2, 3])
        try w.writeZeros(3)
        try w.close()
        let r = try NPY.readFloat32(path: path)
        #expect(r.shape == [2, 3] && r.values == [1, 2, 3, 0, 0, 0])

        let short = try NPYWriter(path: path, shape: [4])
        try short.write([1])
        #expect(throws: NPYError.self) { try short.close() }
        #expect(throws: NPYError.self) { try NPYWriter(path: "/nonexistent-dir/x.npy", shape: [1]) }
        #expect(throws: NPYError.self) { try NPY.readFloat32(data: Data("not numpy".utf8)) }
    }

    @Test func fitPadsAndCrops() {
        let x: [Float] = [1, 2, 3, 4, 5, 6]
        #expect(ClipFraming.fit(x, count: 4, alignment: .start) == [1, 2, 3, 4])
        #expect(ClipFraming.fit(x, count: 4, alignment: .center) == [2, 3, 4, 5])
        #expect(ClipFraming.fit(x, count: 9, alignment: .start) == [1, 2, 3, 4, 5, 6, 0, 0, 0])
        #expect(ClipFraming.fit(x, count: 9, alignment: .center) == [0, 1, 2, 3, 4, 5, 6, 0, 0])
        #expect(ClipFraming.fit(x, count: 6, alignment: .energy) == x)
        #expect(ClipFraming.fit([], count: 3, alignment: .energy) == [0, 0, 0])
    }

    @Test func energyAlignmentFindsTheLoudPart() {
        var x = [Float](repeating: 0.001, count: 20000)
        for i in 12000..<13000 { x[i] = 0.5 }
        let fitted = ClipFraming.fit(x, count: 4000, alignment: .energy, hop: 320)
        #expect(fitted.count == 4000)
        #expect(fitted.filter { $0 == 0.5 }.count == 1000)
        let off = ClipFraming.energyOffset(x, count: 4000, hop: 320)
        #expect(off % 320 == 0 || off == 16000)
        #expect(off <= 12000 && off + 4000 >= 13000)
    }
}
