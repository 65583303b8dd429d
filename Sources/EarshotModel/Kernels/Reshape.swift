// RESHAPE: the bytes are unchanged; copied unless the planner placed both tensors together.

struct ReshapeKernel {
    let input: UnsafeRawPointer
    let output: UnsafeMutableRawPointer
    let count: Int

    init(count: Int, bind: OpBinding) {
        input = UnsafeRawPointer(bind.input)
        output = bind.output
        self.count = count
    }

    func run() {
        if UnsafeRawPointer(output) != input { output.copyMemory(from: input, byteCount: count) }
    }
}
