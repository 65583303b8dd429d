// MAX_POOL_2D, int8 (bit-exact with TFLite's reference_integer_ops::MaxPool): the maximum of the
// in-bounds window, clamped to the activation range.

struct MaxPool2DKernel {
    let g: ConvGeometry
    let input: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let actMin: Int8
    let actMax: Int8

    init(model: TFLiteModel, op: OpDef, g: ConvGeometry, act: FusedActivation, bind: OpBinding) {
        let outT = model.tensors[op.outputs[0]]
        self.g = g
        let (lo, hi) = Quantization.activationRange(act, scale: outT.scale, zeroPoint: outT.zeroPoint)
        actMin = Int8(clamping: lo); actMax = Int8(clamping: hi)
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
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
                    for c in 0..<C { out[c] = Int8.min }
                    if fy0 < fy1 && fx0 < fx1 {
                        for fy in fy0..<fy1 {
                            for fx in fx0..<fx1 {
                                let src = input + ((b * g.inH + y0 + fy) * g.inW + x0 + fx) * C
                                for c in 0..<C { out[c] = max(out[c], src[c]) }
                            }
                        }
                    }
                    for c in 0..<C { out[c] = min(max(out[c], actMin), actMax) }
                    out += C
                }
            }
        }
    }
}
