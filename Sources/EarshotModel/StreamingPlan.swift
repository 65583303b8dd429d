// Streaming execution: when the input window slides along time (its rows, the H axis) by a fixed
// number of frames between invokes, the convolutions at the head of the graph that have stride 1
// and no padding along time produce, for every output row but the newest, exactly the rows they
// produced one invoke earlier, moved up. Those ops keep their outputs from one invoke to the next,
// move them up, and compute only the new rows; the rest of the graph (pooling, fully connected,
// softmax) runs whole. Same bytes as a full invoke, by construction: a VALID stride-1 convolution
// over the last rows of its input is the same arithmetic as the full one over those rows.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which operators of a model can run incrementally when the input moves on by `frames` rows.
struct StreamingPlan {
    /// Rows the input moves on between invokes.
    let frames: Int
    /// The leading operators that run incrementally, in graph order (indices 0 ..< count).
    let opCount: Int
    /// Tensors kept from one invoke to the next: the graph input and the outputs of those ops.
    let persistent: Set<Int>

    /// The streaming plan for inputs that move on by `frames` rows, or nil when no op qualifies.
    ///
    /// An op qualifies when it is a CONV_2D or DEPTHWISE_CONV_2D of batch 1 whose input is the graph
    /// input or a qualifying op's output, with stride 1 and no padding along time (VALID, or a kernel
    /// one row high), and whose output has at least `frames` rows. The first op that does not
    /// qualify ends the incremental part.
    static func make(_ model: TFLiteModel, frames: Int) -> StreamingPlan? {
        guard frames >= 1, model.inputs.count == 1 else { return nil }
        var streamed: Set<Int> = [model.inputs[0]]
        var count = 0
        for op in model.ops {
            guard let g = Self.timeGeometry(op), let x = op.inputs.first, streamed.contains(x),
                  g.batches == 1, g.strideH == 1, g.padH == 0,
                  g.outH == g.inH - (g.kH - 1) * g.dilH, g.outH >= frames else { break }
            // Only the data input may be an activation; the graph's other readers of the streamed
            // tensors (after the incremental part) see them whole.
            streamed.insert(op.outputs[0])
            count += 1
        }
        return count == 0 ? nil : StreamingPlan(frames: frames, opCount: count, persistent: streamed)
    }

    /// The convolution geometry of an op, or nil for other ops.
    static func timeGeometry(_ op: OpDef) -> ConvGeometry? {
        switch op.params {
        case .conv(let g, _), .depthwise(let g, _): return g
        default: return nil
        }
    }

    /// The geometry that computes only the last `frames` output rows from the last input rows.
    static func rowGeometry(_ g: ConvGeometry, frames: Int) -> ConvGeometry {
        var r = g
        r.outH = frames
        r.inH = frames - 1 + (g.kH - 1) * g.dilH + 1
        return r
    }
}

/// A streamed tensor's rows, moved up by `frames` rows before the new rows are computed.
struct RowShift {
    let base: UnsafeMutableRawPointer
    let rowBytes: Int
    let rows: Int
    let frames: Int

    @inline(__always)
    func run() {
        _ = memmove(base, base + frames &* rowBytes, (rows &- frames) &* rowBytes)
    }
}
