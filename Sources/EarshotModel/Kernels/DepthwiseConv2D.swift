// DEPTHWISE_CONV_2D, int8, any depth multiplier, per-channel or per-tensor weights
// (bit-exact with TFLite's reference_integer_ops::DepthwiseConvPerChannel).
//
// For each output pixel the taps are accumulated across channels in an Int32 row (contiguous,
// vectorizable), then requantized per channel. Padded taps are skipped as in the reference.

struct DepthwiseConv2DKernel {
    private(set) var g: ConvGeometry
    private(set) var input: UnsafePointer<Int8>
    private(set) var output: UnsafeMutablePointer<Int8>
    let acc: UnsafeMutablePointer<Int32>
    let weights: UnsafePointer<Int32>
    /// The same weights as Int16, for the SIMD path (depth multiplier 1, depth at least 8).
    let weights16: UnsafePointer<Int16>
    let simd: Bool
    let bias: UnsafePointer<Int32>
    let requant: RequantTable
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
        let w8 = model.constantArray(fT, as: Int8.self)
        weights = UnsafePointer(pool.store(w8.map { Int32($0) }))
        weights16 = UnsafePointer(pool.store(w8.map { Int16($0) }))
        simd = g.depthMultiplier == 1 && g.outC >= 8
        let b32 = op.inputs.count > 2 && op.inputs[2] >= 0
            ? model.constantArray(model.tensors[op.inputs[2]], as: Int32.self)
            : [Int32](repeating: 0, count: g.outC)
        bias = UnsafePointer(pool.store(b32))
        let (m, s) = try perChannelMultipliers(input: inT, filter: fT, output: outT, channels: g.outC, op: op)
        requant = RequantTable(mult: m, shift: s, pool: pool)
        inputOffset = -inT.zeroPoint
        outputOffset = outT.zeroPoint
        (actMin, actMax) = Quantization.activationRange(act, scale: outT.scale, zeroPoint: outT.zeroPoint)
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
        acc = bind.scratch.assumingMemoryBound(to: Int32.self)
    }

   
    /// The same depthwise convolution (weights, bias, requantization and scratch shared) with
    /// geometry `r` over other memory: streaming execution's kernel for the newest rows of a tensor.
    func rebound(_ r: ConvGeometry, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) -> DepthwiseConv2DKernel {
        var k = self
        k.g = r
        k.input = input.assumingMemoryBound(to: Int8.self)
        k.output = output.assumingMemoryBound(to: Int8.self)
        return k
    }

    func run() {
        if simd { runSIMD(); return }
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
                    requant.run(acc, out, channel: 0, count: outC, outputOffset: outputOffset, lo: actMin, hi: actMax)
                    out += outC
                }
            }
        }
    }

    /// Depth multiplier 1, depth at least 8: eight channels at a time (a depth that is not a multiple
    /// of 8 ends with the last eight channels, overlapping the block before: the overlap is computed
    /// twice with the same result, and no load leaves the pixel) with Int16 products
    /// (|w·(x − zp)| ≤ 128·255 < 2^15, so exact) accumulated in Int32 lanes held in registers.
    /// Tap addresses advance by pointer strides (wrapping arithmetic: every offset is inside the
    /// tensors the planner checked), so the tap loop is loads and multiply-adds only.
    private func runSIMD() {
        let g = self.g
        let C = g.outC
        let off = SIMD8<Int16>(repeating: Int16(truncatingIfNeeded: inputOffset))
        let tapX = g.dilW &* C, tapY = g.dilH &* g.inW &* C, wY = g.kW &* C
        /// One tap for eight channels: (x − zp)·w in Int16, accumulated into two Int32 halves.
        @inline(__always) func tap(_ p: UnsafePointer<Int8>, _ q: UnsafePointer<Int16>,
                                   _ lo: inout SIMD4<Int32>, _ hi: inout SIMD4<Int32>) {
            let x = SIMD8<Int16>(truncatingIfNeeded: UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int8>.self)) &+ off
            let prod = x &* load8(q)
            lo &+= SIMD4<Int32>(truncatingIfNeeded: prod.lowHalf)
            hi &+= SIMD4<Int32>(truncatingIfNeeded: prod.highHalf)
        }
        var out = output
        for b in 0..<g.batches {
            for oy in 0..<g.outH {
                let y0 = oy &* g.strideH &- g.padH
                let fy0 = max(0, (-y0 &+ g.dilH &- 1) / g.dilH), fy1 = min(g.kH, (g.inH &- y0 &+ g.dilH &- 1) / g.dilH)
                for ox in 0..<g.outW {
                    let x0 = ox &* g.strideW &- g.padW
                    let fx0 = max(0, (-x0 &+ g.dilW &- 1) / g.dilW), fx1 = min(g.kW, (g.inW &- x0 &+ g.dilW &- 1) / g.dilW)
                    let any = fy0 < fy1 && fx0 < fx1
                    let first = input + (any ? ((b &* g.inH &+ y0 &+ fy0 &* g.dilH) &* g.inW &+ x0 &+ fx0 &* g.dilW) &* C : 0)
                    let wFirst = weights16 + (fy0 &* g.kW &+ fx0) &* C
                    var next = 0
                    while next < C {
                        let c = min(next, C &- 8)
                        var lo = UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD4<Int32>.self)
                        var hi = UnsafeRawPointer(bias + c + 4).loadUnaligned(as: SIMD4<Int32>.self)
                        if any && fx1 &- fx0 == 1 {
                            // One tap per kernel row (k×1 kernels, the keyword-spotting case): one flat loop.
                            var p = first + c, q = wFirst + c
                            var ky = fy0
                            while ky < fy1 {
                                tap(p, q, &lo, &hi)
                                p += tapY; q += wY
                                ky &+= 1
                            }
                        } else if any {
                            var rowP = first + c, rowW = wFirst + c
                            var ky = fy0
                            while ky < fy1 {
                                var p = rowP, q = rowW
                                var kx = fx0
                                while kx < fx1 {
                                    tap(p, q, &lo, &hi)
                                    p += tapX; q += C
                                    kx &+= 1
                                }
                                rowP += tapY; rowW += wY
                                ky &+= 1
                            }
                        }
                        UnsafeMutableRawPointer(acc + c).storeBytes(of: lo, as: SIMD4<Int32>.self)
                        UnsafeMutableRawPointer(acc + c + 4).storeBytes(of: hi, as: SIMD4<Int32>.self)
                        next &+= 8
                    }
                    requant.run(acc, out, channel: 0, count: C, outputOffset: outputOffset, lo: actMin, hi: actMax)
                    out += C
                }
            }
        }
    }
}
