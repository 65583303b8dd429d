// CONV_2D, int8 activations, int8 per-channel or per-tensor weights, int32 bias
// (bit-exact with TFLite's reference_integer_ops::ConvPerChannel).
//
// Each output pixel's receptive field is gathered into an Int16 row (im2col; padded taps hold the
// input zero point so they contribute nothing), then dotted with every output channel's widened
// weight row. The input offset is folded into the bias: Σ w·(x − zp) = Σ w·x − zp·Σ w, exact in
// wrapping Int32 arithmetic. 1×1 stride-1 convolutions (pointwise) skip the gather.

struct Conv2DKernel {
    private(set) var g: ConvGeometry
    private(set) var input: UnsafePointer<Int8>
    private(set) var output: UnsafeMutablePointer<Int8>
    let col: UnsafeMutablePointer<Int16>
    let weights: UnsafePointer<Int16>
    let bias: UnsafePointer<Int32>
    let requant: RequantTable
    /// Int32 accumulators of one output pixel (scratch, after the im2col row).
    let acc: UnsafeMutablePointer<Int32>
    let depth: Int
    /// `depth` rounded up to a multiple of 8 (weights and im2col row are zero-padded to it).
    let paddedDepth: Int
    let inputZeroPoint: Int16
    let outputOffset: Int32
    let actMin: Int32
    let actMax: Int32
    private(set) var pointwise: Bool

    /// Scratch bytes: im2col rows (two for the two-pixel tile; one for a 1×1 convolution whose depth
    /// is a multiple of 8, which reads its input directly unless it takes the general path) and one
    /// pixel's accumulators.
    static func scratchBytes(_ g: ConvGeometry) -> Int { colRows(g) * colBytes(g) + g.outC * 4 }
    static func colRows(_ g: ConvGeometry) -> Int { isPointwise(g) && g.inC % 8 == 0 ? 1 : 2 }
    static func isPointwise(_ g: ConvGeometry) -> Bool {
        g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0
            && g.outH == g.inH && g.outW == g.inW
    }
    static func colBytes(_ g: ConvGeometry) -> Int { (g.kH * g.kW * g.inC + 7) / 8 * 8 * 2 }

    init(model: TFLiteModel, op: OpDef, g: ConvGeometry, act: FusedActivation, bind: OpBinding,
         pool: ConstPool) throws(ModelError) {
        let inT = model.tensors[op.inputs[0]], fT = model.tensors[op.inputs[1]]
        let outT = model.tensors[op.outputs[0]]
        self.g = g
        depth = g.kH * g.kW * g.inC
        paddedDepth = (depth + 7) / 8 * 8
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
        var w16 = [Int16](repeating: 0, count: g.outC * paddedDepth)
        for oc in 0..<g.outC {
            for k in 0..<depth { w16[oc * paddedDepth + k] = Int16(w8[oc * depth + k]) }
        }
        weights = UnsafePointer(pool.store(w16))
        bias = UnsafePointer(pool.store(b32))
        let (m, s) = try perChannelMultipliers(input: inT, filter: fT, output: outT, channels: g.outC, op: op)
        requant = RequantTable(mult: m, shift: s, pool: pool)
        inputZeroPoint = Int16(inT.zeroPoint)
        outputOffset = outT.zeroPoint
        (actMin, actMax) = Quantization.activationRange(act, scale: outT.scale, zeroPoint: outT.zeroPoint)
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
        col = bind.scratch.assumingMemoryBound(to: Int16.self)
        acc = (bind.scratch + Self.colRows(g) * Self.colBytes(g)).assumingMemoryBound(to: Int32.self)
        pointwise = Self.isPointwise(g)
    }

    /// The same convolution (weights, bias, requantization and scratch shared) with geometry `r`
    /// over other memory: streaming execution's kernel for the newest rows of a tensor.
    func rebound(_ r: ConvGeometry, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) -> Conv2DKernel {
        var k = self
        k.g = r
        k.input = input.assumingMemoryBound(to: Int8.self)
        k.output = output.assumingMemoryBound(to: Int8.self)
        k.pointwise = Self.isPointwise(r)
        return k
    }

    func run() {
        if g.outC % 4 == 0 && requant.rightOnly {
            // The two-pixel tile: straight from the input for a 1×1 convolution whose depth is a
            // multiple of 8, else through two zero-padded im2col rows (e.g. 52 or 60 channels).
            if pointwise && depth % 8 == 0 { runPointwise(); return }
            runIm2col(); return
        }
        let g = self.g
        let depth = self.depth, pd = paddedDepth, outC = g.outC
        for k in depth..<pd { col[k] = 0 }
        var out = output
        for b in 0..<g.batches {
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    if pointwise {
                        let src = input + ((b * g.inH + oy) * g.inW + ox) * g.inC
                        for k in 0..<depth { col[k] = Int16(src[k]) }
                    } else {
                        gather(b, oy, ox, into: col)
                    }
                    gemv16(col, weights, pd, outC, bias, acc)
                    requant.run(acc, out, channel: 0, count: outC, outputOffset: outputOffset, lo: actMin, hi: actMax)
                    out += outC
                }
            }
        }
    }

    /// 1×1 convolution with the depth a multiple of 8: two pixels × four output channels at a time
    /// straight from the int8 input (widened in registers, no im2col copy).
    private func runPointwise() {
        let K = depth, C = g.outC
        let pixels = g.batches &* g.outH &* g.outW
        var p = 0
        while p < pixels {
            let q = p &+ 1 < pixels ? p &+ 1 : p
            tile2(Int8Row(base: input + p &* K), Int8Row(base: input + q &* K), depth: K,
                  out0: output + p &* C, out1: q != p ? output + q &* C : nil)
            p &+= 2
        }
    }

    /// Any other convolution (requantization without left shifts, output depth a multiple of 4):
    /// two pixels' im2col rows, then the same two-pixel tile.
    private func runIm2col() {
        let g = self.g
        let pd = paddedDepth, C = g.outC
        let col1 = col + pd
        for k in depth..<pd { col[k] = 0; col1[k] = 0 }
        let pixels = g.batches &* g.outH &* g.outW
        var p = 0
        while p < pixels {
            let q = p &+ 1 < pixels ? p &+ 1 : p
            gather(p / (g.outH &* g.outW), p / g.outW % g.outH, p % g.outW, into: col)
            if q != p { gather(q / (g.outH &* g.outW), q / g.outW % g.outH, q % g.outW, into: col1) }
            tile2(Int16Row(base: UnsafePointer(col)), Int16Row(base: UnsafePointer(col1)), depth: pd,
                  out0: output + p &* C, out1: q != p ? output + q &* C : nil)
            p &+= 2
        }
    }

    /// out = requant(bias + W·x) for two input rows (depth a multiple of 8) and every output
    /// channel, four channels at a time: each weight load serves both pixels, each input load
    /// four channels (8 accumulators in registers), requantized from registers. `out1` nil: one pixel.
    @inline(__always)
    private func tile2<R: KernelRow>(_ x0: R, _ x1: R, depth K: Int, out0: UnsafeMutablePointer<Int8>,
                                     out1: UnsafeMutablePointer<Int8>?) {
        let C = g.outC, pd = paddedDepth
        let off = SIMD4<Int32>(repeating: outputOffset)
        let lo = SIMD4<Int32>(repeating: actMin), hi = SIMD4<Int32>(repeating: actMax)
        @inline(__always) func finish(_ s: SIMD4<Int32>, _ r: Int, _ dst: UnsafeMutablePointer<Int8>) {
            let v = clamp4(requant.run4(s &+ UnsafeRawPointer(bias + r).loadUnaligned(as: SIMD4<Int32>.self), r) &+ off, lo, hi)
            UnsafeMutableRawPointer(dst + r).storeBytes(of: SIMD4<Int8>(truncatingIfNeeded: v), as: SIMD4<Int8>.self)
        }
        var r = 0
        while r < C {
            let w0 = weights + r &* pd, w1 = w0 + pd, w2 = w1 + pd, w3 = w2 + pd
            var a0 = SIMD4<Int32>(), a1 = SIMD4<Int32>(), a2 = SIMD4<Int32>(), a3 = SIMD4<Int32>()
            var b0 = SIMD4<Int32>(), b1 = SIMD4<Int32>(), b2 = SIMD4<Int32>(), b3 = SIMD4<Int32>()
            var k = 0
            while k < K {
                let u = x0.load(k), v = x1.load(k)
                var w = load8(w0 + k); a0 &+= madd(u, w); b0 &+= madd(v, w)
                w = load8(w1 + k); a1 &+= madd(u, w); b1 &+= madd(v, w)
                w = load8(w2 + k); a2 &+= madd(u, w); b2 &+= madd(v, w)
                w = load8(w3 + k); a3 &+= madd(u, w); b3 &+= madd(v, w)
                k &+= 8
            }
            finish(reduce4(a0, a1, a2, a3), r, out0)
            if let out1 { finish(reduce4(b0, b1, b2, b3), r, out1) }
            r &+= 4
        }
    }

    /// Fills the im2col row for one output pixel: per kernel row, the taps outside the input hold
    /// the input zero point and the inside ones are copied (one contiguous run when dilation is 1).
    @inline(__always)
    private func gather(_ b: Int, _ oy: Int, _ ox: Int, into row: UnsafeMutablePointer<Int16>) {
        let g = self.g
        let inC = g.inC
        let rowLen = g.kW &* inC
        var dst = row
        let y0 = oy &* g.strideH &- g.padH, x0 = ox &* g.strideW &- g.padW
        // Taps [kx0, kx1) of a kernel row fall inside the input width.
        let kx0 = max(0, (-x0 &+ g.dilW &- 1) / g.dilW), kx1 = max(kx0, min(g.kW, (g.inW &- x0 &+ g.dilW &- 1) / g.dilW))
        for ky in 0..<g.kH {
            let iy = y0 &+ ky &* g.dilH
            if iy < 0 || iy >= g.inH || kx0 == kx1 {
                for k in 0..<rowLen { dst[k] = inputZeroPoint }
            } else {
                for k in 0..<(kx0 &* inC) { dst[k] = inputZeroPoint }
                for k in (kx1 &* inC)..<rowLen { dst[k] = inputZeroPoint }
                let rowBase = input + ((b &* g.inH &+ iy) &* g.inW &+ x0) &* inC
                if g.dilW == 1 {
                    let src = rowBase + kx0 &* inC
                    let d = dst + kx0 &* inC
                    for k in 0..<((kx1 &- kx0) &* inC) { d[k] = Int16(src[k]) }
                } else {
                    for kx in kx0..<kx1 {
                        let src = rowBase + kx &* g.dilW &* inC
                        let d = dst + kx &* inC
                        for c in 0..<inC { d[c] = Int16(src[c]) }
                    }
                }
            }
            dst += rowLen
        }
    }
}

/// A row of a convolution's input as Int16 lanes, eight at a time.
protocol KernelRow {
    /// Elements k ..< k + 8, widened to Int16.
    func load(_ k: Int) -> SIMD8<Int16>
}

/// An int8 row (a pixel's channels), sign-extended in registers.
struct Int8Row: KernelRow {
    let base: UnsafePointer<Int8>
    @inline(__always)
    func load(_ k: Int) -> SIMD8<Int16> {
        // Each byte doubled into a 16-bit lane, then shifted down arithmetically: the sign
        // extension as punpcklbw + psraw (the plain conversion compiles to a longer sequence here).
        let b = UnsafeRawPointer(base + k).loadUnaligned(as: SIMD8<Int8>.self)
        let d = SIMD16<Int8>(b[0], b[0], b[1], b[1], b[2], b[2], b[3], b[3], b[4], b[4], b[5], b[5], b[6], b[6], b[7], b[7])
        return unsafeBitCast(d, to: SIMD8<Int16>.self) &>> 8
    }
}

/// An Int16 row (an im2col row).
struct Int16Row: KernelRow {
    let base: UnsafePointer<Int16>
    @inline(__always)
    func load(_ k: Int) -> SIMD8<Int16> { load8(base + k) }
}
