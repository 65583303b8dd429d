// What a model is and what it costs: tensors, operators, MACs, parameter and arena bytes.

/// A description of a model's graph and its cost per inference.
public struct ModelSummary: Sendable, Codable, Equatable {
    /// One tensor as the summary shows it.
    public struct Tensor: Sendable, Codable, Equatable {
        /// Tensor index in the graph.
        public var index: Int
        /// Tensor name.
        public var name: String
        /// Element type (schema name, e.g. INT8).
        public var type: String
        /// Shape.
        public var shape: [Int]
        /// Scale of the first quantization channel (0 when not quantized).
        public var scale: Float
        /// Zero point of the first quantization channel.
        public var zeroPoint: Int64
        /// Number of quantization channels (1 per-tensor, >1 per-channel, 0 none).
        public var channels: Int
        /// Whether the tensor is a constant stored in the model.
        public var isConstant: Bool
        /// Bytes of the tensor's data.
        public var bytes: Int
    }

    /// One operator as the summary shows it.
    public struct Op: Sendable, Codable, Equatable {
        /// Operator index in execution order.
        public var index: Int
        /// Builtin operator name (e.g. CONV_2D).
        public var name: String
        /// Options in short text form (padding, strides, activation...).
        public var options: String
        /// Input tensors (omitted optional inputs left out).
        public var inputs: [Tensor]
        /// Output tensors.
        public var outputs: [Tensor]
        /// Multiply-accumulates per inference.
        public var macs: Int
        /// Bytes of weights and bias.
        public var parameterBytes: Int
    }

    /// Graph inputs.
    public var inputs: [Tensor]
    /// Graph outputs.
    public var outputs: [Tensor]
    /// Operators in execution order.
    public var ops: [Op]
    /// Bytes of weights and biases of all operators.
    public var parameterBytes: Int
    /// Bytes of the planned activation arena (including kernel scratch).
    public var arenaBytes: Int
    /// Multiply-accumulates per inference.
    public var macsPerInference: Int
    /// Bytes of constant data (weights, biases, other constants) read per inference.
    public var weightBytesPerInference: Int
    /// Metadata entry names and their sizes in bytes.
    public var metadata: [String: Int]
    /// What streaming execution costs when the input moves on by one frame (nil: the model has no
    /// leading stride-1 VALID time convolutions, so every inference runs the whole graph).
    public var streaming: Streaming?

    /// The cost of one streaming step (`Interpreter.invoke(newFrames: 1)`).
    public struct Streaming: Sendable, Codable, Equatable {
        /// Leading operators that compute only their newest output row.
        public var ops: Int
        /// Multiply-accumulates per step of one frame.
        public var macsPerFrame: Int
        /// Arena bytes with the streamed tensors kept between steps.
        public var arenaBytes: Int
    }

    /// Summarizes a model; the arena figure is the one an Interpreter of it would plan.
    public init(model: TFLiteModel) {
        func tensor(_ i: Int) -> Tensor {
            let t = model.tensors[i]
            return Tensor(index: i, name: t.name, type: t.typeName, shape: t.shape, scale: t.quant?.scales.first ?? 0,
                          zeroPoint: t.quant?.zeroPoints.first ?? 0, channels: t.quant?.scales.count ?? 0,
                          isConstant: t.data != nil, bytes: t.byteCount)
        }
        inputs = model.inputs.map(tensor)
        outputs = model.outputs.map(tensor)
        var ops: [Op] = []
        var params = 0, macs = 0, constBytes = 0
        for op in model.ops {
            let (m, opts) = Self.cost(op)
            var p = 0
            switch op.params {
            case .conv, .depthwise, .fullyConnected:
                for x in op.inputs.dropFirst() where x >= 0 { p += model.tensors[x].byteCount }
            default: break
            }
            for x in op.inputs where x >= 0 && model.tensors[x].data != nil { constBytes += model.tensors[x].byteCount }
            params += p
            macs += m
            ops.append(Op(index: op.index, name: op.name, options: opts,
                          inputs: op.inputs.filter { $0 >= 0 }.map(tensor), outputs: op.outputs.map(tensor),
                          macs: m, parameterBytes: p))
        }
        self.ops = ops
        parameterBytes = params
        macsPerInference = macs
        weightBytesPerInference = constBytes
        arenaBytes = ArenaPlanner.plan(model).size
        metadata = model.metadata.mapValues { $0.count }
        if let plan = StreamingPlan.make(model, frames: 1) {
            streaming = Streaming(ops: plan.opCount, macsPerFrame: 0,
                                  arenaBytes: ArenaPlanner.plan(model, persistent: plan.persistent).size)
            let perFrame = streamedMACs(frames: 1) ?? 0
            streaming?.macsPerFrame = perFrame
        }
    }

    /// Summarizes the model an interpreter runs.
    public init(interpreter: Interpreter) {
        self.init(model: interpreter.model)
        arenaBytes = interpreter.arenaBytes
    }

    static func cost(_ op: OpDef) -> (Int, String) {
        func geo(_ g: ConvGeometry) -> String {
            var s = "\(g.kH)x\(g.kW) stride \(g.strideH)x\(g.strideW) \(g.padding.name)"
            if g.dilH != 1 || g.dilW != 1 { s += " dilation \(g.dilH)x\(g.dilW)" }
            return s
        }
        switch op.params {
        case .conv(let g, let a):
            return (g.batches * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC, "\(geo(g)) \(a.name)")
        case .depthwise(let g, let a):
            return (g.batches * g.outH * g.outW * g.outC * g.kH * g.kW,
                    "\(geo(g)) depth_multiplier \(g.depthMultiplier) \(a.name)")
        case .averagePool(let g, let a), .maxPool(let g, let a):
            return (0, "\(geo(g)) \(a.name)")
        case .fullyConnected(let g, let a):
            return (g.batches * g.inDepth * g.outDepth, a.name)
        case .softmax(let beta):
            return (0, "beta \(beta)")
        case .logistic, .reshape:
            return (0, "")
        }
    }
}

extension ModelSummary {
    /// Multiply-accumulates of one streamed inference when the input moves on by `frames` rows
    /// (the streamed ops compute `frames` of their output rows, the rest runs whole); nil when the
    /// model does not stream.
    public func streamedMACs(frames: Int) -> Int? {
        guard let st = streaming, frames >= 1 else { return nil }
        var total = 0
        for (i, op) in ops.enumerated() {
            if i < st.ops, let rows = op.outputs.first?.shape.dropFirst().first, rows > 0 {
                total += op.macs / rows * min(frames, rows)
            } else {
                total += op.macs
            }
        }
        return total
    }
}

extension ModelSummary.Tensor {
    /// "INT8 [1, 49, 10, 1] scale 0.5847 zp 83" style text.
    public var text: String {
        var s = "\(type) \(shape)"
        if channels == 1 { s += " scale \(scale) zp \(zeroPoint)" }
        if channels > 1 { s += " per-channel ×\(channels)" }
        return s
    }
}
