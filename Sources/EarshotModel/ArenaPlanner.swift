// Fixed-memory planning: every activation tensor and every kernel scratch buffer gets a place in
// one arena, shared between buffers whose lifetimes do not overlap (greedy by size, first fit,
// like TFLM's GreedyMemoryPlanner).

/// A buffer to place: its key, size and the op range [first, last] during which it must live.
struct PlannedBuffer {
    let key: Int
    let size: Int
    let first: Int
    let last: Int
}

/// The result of planning: arena offsets by key and the arena size.
struct ArenaPlan {
    /// Arena offset of each tensor index, and of each op's scratch under `scratchKey(op)`.
    let offsets: [Int: Int]
    /// Total arena bytes.
    let size: Int
    /// The buffers that were planned.
    let buffers: [PlannedBuffer]

    /// The key of an operator's scratch buffer.
    static func scratchKey(_ op: Int) -> Int { -1 - op }
}

enum ArenaPlanner {
    static let alignment = 16

    /// Scratch bytes an operator's kernel needs.
    static func scratchBytes(_ op: OpDef) -> Int {
        switch op.params {
        case .conv(let g, _): return Conv2DKernel.scratchBytes(g)
        case .depthwise(let g, _): return DepthwiseConv2DKernel.scratchBytes(g)
        case .averagePool(let g, _): return AveragePool2DKernel.scratchBytes(g)
        case .fullyConnected(let g, _): return FullyConnectedKernel.scratchBytes(g)
        case .maxPool, .softmax, .logistic, .reshape: return 0
        }
    }

    /// The buffers a model needs, with lifetimes in op indices. `persistent` tensors live through
    /// the whole graph (streaming execution keeps them from one invoke to the next).
    static func buffers(_ model: TFLiteModel, persistent: Set<Int> = []) -> [PlannedBuffer] {
        let n = model.ops.count
        var first: [Int: Int] = [:], last: [Int: Int] = [:]
        for x in model.inputs { first[x] = 0; last[x] = 0 }
        for (i, op) in model.ops.enumerated() {
            for x in op.inputs where x >= 0 && model.tensors[x].data == nil {
                last[x] = max(last[x] ?? i, i)
            }
            for x in op.outputs {
                if first[x] == nil { first[x] = i }
                last[x] = max(last[x] ?? i, i)
            }
        }
        for x in model.outputs { last[x] = n }
        for x in persistent where first[x] != nil { first[x] = 0; last[x] = n }
        var out: [PlannedBuffer] = []
        for (x, f) in first.sorted(by: { $0.key < $1.key }) {
            out.append(PlannedBuffer(key: x, size: model.tensors[x].byteCount, first: f, last: last[x] ?? f))
        }
        for (i, op) in model.ops.enumerated() {
            let s = scratchBytes(op)
            if s > 0 { out.append(PlannedBuffer(key: ArenaPlan.scratchKey(i), size: s, first: i, last: i)) }
        }
        return out
    }

    static func align(_ x: Int) -> Int { (x + alignment - 1) / alignment * alignment }

    /// Greedy first-fit, largest buffers first.
    static func plan(_ model: TFLiteModel, persistent: Set<Int> = []) -> ArenaPlan {
        let bufs = buffers(model, persistent: persistent).sorted { ($0.size, -$0.key) > ($1.size, -$1.key) }
        var placed: [(buf: PlannedBuffer, offset: Int)] = []
        var offsets: [Int: Int] = [:]
        var size = 0
        for b in bufs {
            let live = placed.filter { $0.buf.first <= b.last && b.first <= $0.buf.last }
                .sorted { $0.offset < $1.offset }
            var candidate = 0
            for p in live {
                if candidate + b.size <= p.offset { break }
                candidate = max(candidate, align(p.offset + p.buf.size))
            }
            placed.append((b, candidate))
            offsets[b.key] = candidate
            size = max(size, align(candidate + b.size))
        }
        return ArenaPlan(offsets: offsets, size: size, buffers: bufs)
    }
}
