// DEPTHWISE_CONV_2D, int8, any depth multiplier, per-channel or per-tensor weights
// (bit-exact with TFLite's reference_integer_ops::DepthwiseConvPerChannel).
//
// For each output pixel the taps are accumulated across channels in an Int32 row (contiguous,
// vectorizable), then requantized per channel. Padded taps are skipped as in the reference.

struct DepthwiseConv2DKernel {
    let g: ConvGeometry
    let input: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let acc: UnsafeMutablePointer<Int32>
    let weights: UnsafePointer<Int32>
    let bias: UnsafePointer<Int32>
    let mult: UnsafePointer<Int32>
    let shift: UnsafePointer<Int32>
    let inputOffset: Int32
    let outputOffset: Int32
    let actMin: Int32
    let actMax: Int32

    /// Scratch bytes: one Int32 accumulator row of the output depth.
    static func scratchBytes(_ g: ConvGeometry) -> Int { g.outC * 4 }

    init(model: TFLiteModel, op: OpDef, g: ConvGeometry, act: FusedActivation, bind: OpBinding,
         pool: ConstPool) throws(ModelError) {
        let inT = model.tensors[op.inputs[0]], fT = model.tensors[op.inputs[1]]
        let outT = model.tensors[op.outputs[0]]
        self.g = g
        weights = UnsafePointer(pool.store(model.constantArray(fT, as: Int8.self).map { Int32($0) }))
        let b32 = op.inputs.count > 2 && op.inputs[2] >= 0
            ? model.constantArray(model.tensors[op.inputs[2]], as: Int32.self)
            : [Int32](repeating: 0, count: g.outC)
        bias = UnsafePointer(pool.store(b32))
        let (m, s) = try perChannelMultipliers(input: inT, filter: fT, output: outT, channels: g.outC, op: op)
        mult = UnsafePointer(pool.store(m)); shift = UnsafePointer(pool.store(s))
        inputOffset = -inT.zeroPoint
        outputOffset = outT.zeroPoint
        (actMin, actMax) = Quantization.activationRange(act, scale: outT.scale, zeroPoint: outT.zeroPoint)
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
        acc = bind.scratch.assumingMemoryBound(to: Int32.self)
    }

    func run() {
        let g = self.g
        let inC = g.inC, outC = g.outC, dm = g.depthMultiplier
        let off = inputOffset
        var out = output
        for b in 0..<g.batches {
            for oy in 0..<g.outH {
                let y0 = oy * g.strideH - g.padH
                for ox in 0..<g.outW {
                    let x0 = ox * g.strideW - g.padW
                    for c in 0..<outC { acc[c] = bias[c] }
                    for ky in 0..<g.kH {
                        let iy = y0 + ky * g.dilH
                        if iy < 0 || iy >= g.inH { continue }
                        for kx in 0..<g.kW {
                            let ix = x0 + kx * g.dilW
                            if ix < 0 || ix >= g.inW { continue }
                            let src = input + ((b * g.inH + iy) * g.inW + ix) * inC
                            let w = weights + (ky * g.kW + kx) * outC
                            if dm == 1 {
                                for c in 0..<outC { acc[c] &+= w[c] &* (Int32(src[c]) &+ off) }
                            } else {
                                for ic in 0..<inC {
                                    let x = Int32(src[ic]) &+ off
                                    let base = ic * dm
                                    for m in 0..<dm { acc[base + m] &+= w[base + m] &* x }
                                }
                            }
                        }
                    }
                    for c in 0..<outC {
                        out[c] = requantize(acc[c], mult[c], shift[c], outputOffset, actMin, actMax)
                    }
                    out += outC
                }
            }
        }
    }
}
