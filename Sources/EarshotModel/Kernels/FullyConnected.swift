// FULLY_CONNECTED, int8 activations, int8 per-tensor or per-channel weights, optional int32 bias
// (bit-exact with TFLite's current reference_integer_ops::FullyConnected / FullyConnectedPerChannel,
// which requantize in double precision: round(acc · in_scale · filter_scale / out_scale), unlike
// the fixed-point multipliers of the convolutions). The input offset is folded into the bias.

struct FullyConnectedKernel {
    let g: FCGeometry
    let input: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let row: UnsafeMutablePointer<Int16>
    let weights: UnsafePointer<Int16>
    let bias: UnsafePointer<Int32>
    let scale: UnsafePointer<Double>
    let outputOffset: Int32
    let actMin: Int32
    let actMax: Int32

    /// Scratch bytes: the input row widened to Int16.
    static func scratchBytes(_ g: FCGeometry) -> Int { g.inDepth * 2 }

    init(model: TFLiteModel, op: OpDef, g: FCGeometry, act: FusedActivation, bind: OpBinding,
         pool: ConstPool) throws(ModelError) {
        let inT = model.tensors[op.inputs[0]], fT = model.tensors[op.inputs[1]]
        let outT = model.tensors[op.outputs[0]]
        self.g = g
        let w8 = model.constantArray(fT, as: Int8.self)
        var b32 = op.inputs.count > 2 && op.inputs[2] >= 0
            ? model.constantArray(model.tensors[op.inputs[2]], as: Int32.self)
            : [Int32](repeating: 0, count: g.outDepth)
        let inOffset = -inT.zeroPoint
        for o in 0..<g.outDepth {
            var s: Int32 = 0
            for k in 0..<g.inDepth { s &+= Int32(w8[o * g.inDepth + k]) }
            b32[o] &+= inOffset &* s
        }
        weights = UnsafePointer(pool.store(w8.map { Int16($0) }))
        bias = UnsafePointer(pool.store(b32))
        let scales = fT.quant?.scales ?? [1]
        var eff = [Double]()
        for o in 0..<g.outDepth {
            let fs = scales.count == 1 ? scales[0] : scales[o]
            let e = Double(inT.scale) * Double(fs) / Double(outT.scale)
            guard e.isFinite else {
                throw ModelError("\(op.name) (operator \(op.index)): requantization scale \(e) is not finite")
            }
            eff.append(e)
        }
        scale = UnsafePointer(pool.store(eff))
        outputOffset = outT.zeroPoint
        (actMin, actMax) = Quantization.activationRange(act, scale: outT.scale, zeroPoint: outT.zeroPoint)
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
        row = bind.scratch.assumingMemoryBound(to: Int16.self)
    }

    @inline(__always)
    private func requant(_ acc: Int32, _ o: Int) -> Int8 {
        var v = Quantization.scaleInDouble(acc, scale[o]) &+ outputOffset
        v = v < actMin ? actMin : v
        v = v > actMax ? actMax : v
        return Int8(truncatingIfNeeded: v)
    }

    func run() {
        let n = g.inDepth, outD = g.outDepth
        var src = input, out = output
        for _ in 0..<g.batches {
            for k in 0..<n { row[k] = Int16(src[k]) }
            var o = 0
            while o + 4 <= outD {
                let (s0, s1, s2, s3) = dot16x4(row, weights + o * n, n)
                out[o] = requant(s0 &+ bias[o], o)
                out[o + 1] = requant(s1 &+ bias[o + 1], o + 1)
                out[o + 2] = requant(s2 &+ bias[o + 2], o + 2)
                out[o + 3] = requant(s3 &+ bias[o + 3], o + 3)
                o += 4
            }
            while o < outD {
                out[o] = requant(dot16(row, weights + o * n, n) &+ bias[o], o)
                o += 1
            }
            src += n
            out += outD
        }
    }
}
