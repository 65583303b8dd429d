// CONV_2D, int8 activations, int8 per-channel or per-tensor weights, int32 bias
// (bit-exact with TFLite's reference_integer_ops::ConvPerChannel).
//
// Each output pixel's receptive field is gathered into an Int16 row (im2col; padded taps hold the
// input zero point so they contribute nothing), then dotted with every output channel's widened
// weight row. The input offset is folded into the bias: Σ w·(x − zp) = Σ w·x − zp·Σ w, exact in
// wrapping Int32 arithmetic. 1×1 stride-1 convolutions (pointwise) skip the gather.

struct Conv2DKernel {
    let g: ConvGeometry
    let input: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let col: UnsafeMutablePointer<Int16>
    let weights: UnsafePointer<Int16>
    let bias: UnsafePointer<Int32>
    let mult: UnsafePointer<Int32>
    let shift: UnsafePointer<Int32>
    let depth: Int
    let inputZeroPoint: Int16
    let outputOffset: Int32
    let actMin: Int32
    let actMax: Int32
    let pointwise: Bool

    /// Scratch bytes: one im2col row.
    static func scratchBytes(_ g: ConvGeometry) -> Int { g.kH * g.kW * g.inC * 2 }

    init(model: TFLiteModel, op: OpDef, g: ConvGeometry, act: FusedActivation, bind: OpBinding,
         pool: ConstPool) throws(ModelError) {
        let inT = model.tensors[op.inputs[0]], fT = model.tensors[op.inputs[1]]
        let outT = model.tensors[op.outputs[0]]
        self.g = g
        depth = g.kH * g.kW * g.inC
        let w8 = model.constantArray(fT, as: Int8.self)
        var b32 = op.inputs.count > 2 && op.inputs[2] >= 0
            ? model.constantArray(model.tensors[op.inputs[2]], as: Int32.self)
            : [Int32](repeating: 0, count: g.outC)
        let inOffset = -inT.zeroPoint
        for oc in 0..<g.outC {
            var s: Int32 = 0
            for k in 0..<depth { s &+= Int32(w8[oc * depth + k]) }
            b32[oc] &+= inOffset &* s
        }
        weights = UnsafePointer(pool.store(w8.map { Int16($0) }))
        bias = UnsafePointer(pool.store(b32))
        let (m, s) = try perChannelMultipliers(input: inT, filter: fT, output: outT, channels: g.outC, op: op)
        mult = UnsafePointer(pool.store(m)); shift = UnsafePointer(pool.store(s))
        inputZeroPoint = Int16(inT.zeroPoint)
        outputOffset = outT.zeroPoint
        (actMin, actMax) = Quantization.activationRange(act, scale: outT.scale, zeroPoint: outT.zeroPoint)
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
        col = bind.scratch.assumingMemoryBound(to: Int16.self)
        pointwise = g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0
            && g.outH == g.inH && g.outW == g.inW
    }

    func run() {
        let g = self.g
        let depth = self.depth, outC = g.outC
        var out = output
        for b in 0..<g.batches {
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    if pointwise {
                        let src = input + ((b * g.inH + oy) * g.inW + ox) * g.inC
                        for k in 0..<depth { col[k] = Int16(src[k]) }
                    } else {
                        gather(b, oy, ox)
                    }
                    var oc = 0
                    while oc + 4 <= outC {
                        let (s0, s1, s2, s3) = dot16x4(col, weights + oc * depth, depth)
                        out[oc] = requantize(s0 &+ bias[oc], mult[oc], shift[oc], outputOffset, actMin, actMax)
                        out[oc + 1] = requantize(s1 &+ bias[oc + 1], mult[oc + 1], shift[oc + 1], outputOffset, actMin, actMax)
                        out[oc + 2] = requantize(s2 &+ bias[oc + 2], mult[oc + 2], shift[oc + 2], outputOffset, actMin, actMax)
                        out[oc + 3] = requantize(s3 &+ bias[oc + 3], mult[oc + 3], shift[oc + 3], outputOffset, actMin, actMax)
                        oc += 4
                    }
                    while oc < outC {
                        let acc = dot16(col, weights + oc * depth, depth) &+ bias[oc]
                        out[oc] = requantize(acc, mult[oc], shift[oc], outputOffset, actMin, actMax)
                        oc += 1
                    }
                    out += outC
                }
            }
        }
    }

    /// Fills the im2col row for one output pixel.
    @inline(__always)
    private func gather(_ b: Int, _ oy: Int, _ ox: Int) {
        let g = self.g
        let inC = g.inC
        var dst = col
        let y0 = oy * g.strideH - g.padH, x0 = ox * g.strideW - g.padW
        for ky in 0..<g.kH {
            let iy = y0 + ky * g.dilH
            let rowInside = iy >= 0 && iy < g.inH
            for kx in 0..<g.kW {
                let ix = x0 + kx * g.dilW
                if rowInside && ix >= 0 && ix < g.inW {
                    let src = input + ((b * g.inH + iy) * g.inW + ix) * inC
                    for c in 0..<inC { dst[c] = Int16(src[c]) }
                } else {
                    for c in 0..<inC { dst[c] = inputZeroPoint }
                }
                dst += inC
            }
        }
    }
}
