// SOFTMAX, int8 → int8 (bit-exact with TFLite's int8 softmax as its op resolvers, reference
// included, run it: optimized_ops::Softmax over the float table PopulateSoftmaxLookupTable builds,
// table[255 − v] = expf(−input_scale·beta·v), normalized in float and rounded to the output).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct SoftmaxKernel {
    let input: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let table: UnsafePointer<Float>
    let rows: Int
    let depth: Int
    let outputScale: Float
    let outputZeroPoint: Int32

    init(model: TFLiteModel, op: OpDef, beta: Float, bind: OpBinding, pool: ConstPool) {
        let inT = model.tensors[op.inputs[0]], outT = model.tensors[op.outputs[0]]
        let scale: Float = -inT.scale * beta
        var t = [Float](repeating: 0, count: 256)
        for v in 0...255 { t[255 - v] = expf(scale * Float(v)) }
        table = UnsafePointer(pool.store(t))
        depth = inT.shape.last ?? 1
        rows = inT.elementCount / max(depth, 1)
        outputScale = outT.scale
        outputZeroPoint = outT.zeroPoint
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
    }

    func run() {
        var src = input, out = output
        for _ in 0..<rows {
            var maxVal: Int32 = -128
            for j in 0..<depth { maxVal = max(maxVal, Int32(src[j])) }
            let t = table + Int(255 - maxVal)
            var sum: Float = 0
            for j in 0..<depth { sum += t[Int(src[j])] }
            let inv: Float = 1 / (sum * outputScale)
            for j in 0..<depth {
                let p = t[Int(src[j])] * inv
                var q = Quantization.int32Truncating(p.rounded(.toNearestOrAwayFromZero)) &+ outputZeroPoint
                q = q < -128 ? -128 : (q > 127 ? 127 : q)
                out[j] = Int8(truncatingIfNeeded: q)
            }
            src += depth
            out += depth
        }
    }
}
