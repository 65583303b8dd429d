// AVERAGE_POOL_2D, int8 (bit-exact with TFLite's reference_integer_ops::AveragePool): the sum of
// the in-bounds window divided by its count, rounded half away from zero, then clamped.

struct AveragePool2DKernel {
    let g: ConvGeometry
    let input: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let sum: UnsafeMutablePointer<Int32>
    let actMin: Int32
    let actMax: Int32

    /// Scratch bytes: one Int32 sum per channel.
    static func scratchBytes(_ g: ConvGeometry) -> Int { g.inC * 4 }

    init(model: TFLiteModel, op: OpDef, g: ConvGeometry, act: FusedActivation, bind: OpBinding) {
        let outT = model.tensors[op.outputs[0]]
        self.g = g
        (actMin, actMax) = Quantization.activationRange(act, scale: outT.scale, zeroPoint: outT.zeroPoint)
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
        sum = bind.scratch.assumingMemoryBound(to: Int32.self)
    }

    func run() {
        let g = self.g
        let C = g.inC
        var out = output
        for b in 0..<g.batches {
            for oy in 0..<g.outH {
                let y0 = oy * g.strideH - g.padH
                let fy0 = max(0, -y0), fy1 = min(g.kH, g.inH - y0)
                for ox in 0..<g.outW {
                    let x0 = ox * g.strideW - g.padW
                    let fx0 = max(0, -x0), fx1 = min(g.kW, g.inW - x0)
                    for c in 0..<C { sum[c] = 0 }
                    var count: Int32 = 0
                    if fy0 < fy1 && fx0 < fx1 {
                        for fy in fy0..<fy1 {
                            for fx in fx0..<fx1 {
                                let src = input + ((b * g.inH + y0 + fy) * g.inW + x0 + fx) * C
                                for c in 0..<C { sum[c] &+= Int32(src[c]) }
                                count += 1
                            }
                        }
                    }
                    let n = max(count, 1), half = n / 2
                    for c in 0..<C {
                        let s = sum[c]
                        var avg = s > 0 ? (s &+ half) / n : (s &- half) / n
                        avg = avg < actMin ? actMin : avg
                        avg = avg > actMax ? actMax : avg
                        out[c] = Int8(truncatingIfNeeded: avg)
                    }
                    out += C
                }
            }
        }
    }
}
