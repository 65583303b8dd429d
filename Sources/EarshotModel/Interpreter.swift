/// An error in a model file or in running it, with a one-line reason.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    /// Human-readable reason, naming the offending part of the model.
    public var description: String
    /// Creates an error with the given reason.
    public init(_ description: String) { self.description = description }
}

/// Quantization of one tensor (per-tensor view used by the engine).
public struct TensorInfo: Sendable {
    /// Tensor name in the model.
    public var name: String
    /// Shape.
    public var shape: [Int]
    /// Scale of the (first) quantization channel.
    public var scale: Float
    /// Zero point.
    public var zeroPoint: Int32

    init(_ t: TensorDef) {
        name = t.name
        shape = t.shape
        scale = t.scale
        zeroPoint = t.zeroPoint
    }
}

/// One prepared kernel; a closed enum so that invoke() dispatches without existentials.
enum Kernel {
    case conv(Conv2DKernel)
    case depthwise(DepthwiseConv2DKernel)
    case averagePool(AveragePool2DKernel)
    case maxPool(MaxPool2DKernel)
    case reshape(ReshapeKernel)
    case fullyConnected(FullyConnectedKernel)
    case softmax(SoftmaxKernel)
    case logistic(LogisticKernel)

    @inline(__always)
    func run() {
        switch self {
        case .conv(let k): k.run()
        case .depthwise(let k): k.run()
        case .averagePool(let k): k.run()
        case .maxPool(let k): k.run()
        case .reshape(let k): k.run()
        case .fullyConnected(let k): k.run()
        case .softmax(let k): k.run()
        case .logistic(let k): k.run()
        }
    }
}

/// Runs a model with all intermediate tensors planned into one arena allocated at init.
public final class Interpreter {
    /// The input tensor (int8).
    public let input: TensorInfo
    /// The output tensor (int8).
    public let output: TensorInfo
    /// Bytes of the planned arena (activations and kernel scratch).
    public let arenaBytes: Int
    /// The model being run.
    public let model: TFLiteModel
    /// Where each planned buffer lives: tensor index (or −1 − op index for op scratch) → arena range.
    let plan: ArenaPlan
    private let arena: UnsafeMutableRawPointer
    private let pool = ConstPool()
    private let kernels: UnsafeMutablePointer<Kernel>
    private let kernelCount: Int
    private let inputPointer: UnsafeMutablePointer<Int8>
    private let outputPointer: UnsafeMutablePointer<Int8>
    private let inputCount: Int
    private let outputCount: Int

    /// Plans and allocates everything; refuses unsupported ops and types with their names.
    public init(model: TFLiteModel) throws(ModelError) {
        guard model.inputs.count == 1, model.outputs.count == 1 else {
            throw ModelError("model has \(model.inputs.count) inputs and \(model.outputs.count) outputs; the interpreter runs 1 input, 1 output")
        }
        self.model = model
        let inT = model.tensors[model.inputs[0]], outT = model.tensors[model.outputs[0]]
        input = TensorInfo(inT)
        output = TensorInfo(outT)
        plan = ArenaPlanner.plan(model)
        arenaBytes = plan.size
        arena = UnsafeMutableRawPointer.allocate(byteCount: max(plan.size, 16), alignment: 64)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.size, 16))
        inputPointer = (arena + (plan.offsets[inT.index] ?? 0)).assumingMemoryBound(to: Int8.self)
        outputPointer = (arena + (plan.offsets[outT.index] ?? 0)).assumingMemoryBound(to: Int8.self)
        inputCount = inT.elementCount
        outputCount = outT.elementCount
        kernelCount = model.ops.count
        kernels = UnsafeMutablePointer<Kernel>.allocate(capacity: max(kernelCount, 1))
        var built = 0
        do {
            for op in model.ops {
                let k = try Self.makeKernel(model: model, op: op, arena: arena, plan: plan, pool: pool)
                (kernels + built).initialize(to: k)
                built += 1
            }
        } catch {
            kernels.deinitialize(count: built)
            kernels.deallocate()
            arena.deallocate()
            throw error
        }
    }

    deinit {
        kernels.deinitialize(count: kernelCount)
        kernels.deallocate()
        arena.deallocate()
    }

    static func makeKernel(model: TFLiteModel, op: OpDef, arena: UnsafeMutableRawPointer, plan: ArenaPlan,
                           pool: ConstPool) throws(ModelError) -> Kernel {
        let bind = OpBinding(input: arena + (plan.offsets[op.inputs[0]] ?? 0),
                             output: arena + (plan.offsets[op.outputs[0]] ?? 0),
                             scratch: arena + (plan.offsets[ArenaPlan.scratchKey(op.index)] ?? 0))
        switch op.params {
        case .conv(let g, let act):
            return .conv(try Conv2DKernel(model: model, op: op, g: g, act: act, bind: bind, pool: pool))
        case .depthwise(let g, let act):
            return .depthwise(try DepthwiseConv2DKernel(model: model, op: op, g: g, act: act, bind: bind, pool: pool))
        case .averagePool(let g, let act):
            return .averagePool(AveragePool2DKernel(model: model, op: op, g: g, act: act, bind: bind))
        case .maxPool(let g, let act):
            return .maxPool(MaxPool2DKernel(model: model, op: op, g: g, act: act, bind: bind))
        case .fullyConnected(let g, let act):
            return .fullyConnected(try FullyConnectedKernel(model: model, op: op, g: g, act: act, bind: bind, pool: pool))
        case .softmax(let beta):
            return .softmax(SoftmaxKernel(model: model, op: op, beta: beta, bind: bind, pool: pool))
        case .logistic:
            return .logistic(LogisticKernel(model: model, op: op, bind: bind, pool: pool))
        case .reshape:
            return .reshape(ReshapeKernel(count: model.tensors[op.inputs[0]].elementCount, bind: bind))
        }
    }

    /// The input tensor's bytes, to fill before `invoke()`.
    public var inputBuffer: UnsafeMutableBufferPointer<Int8> {
        UnsafeMutableBufferPointer(start: inputPointer, count: inputCount)
    }

    /// The output tensor's bytes, valid after `invoke()`.
    public var outputBuffer: UnsafeBufferPointer<Int8> {
        UnsafeBufferPointer(start: outputPointer, count: outputCount)
    }

    /// Runs the graph once; allocates nothing.
    public func invoke() {
        for i in 0..<kernelCount { kernels[i].run() }
    }

    /// Runs `iterations` invokes on the current input and returns the mean microseconds per invoke
    /// (monotonic clock). For benchmarks; allocates nothing while timing.
    public func benchmark(iterations: Int) -> Double {
        let n = max(iterations, 1)
        let t0 = monotonicNanoseconds()
        for _ in 0..<n { invoke() }
        let t1 = monotonicNanoseconds()
        return Double(t1 - t0) / 1000.0 / Double(n)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
