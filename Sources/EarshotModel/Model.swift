// Reading a .tflite file into checked tensor and operator descriptions.

/// Quantization parameters of one tensor.
public struct TensorQuantization: Sendable, Equatable {
    /// Scales, one per channel (or one for per-tensor quantization).
    public var scales: [Float]
    /// Zero points, one per scale.
    public var zeroPoints: [Int64]
    /// Dimension that the channels run along.
    public var quantizedDimension: Int
}

/// One tensor of the model's graph.
struct TensorDef {
    let index: Int
    let name: String
    let shape: [Int]
    let type: Int8
    let elementCount: Int
    /// Byte range of constant data inside the model bytes; nil for activations.
    let data: Range<Int>?
    let quant: TensorQuantization?

    var typeName: String { TensorTypeCode.name(type) }
    var scale: Float { quant?.scales.first ?? 0 }
    var zeroPoint: Int32 { Int32(truncatingIfNeeded: quant?.zeroPoints.first ?? 0) }
    var byteCount: Int { elementCount * (TensorTypeCode.size(type) ?? 1) }
}

/// Geometry of a convolution (CONV_2D / DEPTHWISE_CONV_2D), validated.
struct ConvGeometry {
    var batches = 1, inH = 1, inW = 1, inC = 1, outH = 1, outW = 1, outC = 1
    var kH = 1, kW = 1, strideH = 1, strideW = 1, dilH = 1, dilW = 1, padH = 0, padW = 0
    var depthMultiplier = 1
    var padding = PaddingKind.same
}

/// Geometry of a fully connected layer, validated.
struct FCGeometry {
    var batches = 1, inDepth = 1, outDepth = 1
}

/// The parameters of one supported operator.
enum OpParams {
    case conv(ConvGeometry, FusedActivation)
    case depthwise(ConvGeometry, FusedActivation)
    case averagePool(ConvGeometry, FusedActivation)
    case maxPool(ConvGeometry, FusedActivation)
    case fullyConnected(FCGeometry, FusedActivation)
    case softmax(beta: Float)
    case logistic
    case reshape
}

/// One operator of the graph, validated.
struct OpDef {
    let index: Int
    let code: Int32
    let name: String
    /// Tensor indices; -1 marks an omitted optional input.
    let inputs: [Int]
    let outputs: [Int]
    let params: OpParams
}

/// Limits that keep hostile files from asking for absurd amounts of memory.
enum ModelLimits {
    static let maxElements = 1 << 26
    static let maxRank = 6
}

/// A TFLite model read into memory and checked.
///
/// Every offset, length and index of the flatbuffer is checked before use, every operator is
/// checked against the kernels this runtime has, and every tensor shape against the shapes the
/// operators produce. A bad file gives a `ModelError`, never a crash.
public final class TFLiteModel: @unchecked Sendable {
    /// The model bytes (owned; constant tensors point into them).
    let storage: UnsafeMutableRawBufferPointer
    /// Schema version field.
    public let version: UInt32
    /// Description string of the model, if any.
    public let modelDescription: String
    /// Metadata entries: name → buffer bytes (e.g. a feature configuration carried in the file).
    public let metadata: [String: [UInt8]]
    let tensors: [TensorDef]
    let ops: [OpDef]
    let inputs: [Int]
    let outputs: [Int]

    /// Reads and validates a model from bytes.
    public init(bytes: [UInt8]) throws(ModelError) {
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { src in
            if src.count > 0, let s = src.baseAddress, let d = raw.baseAddress {
                d.copyMemory(from: s, byteCount: src.count)
            }
        }
        storage = raw
        let parsed: Parsed
        do {
            parsed = try Parser(FlatBuffer(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<bytes.count]))).parse()
        } catch {
            raw.deallocate()
            throw error
        }
        version = parsed.version
        modelDescription = parsed.description
        metadata = parsed.metadata
        tensors = parsed.tensors
        ops = parsed.ops
        inputs = parsed.inputs
        outputs = parsed.outputs
    }

    /// Reads and validates a model file.
    public convenience init(path: String) throws(ModelError) {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw error
        }
        try self.init(bytes: bytes)
    }

    deinit { storage.deallocate() }

    /// Information about the graph's inputs.
    public var inputInfos: [TensorInfo] { inputs.map { TensorInfo(tensors[$0]) } }
    /// Information about the graph's outputs.
    public var outputInfos: [TensorInfo] { outputs.map { TensorInfo(tensors[$0]) } }

    /// Constant data of a tensor as a typed pointer into the model bytes.
    func constant<T>(_ t: TensorDef, as: T.Type) -> UnsafePointer<T>? {
        guard let r = t.data, let base = storage.baseAddress else { return nil }
        return UnsafeRawPointer(base + r.lowerBound).assumingMemoryBound(to: T.self)
    }

    /// Constant data copied into an array (init-time only).
    func constantArray<T>(_ t: TensorDef, as: T.Type) -> [T] {
        guard let r = t.data, let base = storage.baseAddress else { return [] }
        let n = r.count / MemoryLayout<T>.stride
        var out = [T]()
        out.reserveCapacity(n)
        for i in 0..<n {
            out.append(UnsafeRawPointer(base).loadUnaligned(fromByteOffset: r.lowerBound + i * MemoryLayout<T>.stride, as: T.self))
        }
        return out
    }
}

/// Reads a whole file with the C library.
func readFile(_ path: String) throws(ModelError) -> [UInt8] {
    guard let f = fopen(path, "rb") else {
        throw ModelError("\(path): cannot open (\(String(cString: strerror(errno))))")
    }
    defer { fclose(f) }
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, f) }
        if n > 0 { out.append(contentsOf: chunk[0..<n]) }
        if n < 65536 {
            if ferror(f) != 0 { throw ModelError("\(path): read error") }
            break
        }
        if out.count > 256 << 20 { throw ModelError("\(path): larger than 256 MB") }
    }
    return out
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Parsed {
    var version: UInt32 = 0
    var description = ""
    var metadata: [String: [UInt8]] = [:]
    var tensors: [TensorDef] = []
    var ops: [OpDef] = []
    var inputs: [Int] = []
    var outputs: [Int] = []
}

/// Turns the flatbuffer into checked definitions.
struct Parser {
    let fb: FlatBuffer
    init(_ fb: FlatBuffer) { self.fb = fb }

    func parse() throws(ModelError) -> Parsed {
        guard fb.count >= 8 else { throw ModelError("file too short (\(fb.count) bytes) for a TFLite model") }
        let ident = (4..<8).map { fb.bytes[$0] }
        guard ident == Array("TFL3".utf8) else {
            throw ModelError("not a TFLite model (file identifier is not TFL3)")
        }
        var p = Parsed()
        let root = try fb.root()
        p.version = try root.u32(0)
        guard p.version == 3 else { throw ModelError("unsupported schema version \(p.version) (expected 3)") }
        p.description = try root.string(3, "model description") ?? ""

        // Buffers: byte ranges inside the file.
        let bufferTables = try root.tables(4, "buffers")
        var buffers: [Range<Int>] = []
        buffers.reserveCapacity(bufferTables.count)
        for (i, b) in bufferTables.enumerated() {
            if let v = try b.vector(0, elementSize: 1, "buffer \(i) data") {
                buffers.append(v.start..<(v.start + v.count))
            } else {
                let off = try b.u64(1), size = try b.u64(2)
                if off > 1 {
                    guard off <= UInt64(fb.count), size <= UInt64(fb.count) - off else {
                        throw ModelError("buffer \(i) (offset \(off), \(size) bytes) lies outside the \(fb.count)-byte file")
                    }
                    buffers.append(Int(off)..<Int(off + size))
                } else {
                    buffers.append(0..<0)
                }
            }
        }

        // Metadata.
        for (i, m) in try root.tables(6, "metadata").enumerated() {
            let name = try m.string(0, "metadata \(i) name") ?? ""
            let bi = Int(try m.u32(1))
            guard bi < buffers.count else {
                throw ModelError("metadata '\(name)' refers to buffer \(bi) but the model has \(buffers.count)")
            }
            p.metadata[name] = Array(UnsafeRawBufferPointer(rebasing: fb.bytes[buffers[bi]]))
        }

        // Operator codes.
        var codes: [Int32] = []
        for (i, c) in try root.tables(1, "operator code").enumerated() {
            let deprecated = Int32(try c.i8(0))
            let builtin = try c.i32(3)
            var code = max(deprecated, builtin)
            if code == 32 /* CUSTOM */ {
                let custom = try c.string(1, "operator code \(i) custom name") ?? "?"
                throw ModelError("unsupported custom op '\(custom)' (operator code \(i))")
            }
            if code < 0 { code = builtin }
            codes.append(code)
        }

        let subgraphs = try root.tables(2, "subgraphs")
        guard subgraphs.count == 1 else {
            throw ModelError("model has \(subgraphs.count) subgraphs; exactly 1 is supported")
        }
        let sg = subgraphs[0]

        // Tensors.
        let tensorTables = try sg.tables(0, "tensors")
        guard !tensorTables.isEmpty else { throw ModelError("model has no tensors") }
        for (i, t) in tensorTables.enumerated() {
            p.tensors.append(try tensor(i, t, buffers))
        }
        func checkIndex(_ x: Int32, _ what: String) throws(ModelError) -> Int {
            guard x >= 0, Int(x) < p.tensors.count else {
                throw ModelError("\(what) refers to tensor \(x) but the model has \(p.tensors.count)")
            }
            return Int(x)
        }
        for x in try sg.int32s(1, "subgraph inputs") ?? [] { p.inputs.append(try checkIndex(x, "graph input")) }
        for x in try sg.int32s(2, "subgraph outputs") ?? [] { p.outputs.append(try checkIndex(x, "graph output")) }
        guard !p.inputs.isEmpty, !p.outputs.isEmpty else { throw ModelError("model graph has no inputs or no outputs") }

        // Operators.
        let opTables = try sg.tables(3, "operators")
        guard !opTables.isEmpty else { throw ModelError("model graph has no operators") }
        var written = Set(p.inputs)
        for (i, o) in opTables.enumerated() {
            let ci = Int(try o.u32(0))
            guard ci < codes.count else {
                throw ModelError("operator \(i) uses operator code \(ci) but the model has \(codes.count)")
            }
            let code = codes[ci]
            let name = BuiltinOp.name(code)
            var ins: [Int] = []
            for x in try o.int32s(1, "operator \(i) inputs") ?? [] {
                if x == -1 { ins.append(-1); continue }
                ins.append(try checkIndex(x, "\(name) (operator \(i)) input"))
            }
            var outs: [Int] = []
            for x in try o.int32s(2, "operator \(i) outputs") ?? [] {
                outs.append(try checkIndex(x, "\(name) (operator \(i)) output"))
            }
            // Dataflow: inputs must be constants, graph inputs or earlier outputs; outputs written once.
            for x in ins where x >= 0 {
                let t = p.tensors[x]
                guard t.data != nil || written.contains(x) else {
                    throw ModelError("\(name) (operator \(i)) reads tensor \(x) '\(t.name)' before anything writes it")
                }
            }
            for x in outs {
                guard p.tensors[x].data == nil, !written.contains(x) else {
                    throw ModelError("\(name) (operator \(i)) writes tensor \(x) '\(p.tensors[x].name)' which is constant or already written")
                }
                written.insert(x)
            }
            let params = try OpValidator(tensors: p.tensors, index: i, code: code, name: name,
                                         inputs: ins, outputs: outs, options: o).validate()
            p.ops.append(OpDef(index: i, code: code, name: name, inputs: ins, outputs: outs, params: params))
        }
        for x in p.outputs where !written.contains(x) && p.tensors[x].data == nil {
            throw ModelError("graph output tensor \(x) '\(p.tensors[x].name)' is never written")
        }
        for x in p.inputs + p.outputs {
            let t = p.tensors[x]
            guard t.type == TensorTypeCode.int8 else {
                throw ModelError("unsupported tensor type \(t.typeName) for graph input/output '\(t.name)' (int8 only)")
            }
        }
        return p
    }

    func tensor(_ i: Int, _ t: FBTable, _ buffers: [Range<Int>]) throws(ModelError) -> TensorDef {
        let name = try t.string(3, "tensor \(i) name") ?? "tensor\(i)"
        let shape32 = try t.int32s(0, "tensor \(i) shape") ?? []
        guard shape32.count <= ModelLimits.maxRank else {
            throw ModelError("tensor '\(name)' has rank \(shape32.count) (at most \(ModelLimits.maxRank))")
        }
        var elements = 1
        var shape: [Int] = []
        for d in shape32 {
            guard d >= 1 else { throw ModelError("tensor '\(name)' has dimension \(d) (dimensions must be ≥ 1)") }
            let (e, o) = elements.multipliedReportingOverflow(by: Int(d))
            guard !o, e <= ModelLimits.maxElements else {
                throw ModelError("tensor '\(name)' is too large (shape \(shape32))")
            }
            elements = e
            shape.append(Int(d))
        }
        let type = try t.i8(1)
        if try t.field(6, size: 4) != nil {
            throw ModelError("tensor '\(name)' is sparse; sparse tensors are not supported")
        }
        if try t.u8(5) != 0 { throw ModelError("tensor '\(name)' is a variable tensor; not supported") }
        let bi = Int(try t.u32(2))
        guard bi < max(buffers.count, 1) else {
            throw ModelError("tensor '\(name)' refers to buffer \(bi) but the model has \(buffers.count)")
        }
        var data: Range<Int>? = nil
        if bi < buffers.count, !buffers[bi].isEmpty {
            let r = buffers[bi]
            guard let size = TensorTypeCode.size(type) else {
                throw ModelError("unsupported tensor type \(TensorTypeCode.name(type)) for constant tensor '\(name)'")
            }
            guard r.count == elements * size else {
                throw ModelError("tensor '\(name)' has \(r.count) data bytes but its shape \(shape) needs \(elements * size)")
            }
            data = r
        }
        var quant: TensorQuantization? = nil
        if let q = try t.table(4, "tensor '\(name)' quantization") {
            if try q.u8(4) != 0 { throw ModelError("tensor '\(name)' uses custom quantization; not supported") }
            let scales = try q.floats(2, "tensor '\(name)' scales") ?? []
            let zps = try q.int64s(3, "tensor '\(name)' zero points") ?? []
            if !scales.isEmpty {
                guard zps.count == scales.count || zps.isEmpty else {
                    throw ModelError("tensor '\(name)' has \(scales.count) scales but \(zps.count) zero points")
                }
                let qd = Int(try q.i32(6))
                guard qd >= 0, qd < max(shape.count, 1) else {
                    throw ModelError("tensor '\(name)' quantized dimension \(qd) is outside its rank \(shape.count)")
                }
                quant = TensorQuantization(scales: scales, zeroPoints: zps.isEmpty ? Array(repeating: 0, count: scales.count) : zps,
                                           quantizedDimension: qd)
            }
        }
        return TensorDef(index: i, name: name, shape: shape, type: type, elementCount: elements, data: data, quant: quant)
    }
}

/// Checks one operator's tensors and options and computes its geometry.
struct OpValidator {
    let tensors: [TensorDef]
    let index: Int
    let code: Int32
    let name: String
    let inputs: [Int]
    let outputs: [Int]
    let options: FBTable

    var here: String { "\(name) (operator \(index))" }

    func fail(_ s: String) -> ModelError { ModelError("\(here): \(s)") }

    func input(_ k: Int, optional: Bool = false) throws(ModelError) -> TensorDef? {
        guard k < inputs.count, inputs[k] >= 0 else {
            if optional { return nil }
            throw fail("missing input \(k)")
        }
        return tensors[inputs[k]]
    }

    func required(_ k: Int) throws(ModelError) -> TensorDef {
        guard k < inputs.count, inputs[k] >= 0 else { throw fail("missing input \(k)") }
        return tensors[inputs[k]]
    }

    func activation(_ t: TensorDef, _ role: String) throws(ModelError) -> TensorDef {
        guard t.type == TensorTypeCode.int8 else {
            throw fail("unsupported tensor type \(t.typeName) for \(role) '\(t.name)' (int8 only)")
        }
        guard let q = t.quant, let s = q.scales.first, s.isFinite, s > 0 else {
            throw fail("\(role) '\(t.name)' is not quantized")
        }
        let zp = q.zeroPoints.first ?? 0
        guard zp >= -128, zp <= 127 else { throw fail("\(role) '\(t.name)' zero point \(zp) is outside int8") }
        return t
    }

    func optionsTable(_ type: UInt8) throws(ModelError) -> FBTable? {
        let actual = try options.u8(3)
        guard let t = try options.table(4, "\(here) options") else { return nil }
        guard actual == type else { throw fail("builtin options have type \(actual), expected \(type)") }
        return t
    }

    func fused(_ raw: Int8) throws(ModelError) -> FusedActivation {
        guard let a = FusedActivation(rawValue: raw) else {
            throw fail("unsupported fused activation \(raw)")
        }
        return a
    }

    func padding(_ raw: Int8) throws(ModelError) -> PaddingKind {
        guard let p = PaddingKind(rawValue: raw) else { throw fail("unknown padding \(raw)") }
        return p
    }

    func validate() throws(ModelError) -> OpParams {
        guard outputs.count == 1 else { throw fail("has \(outputs.count) outputs, expected 1") }
        let out = try activation(tensors[outputs[0]], "output")
        switch code {
        case BuiltinOp.conv2D, BuiltinOp.depthwiseConv2D:
            return try convolution(out, depthwise: code == BuiltinOp.depthwiseConv2D)
        case BuiltinOp.averagePool2D, BuiltinOp.maxPool2D:
            return try pool(out, average: code == BuiltinOp.averagePool2D)
        case BuiltinOp.fullyConnected:
            return try fullyConnected(out)
        case BuiltinOp.softmax:
            let inp = try activation(try required(0), "input")
            guard inp.elementCount == out.elementCount, inp.shape.last == out.shape.last, !inp.shape.isEmpty else {
                throw fail("input shape \(inp.shape) and output shape \(out.shape) differ")
            }
            guard out.zeroPoint == -128, out.scale == 1.0 / 256 else {
                throw fail("int8 output must have scale 1/256 and zero point -128")
            }
            let beta = try optionsTable(OptionsType.softmax)?.f32(0) ?? 0
            guard beta.isFinite else { throw fail("beta \(beta) is not finite") }
            return .softmax(beta: beta)
        case BuiltinOp.logistic:
            let inp = try activation(try required(0), "input")
            guard inp.elementCount == out.elementCount else {
                throw fail("input shape \(inp.shape) and output shape \(out.shape) differ")
            }
            guard out.zeroPoint == -128, out.scale == 1.0 / 256 else {
                throw fail("int8 output must have scale 1/256 and zero point -128")
            }
            return .logistic
        case BuiltinOp.reshape:
            let inp = try activation(try required(0), "input")
            guard inp.elementCount == out.elementCount else {
                throw fail("cannot reshape \(inp.shape) (\(inp.elementCount) elements) to \(out.shape)")
            }
            guard inp.scale == out.scale, inp.zeroPoint == out.zeroPoint else {
                throw fail("input and output quantization differ")
            }
            return .reshape
        default:
            throw ModelError("unsupported op \(name) (builtin \(code)) at operator \(index)")
        }
    }

    func dims4(_ t: TensorDef, _ role: String) throws(ModelError) -> [Int] {
        guard t.shape.count == 4 else { throw fail("\(role) '\(t.name)' has shape \(t.shape), expected rank 4") }
        return t.shape
    }

    func checkFilterQuant(_ f: TensorDef, channels: Int, dim: Int) throws(ModelError) {
        guard f.type == TensorTypeCode.int8 else {
            throw fail("unsupported tensor type \(f.typeName) for weights '\(f.name)' (int8 only)")
        }
        guard f.data != nil else { throw fail("weights '\(f.name)' are not constant") }
        guard let q = f.quant else { throw fail("weights '\(f.name)' are not quantized") }
        guard q.scales.count == 1 || (q.scales.count == channels && q.quantizedDimension == dim) else {
            throw fail("weights '\(f.name)' have \(q.scales.count) scales for \(channels) channels")
        }
        for s in q.scales where !(s.isFinite && s > 0) {
            throw fail("weights '\(f.name)' have scale \(s)")
        }
        for z in q.zeroPoints where z != 0 {
            throw fail("weights '\(f.name)' have zero point \(z); int8 weights must be symmetric")
        }
    }

    func checkBias(_ b: TensorDef?, channels: Int) throws(ModelError) {
        guard let b else { return }
        guard b.type == TensorTypeCode.int32 else {
            throw fail("unsupported tensor type \(b.typeName) for bias '\(b.name)' (int32 only)")
        }
        guard b.data != nil, b.elementCount == channels else {
            throw fail("bias '\(b.name)' must be a constant of \(channels) values, has shape \(b.shape)")
        }
    }

    static func outSize(_ padding: PaddingKind, _ inSize: Int, _ filter: Int, _ stride: Int, _ dilation: Int) -> Int {
        let eff = (filter - 1) * dilation + 1
        switch padding {
        case .same: return (inSize + stride - 1) / stride
        case .valid: return (inSize + stride - eff) / stride
        }
    }

    static func pad(_ stride: Int, _ dilation: Int, _ inSize: Int, _ filter: Int, _ outSize: Int) -> Int {
        let eff = (filter - 1) * dilation + 1
        let p = ((outSize - 1) * stride + eff - inSize) / 2
        return max(p, 0)
    }

    func convolution(_ out: TensorDef, depthwise: Bool) throws(ModelError) -> OpParams {
        let inp = try activation(try required(0), "input")
        let filter = try required(1)
        let bias = try input(2, optional: true)
        let id = try dims4(inp, "input"), od = try dims4(out, "output"), fd = try dims4(filter, "weights")
        var g = ConvGeometry()
        g.batches = id[0]; g.inH = id[1]; g.inW = id[2]; g.inC = id[3]
        g.kH = fd[1]; g.kW = fd[2]
        let act: FusedActivation
        let strideW: Int32, strideH: Int32, dilW: Int32, dilH: Int32
        if depthwise {
            let o = try optionsTable(OptionsType.depthwiseConv2D)
            g.padding = try padding(try o?.i8(0) ?? 0)
            strideW = try o?.i32(1) ?? 0; strideH = try o?.i32(2) ?? 0
            act = try fused(try o?.i8(4) ?? 0)
            dilW = try o?.i32(5, default: 1) ?? 1; dilH = try o?.i32(6, default: 1) ?? 1
            guard fd[0] == 1 else { throw fail("depthwise weights '\(filter.name)' have shape \(fd)") }
            g.outC = fd[3]
            guard g.outC % g.inC == 0 else {
                throw fail("output depth \(g.outC) is not a multiple of input depth \(g.inC)")
            }
            g.depthMultiplier = g.outC / g.inC
            try checkFilterQuant(filter, channels: g.outC, dim: 3)
        } else {
            let o = try optionsTable(OptionsType.conv2D)
            g.padding = try padding(try o?.i8(0) ?? 0)
            strideW = try o?.i32(1) ?? 0; strideH = try o?.i32(2) ?? 0
            act = try fused(try o?.i8(3) ?? 0)
            dilW = try o?.i32(4, default: 1) ?? 1; dilH = try o?.i32(5, default: 1) ?? 1
            g.outC = fd[0]
            guard fd[3] == g.inC else {
                throw fail("weights '\(filter.name)' depth \(fd[3]) differs from input depth \(g.inC)")
            }
            try checkFilterQuant(filter, channels: g.outC, dim: 0)
        }
        guard (1...64).contains(strideW), (1...64).contains(strideH) else { throw fail("bad strides \(strideH)×\(strideW)") }
        guard (1...64).contains(dilW), (1...64).contains(dilH) else { throw fail("bad dilation \(dilH)×\(dilW)") }
        g.strideW = Int(strideW); g.strideH = Int(strideH); g.dilW = Int(dilW); g.dilH = Int(dilH)
        try checkBias(bias, channels: g.outC)
        g.outH = Self.outSize(g.padding, g.inH, g.kH, g.strideH, g.dilH)
        g.outW = Self.outSize(g.padding, g.inW, g.kW, g.strideW, g.dilW)
        guard od == [g.batches, g.outH, g.outW, g.outC] else {
            throw fail("output shape \(od) differs from the computed [\(g.batches), \(g.outH), \(g.outW), \(g.outC)]")
        }
        g.padH = Self.pad(g.strideH, g.dilH, g.inH, g.kH, g.outH)
        g.padW = Self.pad(g.strideW, g.dilW, g.inW, g.kW, g.outW)
        return depthwise ? .depthwise(g, act) : .conv(g, act)
    }

    func pool(_ out: TensorDef, average: Bool) throws(ModelError) -> OpParams {
        let inp = try activation(try required(0), "input")
        let id = try dims4(inp, "input"), od = try dims4(out, "output")
        let o = try optionsTable(OptionsType.pool2D)
        var g = ConvGeometry()
        g.padding = try padding(try o?.i8(0) ?? 0)
        let sw = try o?.i32(1) ?? 0, sh = try o?.i32(2) ?? 0
        let fw = try o?.i32(3) ?? 0, fh = try o?.i32(4) ?? 0
        let act = try fused(try o?.i8(5) ?? 0)
        guard (1...64).contains(sw), (1...64).contains(sh) else { throw fail("bad strides \(sh)×\(sw)") }
        guard (1...4096).contains(fw), (1...4096).contains(fh) else { throw fail("bad filter size \(fh)×\(fw)") }
        g.batches = id[0]; g.inH = id[1]; g.inW = id[2]; g.inC = id[3]; g.outC = id[3]
        g.kH = Int(fh); g.kW = Int(fw); g.strideH = Int(sh); g.strideW = Int(sw)
        g.outH = Self.outSize(g.padding, g.inH, g.kH, g.strideH, 1)
        g.outW = Self.outSize(g.padding, g.inW, g.kW, g.strideW, 1)
        guard od == [g.batches, g.outH, g.outW, g.outC] else {
            throw fail("output shape \(od) differs from the computed [\(g.batches), \(g.outH), \(g.outW), \(g.outC)]")
        }
        g.padH = Self.pad(g.strideH, 1, g.inH, g.kH, g.outH)
        g.padW = Self.pad(g.strideW, 1, g.inW, g.kW, g.outW)
        return average ? .averagePool(g, act) : .maxPool(g, act)
    }

    func fullyConnected(_ out: TensorDef) throws(ModelError) -> OpParams {
        let inp = try activation(try required(0), "input")
        let filter = try required(1)
        let bias = try input(2, optional: true)
        guard filter.shape.count == 2 else { throw fail("weights '\(filter.name)' have shape \(filter.shape), expected rank 2") }
        var g = FCGeometry()
        g.outDepth = filter.shape[0]; g.inDepth = filter.shape[1]
        try checkFilterQuant(filter, channels: g.outDepth, dim: 0)
        try checkBias(bias, channels: g.outDepth)
        let o = try optionsTable(OptionsType.fullyConnected)
        let act = try fused(try o?.i8(0) ?? 0)
        if let o, try o.i8(1) != 0 { throw fail("shuffled weights format is not supported") }
        guard inp.elementCount % g.inDepth == 0 else {
            throw fail("input has \(inp.elementCount) elements, not a multiple of depth \(g.inDepth)")
        }
        g.batches = inp.elementCount / g.inDepth
        guard out.elementCount == g.batches * g.outDepth else {
            throw fail("output shape \(out.shape) differs from \(g.batches)×\(g.outDepth)")
        }
        return .fullyConnected(g, act)
    }
}
