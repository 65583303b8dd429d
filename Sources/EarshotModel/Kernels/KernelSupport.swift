// Shared pieces of the kernels: constant storage, per-channel requantization setup, dot products.

/// Owns the constant arrays that kernels precompute at init (widened weights, folded biases,
/// multipliers); freed with the interpreter.
final class ConstPool {
    private var blocks: [UnsafeMutableRawPointer] = []

    /// Copies `values` into a new 64-byte-aligned block.
    func store<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let n = max(values.count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<T>.stride, alignment: 64)
        blocks.append(raw)
        let p = raw.bindMemory(to: T.self, capacity: n)
        values.withUnsafeBufferPointer { src in
            if let s = src.baseAddress { p.initialize(from: s, count: values.count) }
        }
        return p
    }

    deinit { for b in blocks { b.deallocate() } }
}

/// Where one operator reads and writes inside the arena.
struct OpBinding {
    let input: UnsafeMutableRawPointer
    let output: UnsafeMutableRawPointer
    let scratch: UnsafeMutableRawPointer
}

/// Per-channel requantization constants as TFLite's PopulateConvolutionQuantizationParams
/// computes them: multiplier of (double)input_scale · (double)filter_scale / (double)output_scale.
func perChannelMultipliers(input: TensorDef, filter: TensorDef, output: TensorDef, channels: Int,
                           op: OpDef) throws(ModelError) -> (mult: [Int32], shift: [Int32]) {
    let scales = filter.quant?.scales ?? [1]
    var mult = [Int32](), shift = [Int32]()
    mult.reserveCapacity(channels); shift.reserveCapacity(channels)
    for c in 0..<channels {
        let fs = scales.count == 1 ? scales[0] : scales[c]
        let eff = Double(input.scale) * Double(fs) / Double(output.scale)
        guard let q = Quantization.quantizeMultiplier(eff) else {
            throw ModelError("\(op.name) (operator \(op.index)): requantization scale \(eff) of channel \(c) is out of range")
        }
        mult.append(q.multiplier); shift.append(q.shift)
    }
    return (mult, shift)
}

/// Sum over n of a[i]·b[i] in wrapping Int32 (the loop vectorizes to pmaddwd-style code).
@inline(__always)
func dot16(_ a: UnsafePointer<Int16>, _ b: UnsafePointer<Int16>, _ n: Int) -> Int32 {
    var acc: Int32 = 0
    for i in 0..<n { acc &+= Int32(a[i]) &* Int32(b[i]) }
    return acc
}

/// Four dot products of one row `a` with four weight rows at stride `n`.
@inline(__always)
func dot16x4(_ a: UnsafePointer<Int16>, _ b: UnsafePointer<Int16>, _ n: Int) -> (Int32, Int32, Int32, Int32) {
    var s0: Int32 = 0, s1: Int32 = 0, s2: Int32 = 0, s3: Int32 = 0
    let b1 = b + n, b2 = b + 2 * n, b3 = b + 3 * n
    for i in 0..<n {
        let x = Int32(a[i])
        s0 &+= x &* Int32(b[i])
        s1 &+= x &* Int32(b1[i])
        s2 &+= x &* Int32(b2[i])
        s3 &+= x &* Int32(b3[i])
    }
    return (s0, s1, s2, s3)
}

/// Requantizes one accumulator to int8 with TFLite's arithmetic and clamps to the activation range.
@inline(__always)
func requantize(_ acc: Int32, _ mult: Int32, _ shift: Int32, _ outOffset: Int32, _ lo: Int32, _ hi: Int32) -> Int8 {
    var v = Quantization.multiplyByQuantizedMultiplier(acc, mult, shift) &+ outOffset
    v = v < lo ? lo : v
    v = v > hi ? hi : v
    return Int8(truncatingIfNeeded: v)
}

/// Σ pairs of x·y products into 4 Int32 lanes: lane i = x[2i]·y[2i] + x[2i+1]·y[2i+1]. Written as
/// widen, multiply, add even and odd lanes: the shape LLVM turns into one pmaddwd (SSE2) /
/// smull+smlal pairs (NEON). Products of two Int16 never overflow Int32 and the pair sum wraps
/// only for (−32768)² · 2, which int8-derived operands never reach.
@inline(__always)
func madd(_ x: SIMD8<Int16>, _ y: SIMD8<Int16>) -> SIMD4<Int32> {
    let p = SIMD8<Int32>(truncatingIfNeeded: x) &* SIMD8<Int32>(truncatingIfNeeded: y)
    return p.evenHalf &+ p.oddHalf
}

/// Lane-wise min(max(v, lo), hi), inlined (SIMD's `clamped` compiles to calls here).
@inline(__always)
func clamp4(_ v: SIMD4<Int32>, _ lo: SIMD4<Int32>, _ hi: SIMD4<Int32>) -> SIMD4<Int32> {
    var r = v
    r.replace(with: lo, where: r .< lo)
    r.replace(with: hi, where: r .> hi)
    return r
}

@inline(__always)
func load8(_ p: UnsafePointer<Int16>) -> SIMD8<Int16> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int16>.self)
}

/// Per-channel requantization constants, split at init so the per-output work has no selects:
/// TFLite's MultiplyByQuantizedMultiplier(x, m, shift) = RDPOT(SRDHM(x << left, m), right).
struct RequantTable {
    let mult: UnsafePointer<Int32>
    let left: UnsafePointer<Int32>
    let right: UnsafePointer<Int32>
    /// (1 << right) − 1.
    let mask: UnsafePointer<Int32>
    /// Vector path constants: the multiplier, half of 2^right (0 when right is 0) and 2^(31 − right),
    /// as UInt32 (widened on load, so the compiler knows each multiply is 32 × 32 → 64 bits).
    let multU: UnsafePointer<UInt32>
    let halfU: UnsafePointer<UInt32>
    let powU: UnsafePointer<UInt32>
    /// No channel shifts left (the usual case: every effective scale below 1): the vector path applies.
    let rightOnly: Bool

    init(mult m: [Int32], shift s: [Int32], pool: ConstPool) {
        mult = UnsafePointer(pool.store(m))
        left = UnsafePointer(pool.store(s.map { $0 > 0 ? $0 : 0 }))
        right = UnsafePointer(pool.store(s.map { $0 > 0 ? 0 : -$0 }))
        mask = UnsafePointer(pool.store(s.map { (Int32(1) &<< ($0 > 0 ? 0 : -$0)) &- 1 }))
        let e = s.map { $0 > 0 ? 0 : Int(-$0) }
        multU = UnsafePointer(pool.store(m.map { UInt32(bitPattern: $0) }))
        halfU = UnsafePointer(pool.store(e.map { $0 > 0 ? UInt32(1) << ($0 - 1) : 0 }))
        powU = UnsafePointer(pool.store(e.map { UInt32(1) << (31 - min(31, $0)) }))
        rightOnly = s.allSatisfy { $0 <= 0 } && m.allSatisfy { $0 >= 0 }
    }

    /// Requantizes `count` accumulators (channels starting at `channel`) to int8 with the output
    /// offset and activation clamp. Multipliers are never Int32.min (they are < 2^31), so
    /// SRDHM's saturation case cannot occur and is left out; the result is identical.
    @inline(__always)
    func run(_ acc: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Int8>, channel: Int, count: Int,
             outputOffset: Int32, lo: Int32, hi: Int32) {
        var c = 0
        if rightOnly {
            while c &+ 4 <= count {
                let v = run4(UnsafeRawPointer(acc + c).loadUnaligned(as: SIMD4<Int32>.self), channel &+ c)
                    &+ SIMD4<Int32>(repeating: outputOffset)
                let r = clamp4(v, SIMD4(repeating: lo), SIMD4(repeating: hi))
                UnsafeMutableRawPointer(out + c).storeBytes(of: SIMD4<Int8>(truncatingIfNeeded: r), as: SIMD4<Int8>.self)
                c &+= 4
            }
        }
        let m = mult + channel, l = left + channel, r = right + channel, k = mask + channel
        while c < count {
            // SRDHM: with the nudge ±2^30 and division truncating toward zero, it equals the
            // round-half-up (ab + 2^30) >> 31 (as ARM's vqrdmulh computes it); the result fits Int32.
            let ab = Int64(acc[c] &<< l[c]) &* Int64(m[c])
            let x = Int32(truncatingIfNeeded: (ab &+ (1 << 30)) >> 31)
            let e = r[c], mk = k[c]
            let threshold = (mk >> 1) &+ ((x >> 31) & 1)
            var v = (x &>> e) &+ ((x & mk) > threshold ? 1 : 0) &+ outputOffset
            v = v < lo ? lo : v
            v = v > hi ? hi : v
            out[c] = Int8(truncatingIfNeeded: v)
            c &+= 1
        }
    }

    /// RDPOT(SRDHM(a, m), e) for four channels in unsigned 64-bit lanes (no left shifts), exact:
    /// with u = |a|·m, |SRDHM| = (u + 2^30 − [a < 0]) >> 31 (its sign is a's), and RDPOT rounds
    /// half away from zero, so |result| = (|SRDHM| + 2^(e−1)) >> e = ((|SRDHM| + half)·2^(31−e)) >> 31.
    /// Every multiply is 32 × 32 → 64 bits unsigned (one pmuludq per two lanes on SSE2); the
    /// per-channel shift becomes a multiply, so no lane needs a shift count of its own.
    @inline(__always)
    func run4(_ a: SIMD4<Int32>, _ ch: Int) -> SIMD4<Int32> {
        let sign = a &>> 31                      // −1 where a < 0
        let mag = SIMD4<UInt32>(truncatingIfNeeded: (a ^ sign) &- sign)   // |a|, 2^31 for Int32.min
        let negBit = SIMD4<UInt32>(truncatingIfNeeded: sign & 1)
        @inline(__always) func wide(_ x: SIMD2<UInt32>) -> SIMD2<UInt64> { SIMD2<UInt64>(truncatingIfNeeded: x) }
        @inline(__always) func load2(_ p: UnsafePointer<UInt32>) -> SIMD2<UInt32> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD2<UInt32>.self)
        }
        @inline(__always) func half(_ m: SIMD2<UInt32>, _ n: SIMD2<UInt32>, _ at: Int) -> SIMD2<UInt32> {
            let u = wide(m) &* wide(load2(multU + at))                       // < 2^62
            let t = (u &+ SIMD2(repeating: 1 << 30) &- wide(n)) &>> 31        // |SRDHM| ≤ 2^31
            let th = SIMD2<UInt32>(truncatingIfNeeded: t) &+ load2(halfU + at) // < 2^32
            return SIMD2<UInt32>(truncatingIfNeeded: (wide(th) &* wide(load2(powU + at))) &>> 31)
        }
        let r = SIMD4<UInt32>(lowHalf: half(mag.lowHalf, negBit.lowHalf, ch), highHalf: half(mag.highHalf, negBit.highHalf, ch &+ 2))
        let v = SIMD4<Int32>(truncatingIfNeeded: r)
        return (v ^ sign) &- sign
    }
}

/// out[r] = bias[r] + Σ_k x[k]·w[r·n + k] for every row r; n a multiple of 8.
///
/// Four rows at a time share each load of `x` (one x load, four weight loads and four pmaddwd per
/// 8 columns), and their four lane sums are reduced together into one vector. Kept out of line:
/// that shape compiles to clean pmaddwd loops.
@inline(never)
func gemv16(_ x: UnsafePointer<Int16>, _ w: UnsafePointer<Int16>, _ n: Int, _ rows: Int,
            _ bias: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Int32>) {
    var wr = w
    var r = 0
    while r &+ 4 <= rows {
        var s0 = SIMD4<Int32>(), s1 = SIMD4<Int32>(), s2 = SIMD4<Int32>(), s3 = SIMD4<Int32>()
        let w0 = wr, w1 = wr + n, w2 = wr + 2 &* n, w3 = wr + 3 &* n
        var k = 0
        while k < n {
            let xv = load8(x + k)
            s0 &+= madd(xv, load8(w0 + k))
            s1 &+= madd(xv, load8(w1 + k))
            s2 &+= madd(xv, load8(w2 + k))
            s3 &+= madd(xv, load8(w3 + k))
            k &+= 8
        }
        let sums = reduce4(s0, s1, s2, s3) &+ UnsafeRawPointer(bias + r).loadUnaligned(as: SIMD4<Int32>.self)
        UnsafeMutableRawPointer(out + r).storeBytes(of: sums, as: SIMD4<Int32>.self)
        wr += 4 &* n
        r &+= 4
    }
    while r < rows {
        var s = SIMD4<Int32>()
        var k = 0
        while k < n {
            s &+= madd(load8(x + k), load8(wr + k))
            k &+= 8
        }
        out[r] = s.wrappedSum() &+ bias[r]
        wr += n
        r &+= 1
    }
}

/// [Σ a, Σ b, Σ c, Σ d] of four 4-lane vectors (wrapping), by two rounds of pairwise adds.
@inline(__always)
func reduce4(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>, _ c: SIMD4<Int32>, _ d: SIMD4<Int32>) -> SIMD4<Int32> {
    // [a0+a2, a1+a3, b0+b2, b1+b3] and the same for c, d; then add neighbours.
    let ab = SIMD4(lowHalf: a.lowHalf &+ a.highHalf, highHalf: b.lowHalf &+ b.highHalf)
    let cd = SIMD4(lowHalf: c.lowHalf &+ c.highHalf, highHalf: d.lowHalf &+ d.highHalf)
    return SIMD4(lowHalf: ab.evenHalf &+ ab.oddHalf, highHalf: cd.evenHalf &+ cd.oddHalf)
}
