// LOGISTIC (sigmoid), int8 → int8 (bit-exact with TFLite's int8 logistic as its reference and
// optimized resolvers run it: a 256-entry table built as PopulateLookupTable does, dequantize,
// 1 / (1 + expf(−x)), round to the output scale, clamp).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct LogisticKernel {
    let input: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let table: UnsafePointer<Int8>
    let count: Int

    init(model: TFLiteModel, op: OpDef, bind: OpBinding, pool: ConstPool) {
        let inT = model.tensors[op.inputs[0]], outT = model.tensors[op.outputs[0]]
        table = UnsafePointer(pool.store(Self.table(inputScale: inT.scale, inputZeroPoint: inT.zeroPoint,
                                                    outputScale: outT.scale, outputZeroPoint: outT.zeroPoint)))
        count = inT.elementCount
        input = UnsafePointer(bind.input.assumingMemoryBound(to: Int8.self))
        output = bind.output.assumingMemoryBound(to: Int8.self)
    }

    /// The lookup table indexed by the input byte (as UInt8).
    static func table(inputScale: Float, inputZeroPoint: Int32, outputScale: Float, outputZeroPoint: Int32) -> [Int8] {
        var t = [Int8](repeating: 0, count: 256)
        let inverseScale: Float = 1 / outputScale
        for v in -128...127 {
            let x: Float = inputScale * Float(Int32(v) - inputZeroPoint)
            let y: Float = 1 / (1 + expf(-x))
            let r = (y * inverseScale).rounded(.toNearestOrAwayFromZero)
            var q = Quantization.int32Truncating(r + Float(outputZeroPoint))
            q = q < -128 ? -128 : (q > 127 ? 127 : q)
            t[Int(UInt8(bitPattern: Int8(v)))] = Int8(q)
        }
        return t
    }

    func run() {
        for i in 0..<count { output[i] = table[Int(UInt8(bitPattern: input[i]))] }
    }
}
