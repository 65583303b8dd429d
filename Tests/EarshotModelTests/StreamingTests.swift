import Testing
@testable import EarshotModel

// Streaming execution (Interpreter.invoke(newFrames:)) against full invokes of the same model:
// every streamed tensor and the output must hold the same bytes after every step of a sliding
// window, for several step sizes and for inputs that do not slide (fallback to a full run).

/// Deterministic int8 noise.
struct ByteNoise {
    var state: UInt64
    mutating func next() -> Int8 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int8(truncatingIfNeeded: state >> 33)
    }
}

@Suite struct StreamingTests {
    static let model = "stream_tcn"

    @Test func timeConvolutionHeadIsStreamedAndStridedModelsAreNot() throws {
        let tcn = try TFLiteModel(bytes: Fixtures.bytes(Self.model + ".tflite"))
        let plan = try #require(StreamingPlan.make(tcn, frames: 1))
        // conv 5×10, dilated depthwise, pointwise, dilated depthwise ×2, pointwise; not the pool.
        #expect(plan.opCount == 5)
        #expect(tcn.ops[plan.opCount].name == "AVERAGE_POOL_2D")
        // A step longer than an op's output rows ends the incremental part before that op
        // (the second depthwise has 16 output rows; the first conv 36).
        #expect(StreamingPlan.make(tcn, frames: 17)?.opCount == 3)
        #expect(StreamingPlan.make(tcn, frames: 37) == nil)
        // The MLPerf DS-CNN (stride 2, SAME padding) and the shipped model have no streamable head.
        let mlperf = try TFLiteModel(bytes: Fixtures.bytes(Fixtures.mlperf + ".tflite"))
        #expect(StreamingPlan.make(mlperf, frames: 1) == nil)
        let interp = try Interpreter(model: mlperf, streamingFrames: 1)
        #expect(interp.streamingOpCount == 0)
        #expect(interp.arenaBytes == (try Interpreter(model: mlperf)).arenaBytes)
    }

    @Test(arguments: [1, 2, 3, 5, 16])
    func slidingWindowMatchesFullInvokesByteForByte(_ frames: Int) throws {
        let m = try TFLiteModel(bytes: Fixtures.bytes(Self.model + ".tflite"))
        let streamed = try Interpreter(model: m, streamingFrames: frames)
        // The reference runs every invoke whole, with the same persistent plan so that its
        // intermediate tensors stay readable after the run.
        let full = try Interpreter(model: m, streamingFrames: frames)
        #expect(streamed.streamingOpCount == 5)
        let shape = streamed.input.shape
        let rows = shape[1], rowBytes = shape[2] * shape[3]
        var noise = ByteNoise(state: UInt64(frames))
        let stream = (0..<((rows + 40 * frames) * rowBytes)).map { _ in noise.next() }
        let persistent = StreamingPlan.make(m, frames: frames)!.persistent
        var start = 0
        var steps = 0
        while (start + rows) * rowBytes <= stream.count {
            for i in 0..<(rows * rowBytes) {
                streamed.inputBuffer[i] = stream[start * rowBytes + i]
                full.inputBuffer[i] = stream[start * rowBytes + i]
            }
            streamed.invoke(newFrames: frames)  // the first call primes: unprimed, the whole graph runs
            full.invoke()
            #expect(Array(streamed.outputBuffer) == Array(full.outputBuffer), "step \(steps)")
            for t in persistent {
                let a = try #require(streamed.tensorBytes(t)), b = try #require(full.tensorBytes(t))
                #expect(Array(a) == Array(b), "tensor \(t) at step \(steps)")
            }
            start += frames
            steps += 1
        }
        #expect(steps == 41)
    }

    @Test func goldenInputsThroughTheStreamingInterpreterMatchTFLite() throws {
        // Unrelated inputs: every call is a fallback full run (the step differs from the plan's).
        let m = try TFLiteModel(bytes: Fixtures.bytes(Self.model + ".tflite"))
        let interp = try Interpreter(model: m, streamingFrames: 1)
        let c = try #require(Fixtures.cases.first { $0.name == Self.model })
        let inputs = try Fixtures.bytes(c.name + ".inputs.bin"), outputs = try Fixtures.bytes(c.name + ".outputs.bin")
        for i in 0..<c.count {
            for k in 0..<c.inputSize { interp.inputBuffer[k] = Int8(bitPattern: inputs[i * c.inputSize + k]) }
            interp.resetStream()
            interp.invoke(newFrames: 1)
            #expect(Array(interp.outputBuffer) == outputs[(i * c.outputSize)..<((i + 1) * c.outputSize)].map { Int8(bitPattern: $0) })
        }
    }

    @Test func aStepOtherThanThePlannedOneRunsTheWholeGraph() throws {
        let m = try TFLiteModel(bytes: Fixtures.bytes(Self.model + ".tflite"))
        let streamed = try Interpreter(model: m, streamingFrames: 2)
        let full = try Interpreter(model: m)
        var noise = ByteNoise(state: 99)
        for step in 0..<6 {
            for i in 0..<streamed.inputBuffer.count {
                let x = noise.next()
                streamed.inputBuffer[i] = x; full.inputBuffer[i] = x
            }
            streamed.invoke(newFrames: step % 2 == 0 ? 3 : 1)
            full.invoke()
            #expect(Array(streamed.outputBuffer) == Array(full.outputBuffer))
        }
    }
}
