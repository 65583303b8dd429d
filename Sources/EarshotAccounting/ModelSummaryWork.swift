import EarshotModel

extension ModelWork {
    /// Maps EarshotModel's summary onto the accounting input: per-op MACs and weight bytes, parameters, planned arena.
    ///
    /// Each op's weight bytes are its constant inputs (weights, biases and other constants); activation bytes are its
    /// non-constant inputs and its outputs. `fileBytes` is the model file's size (0 when not read from a file).
    public init(summary: ModelSummary, fileBytes: Int) {
        let ops = summary.ops.map { op in
            OpWork(name: op.name, macs: op.macs,
                   weightBytes: op.inputs.filter(\.isConstant).reduce(0) { $0 + $1.bytes },
                   inputBytes: op.inputs.filter { !$0.isConstant }.reduce(0) { $0 + $1.bytes },
                   outputBytes: op.outputs.reduce(0) { $0 + $1.bytes })
        }
        self.init(ops: ops, parameterBytes: summary.parameterBytes, arenaBytes: summary.arenaBytes,
                  fileBytes: fileBytes, arenaSource: "planner")
    }
}
