import Testing
@testable import EarshotModel

/// The kernels' requantization table (vector and scalar paths) against TFLite's scalar
/// MultiplyByQuantizedMultiplier, over random accumulators and every shift, edge values included.
@Suite struct RequantTests {
    private func reference(_ acc: Int32, _ m: Int32, _ s: Int32, _ off: Int32, _ lo: Int32, _ hi: Int32) -> Int8 {
        let v = Quantization.multiplyByQuantizedMultiplier(acc, m, s) &+ off
        return Int8(truncatingIfNeeded: min(hi, max(lo, v)))
    }

    private func check(shifts: [Int32], seed: UInt64) {
        var rng = SplitMix64(state: seed)
        let n = shifts.count
        // Multipliers 0 and exactly 2^30 (0.5: SRDHM ties for odd accumulators) among random ones.
        let mult = (0..<n).map { i -> Int32 in
            i % 9 == 8 ? 0 : i % 9 == 7 ? 1 << 30 : Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30))
        }
        let pool = ConstPool()
        let table = RequantTable(mult: mult, shift: shifts, pool: pool)
        let edges: [Int32] = [0, 1, -1, 3, -3, Int32.max, Int32.min, Int32.min + 1, 1 << 20, -(1 << 20), 12345, -12345]
        var acc = [Int32](repeating: 0, count: n)
        var out = [Int8](repeating: 0, count: n)
        for round in 0..<400 {
            for i in 0..<n {
                let r = rng.next()
                acc[i] = round < edges.count ? edges[(round + i) % edges.count]
                    : r % 4 == 0 ? Int32(truncatingIfNeeded: r >> 32) : Int32(truncatingIfNeeded: Int64(r >> 40) - (1 << 23))
            }
            let (off, lo, hi): (Int32, Int32, Int32) = round % 2 == 0 ? (-128, -128, 127) : (5, -20, 90)
            acc.withUnsafeBufferPointer { a in
                out.withUnsafeMutableBufferPointer { o in
                    table.run(a.baseAddress!, o.baseAddress!, channel: 0, count: n, outputOffset: off, lo: lo, hi: hi)
                }
            }
            for i in 0..<n {
                let want = reference(acc[i], mult[i], shifts[i], off, lo, hi)
                if out[i] != want {
                    Issue.record("acc \(acc[i]) mult \(mult[i]) shift \(shifts[i]): got \(out[i]), TFLite gives \(want)")
                    return
                }
            }
        }
    }

    @Test func vectorPathMatchesTFLiteForEveryRightShift() {
        check(shifts: (0..<64).map { -Int32($0 % 32) }, seed: 1)
        check(shifts: (0..<48).map { _ in -7 }, seed: 2)
        // Shifts 0 and 1, where an SRDHM tie off by one would show.
        check(shifts: (0..<36).map { -Int32($0 % 2) }, seed: 5)
    }

    @Test func leftShiftsTakeTheScalarPathAndMatchToo() {
        check(shifts: (0..<20).map { Int32($0 % 5) - 2 }, seed: 3)
    }

    @Test func remainderChannelsMatch() {
        check(shifts: (0..<7).map { -Int32($0 * 4) }, seed: 4)
    }
}
