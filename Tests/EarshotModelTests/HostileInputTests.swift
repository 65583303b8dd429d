import Testing
@testable import EarshotModel

/// Deterministic generator so that a failing mutation can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Loads and, when the model is accepted, runs it once; a refusal is a ModelError by type.
/// Returns the refusal reason or nil when the model loaded and ran.
@discardableResult
func loadAndRun(_ bytes: [UInt8], run: Bool = true) -> String? {
    do {
        let model = try TFLiteModel(bytes: bytes)
        let interp = try Interpreter(model: model)
        if run {
            for i in 0..<interp.inputBuffer.count { interp.inputBuffer[i] = Int8(truncatingIfNeeded: i &* 29) }
            interp.invoke()
            var sum = 0
            for v in interp.outputBuffer { sum &+= Int(v) }
            _ = sum
        }
        _ = ModelSummary(model: model)
        return nil
    } catch {
        #expect(!error.description.isEmpty)
        #expect(!error.description.contains("\n"))
        return error.description
    }
}

@Suite struct HostileInputTests {
    @Test func emptyAndTinyFilesAreRefused() {
        #expect(loadAndRun([])?.contains("too short") == true)
        #expect(loadAndRun([1, 2, 3])?.contains("too short") == true)
        #expect(loadAndRun(Array(repeating: 0, count: 64)) != nil)
        #expect(loadAndRun(Array(repeating: 0xFF, count: 64)) != nil)
    }

    @Test func wrongFileIdentifierIsRefused() throws {
        var bytes = try Fixtures.bytes("fc_nobias.tflite")
        bytes[4] = UInt8(ascii: "X")
        #expect(loadAndRun(bytes) == "not a TFLite model (file identifier is not TFL3)")
    }

    @Test func missingFileIsRefusedWithItsPath() {
        do {
            _ = try TFLiteModel(path: "/nonexistent/model.tflite")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/model.tflite: cannot open"))
        }
    }

    @Test(arguments: ["fc_nobias", "logistic_only", "dw_dm3_same_s2_relu6"])
    func everyTruncationIsRefused(_ name: String) throws {
        let bytes = try Fixtures.bytes(name + ".tflite")
        #expect(loadAndRun(bytes) == nil)
        var refused = 0
        for n in 0..<bytes.count {
            if loadAndRun(Array(bytes[0..<n])) != nil { refused += 1 }
        }
        // Buffers sit at the end of converter output, so nearly every prefix must be refused.
        #expect(refused >= bytes.count - 16)
    }

    @Test func randomMutationsOfASmallModelLoadAndRunOrAreRefused() throws {
        let original = try Fixtures.bytes("mini_dscnn.tflite")
        var rng = SplitMix64(state: 42)
        var refused = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            if loadAndRun(bytes) != nil { refused += 1 }
        }
        #expect(refused > 0)
    }

    @Test func randomMutationsOfMLPerfModelLoadAndRunOrAreRefused() throws {
        let original = try Fixtures.bytes(Fixtures.mlperf + ".tflite")
        let model = try TFLiteModel(bytes: original)
        // Bytes of constant tensor data: mutating only those cannot change the graph, so such
        // models are loaded and checked but run only now and then (a debug-build run is slow).
        var isData = [Bool](repeating: false, count: original.count)
        for t in model.tensors { if let r = t.data { for i in r { isData[i] = true } } }
        var rng = SplitMix64(state: 7)
        var refused = 0, structural = 0
        for k in 0..<2000 {
            var bytes = original
            var touchesStructure = false
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                // A third of the mutations aim at the structure, the rest anywhere.
                var i = Int.random(in: 0..<bytes.count, using: &rng)
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    while isData[i] { i = Int.random(in: 0..<bytes.count, using: &rng) }
                }
                if !isData[i] { touchesStructure = true }
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            if touchesStructure { structural += 1 }
            if loadAndRun(bytes, run: touchesStructure || k % 100 == 0) != nil { refused += 1 }
        }
        #expect(structural > 600)
        #expect(refused > 0)
    }

    @Test func unsupportedOpIsRefusedByName() throws {
        let reason = loadAndRun(try Fixtures.bytes("unsupported_add.tflite"))
        #expect(reason?.hasPrefix("unsupported op ADD (builtin 0) at operator ") == true, "\(reason ?? "loaded")")
    }
}
