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
