/// An error in a model file or in running it, with a one-line reason.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    /// Human-readable reason, naming the offending part of the model.
    public var description: String
    /// Creates an error with the given reason (control characters, e.g. from names in a hostile
    /// file, become "?" so that the reason stays one line).
    public init(_ description: String) {
        self.description = String(String.UnicodeScalarView(description.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? "?" : $0
        }))
    }
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
    fileprivate let kernels: UnsafeMutablePointer<Kernel>
    fileprivate let kernelCount: Int
    private let inputPointer: UnsafeMutablePointer<Int8>
    private let outputPointer: UnsafeMutablePointer<Int8>
    private let inputCount: Int
    private let outputCount: Int
    /// Rows the input moves on between `invoke(newFrames:)` calls that run incrementally (0: never).
    public let streamingFrames: Int
    /// Leading ops that run incrementally under `invoke(newFrames:)` (0 when the model cannot stream).
    public let streamingOpCount: Int
    private let rowKernels: UnsafeMutablePointer<Kernel>
    private let shifts: UnsafeMutablePointer<RowShift>
    /// Whether the streamed tensors hold the previous window's values.
    private var primed = false

    /// Plans and allocates everything; refuses unsupported ops and types with their names.
    ///
    /// - Parameter streamingFrames: when given, the caller promises to call `invoke(newFrames:)`
    ///   with inputs that move on by this many rows (frames along the input's second axis) each
    ///   time; the leading time convolutions then keep their outputs and compute only new rows
    ///   (see `StreamingPlan`). Their tensors get arena space of their own, so the arena may grow.
    public init(model: TFLiteModel, streamingFrames: Int? = nil) throws(ModelError) {
        guard model.inputs.count == 1, model.outputs.count == 1 else {
            throw ModelError("model has \(model.inputs.count) inputs and \(model.outputs.count) outputs; the interpreter runs 1 input, 1 output")
        }
        self.model = model
        let inT = model.tensors[model.inputs[0]], outT = model.tensors[model.outputs[0]]
        input = TensorInfo(inT)
        output = TensorInfo(outT)
        let streaming = streamingFrames.flatMap { StreamingPlan.make(model, frames: $0) }
        let plan = ArenaPlanner.plan(model, persistent: streaming?.persistent ?? [])
        let arena = UnsafeMutableRawPointer.allocate(byteCount: max(plan.size, 16), alignment: 64)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.size, 16))
        // Everything that can fail happens before the last stored property is set, so a refusal
        // frees the arena here and deinit never sees a half-built interpreter.
        var list: [Kernel] = []
        var rowList: [Kernel] = []
        var shiftList: [RowShift] = []
        do {
            for op in model.ops {
                list.append(try Self.makeKernel(model: model, op: op, arena: arena, plan: plan, pool: pool))
            }
            if let streaming {
                for op in model.ops[0..<streaming.opCount] {
                    let (k, shift) = try Self.makeRowKernel(list[op.index], op: op, frames: streaming.frames,
                                                            arena: arena, plan: plan)
                    rowList.append(k)
                    shiftList.append(shift)
                }
            }
        } catch {
            arena.deallocate()
            throw error
        }
        self.plan = plan
        self.arena = arena
        arenaBytes = plan.size
        inputPointer = (arena + (plan.offsets[inT.index] ?? 0)).assumingMemoryBound(to: Int8.self)
        outputPointer = (arena + (plan.offsets[outT.index] ?? 0)).assumingMemoryBound(to: Int8.self)
        inputCount = inT.elementCount
        outputCount = outT.elementCount
        kernelCount = list.count
        kernels = UnsafeMutablePointer<Kernel>.allocate(capacity: max(list.count, 1))
        kernels.initialize(from: list, count: list.count)
        self.streamingFrames = streaming?.frames ?? 0
        streamingOpCount = rowList.count
        rowKernels = UnsafeMutablePointer<Kernel>.allocate(capacity: max(rowList.count, 1))
        rowKernels.initialize(from: rowList, count: rowList.count)
        shifts = UnsafeMutablePointer<RowShift>.allocate(capacity: max(shiftList.count, 1))
        shifts.initialize(from: shiftList, count: shiftList.count)
    }

    deinit {
        kernels.deinitialize(count: kernelCount)
        kernels.deallocate()
        rowKernels.deinitialize(count: streamingOpCount)
        rowKernels.deallocate()
        shifts.deinitialize(count: streamingOpCount)
        shifts.deallocate()
        arena.deallocate()
    }

    /// The op's kernel narrowed to its last `frames` output rows (weights and scratch shared with
    /// the whole-tensor kernel), and the move of its output rows that makes room for them.
    static func makeRowKernel(_ whole: Kernel, op: OpDef, frames: Int, arena: UnsafeMutableRawPointer,
                              plan: ArenaPlan) throws(ModelError) -> (Kernel, RowShift) {
        guard let g = StreamingPlan.timeGeometry(op) else { throw ModelError("\(op.name) (operator \(op.index)) cannot stream") }
        let r = StreamingPlan.rowGeometry(g, frames: frames)
        let inRow = g.inW * g.inC, outRow = g.outW * g.outC
        let inBase = arena + (plan.offsets[op.inputs[0]] ?? 0), outBase = arena + (plan.offsets[op.outputs[0]] ?? 0)
        let input = UnsafeRawPointer(inBase + (g.inH - r.inH) * inRow), output = outBase + (g.outH - r.outH) * outRow
        let kernel: Kernel
        switch whole {
        case .conv(let k): kernel = .conv(k.rebound(r, input: input, output: output))
        case .depthwise(let k): kernel = .depthwise(k.rebound(r, input: input, output: output))
        default: throw ModelError("\(op.name) (operator \(op.index)) cannot stream")
        }
        return (kernel, RowShift(base: outBase, rowBytes: outRow, rows: g.outH, frames: frames))
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
        primed = streamingOpCount > 0
    }

    /// Runs the graph on an input that is the previous invoke's input moved on by `newFrames`
    /// rows (the oldest rows dropped, `newFrames` new rows at the end). When that matches the
    /// `streamingFrames` this interpreter was built for and the previous invoke saw the previous
    /// window, only the new rows of the leading time convolutions are computed; otherwise the
    /// whole graph runs. The output bytes are the same either way. Allocates nothing.
    public func invoke(newFrames: Int) {
        guard primed, newFrames == streamingFrames else { invoke(); return }
        for i in 0..<streamingOpCount {
            shifts[i].run()
            rowKernels[i].run()
        }
        for i in streamingOpCount..<kernelCount { kernels[i].run() }
    }

    /// Forgets the previous window: the next `invoke(newFrames:)` runs the whole graph.
    public func resetStream() { primed = false }

    /// The current bytes of an activation tensor (tests compare streamed tensors with full runs).
    func tensorBytes(_ index: Int) -> UnsafeBufferPointer<Int8>? {
        guard index >= 0, index < model.tensors.count, model.tensors[index].data == nil,
              let off = plan.offsets[index] else { return nil }
        return UnsafeBufferPointer(start: (arena + off).assumingMemoryBound(to: Int8.self),
                                   count: model.tensors[index].elementCount)
    }

    /// Runs `iterations` invokes on the current input and returns the mean microseconds per invoke,
    /// measured as this thread's CPU time (robust on a shared machine). Allocates nothing while timing.
    public func benchmark(iterations: Int) -> Double {
        let n = max(iterations, 1)
        let t0 = threadCPUNanoseconds()
        for _ in 0..<n { invoke() }
        let t1 = threadCPUNanoseconds()
        return Double(t1 - t0) / 1000.0 / Double(n)
    }
}

extension Interpreter {
    /// Mean microseconds (thread CPU time) spent in each operator over `iterations` invokes.
    public func profile(iterations: Int) -> [Double] {
        let n = max(iterations, 1)
        var total = [Double](repeating: 0, count: kernelCount)
        for _ in 0..<n {
            for i in 0..<kernelCount {
                let t0 = threadCPUNanoseconds()
                kernels[i].run()
                total[i] += Double(threadCPUNanoseconds() - t0)
            }
        }
        return total.map { $0 / 1000 / Double(n) }
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

func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
