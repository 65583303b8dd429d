import Testing
@testable import EarshotModel

@Suite struct SummaryTests {
    @Test func mlperfDSCNNCostsMatchHandCounts() throws {
        let model = try TFLiteModel(bytes: Fixtures.bytes(Fixtures.mlperf + ".tflite"))
        let s = ModelSummary(model: model)
        // 320,000 (first conv) + 4 × 72,000 (depthwise) + 4 × 512,000 (pointwise) + 768 (FC).
        #expect(s.macsPerInference == 2_656_768)
        #expect(s.ops.map(\.name) == ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D",
                                      "DEPTHWISE_CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D",
                                      "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"])
        #expect(s.ops.map(\.macs) == [320_000, 72_000, 512_000, 72_000, 512_000, 72_000, 512_000, 72_000, 512_000,
                                      0, 0, 768, 0])
        // Weights + biases: 2,560+256, 4 × (576+256), 4 × (4,096+256), 768+48.
        #expect(s.parameterBytes == 24_368)
        #expect(s.ops[0].parameterBytes == 2_816)
        #expect(s.ops[11].parameterBytes == 816)
        #expect(s.weightBytesPerInference == 24_368 + 8)   // + RESHAPE's shape constant
        #expect(s.inputs.map(\.shape) == [[1, 49, 10, 1]])
        #expect(s.inputs[0].scale == 0.5847029089927673 && s.inputs[0].zeroPoint == 83)
        #expect(s.outputs.map(\.shape) == [[1, 12]])
        #expect(s.outputs[0].scale == 1.0 / 256 && s.outputs[0].zeroPoint == -128)
        #expect(s.ops[0].inputs[1].channels == 64)
        #expect(s.ops[0].options == "10x4 stride 2x2 SAME RELU")
        #expect(s.metadata["min_runtime_version"] != nil)
        #expect(model.metadata["min_runtime_version"]?.isEmpty == false)
        // Two 25×5×64 activations live at once, plus kernel scratch.
        #expect(s.arenaBytes >= 16_000 && s.arenaBytes <= 16_384)
        let interp = try Interpreter(model: model)
        #expect(interp.arenaBytes == s.arenaBytes)
        #expect(ModelSummary(interpreter: interp) == s)
        #expect(interp.input.shape == [1, 49, 10, 1] && interp.input.zeroPoint == 83)
        #expect(interp.output.shape == [1, 12] && interp.output.zeroPoint == -128)
    }

    @Test func depthMultiplierAndPoolOptionsAreReported() throws {
        let s = ModelSummary(model: try TFLiteModel(bytes: Fixtures.bytes("dw_dm3_same_s2_relu6.tflite")))
        #expect(s.ops.count == 1)
        #expect(s.ops[0].options == "3x3 stride 2x2 SAME depth_multiplier 3 RELU6")
        // 4×4 outputs × 6 channels × 9 taps.
        #expect(s.ops[0].macs == 4 * 4 * 6 * 9)
    }
}

@Suite struct ArenaPlannerTests {
    @Test(arguments: Fixtures.cases)
    func buffersAliveTogetherNeverOverlap(_ c: GoldenCase) throws {
        let model = try TFLiteModel(bytes: Fixtures.bytes(c.name + ".tflite"))
        let plan = ArenaPlanner.plan(model)
        for (i, a) in plan.buffers.enumerated() {
            let oa = try #require(plan.offsets[a.key])
            #expect(oa % 16 == 0)
            #expect(oa + a.size <= plan.size)
            for b in plan.buffers[(i + 1)...] where a.first <= b.last && b.first <= a.last {
                let ob = try #require(plan.offsets[b.key])
                #expect(oa + a.size <= ob || ob + b.size <= oa, "\(c.name): buffers \(a.key) and \(b.key) overlap")
            }
        }
        // Never worse than giving every buffer its own place.
        #expect(plan.size <= plan.buffers.reduce(0) { $0 + ArenaPlanner.align($1.size) })
    }
}

@Suite struct QuantizationTests {
    @Test func quantizeMultiplierSplitsLikeTFLite() {
        #expect(Quantization.quantizeMultiplier(0)! == (0, 0))
        #expect(Quantization.quantizeMultiplier(0.5)! == (1 << 30, 0))
        #expect(Quantization.quantizeMultiplier(1.0)! == (1 << 30, 1))
        #expect(Quantization.quantizeMultiplier(0.75)! == (1_610_612_736, 0))
        // Rounds up to 2^31: halved with the exponent raised.
        #expect(Quantization.quantizeMultiplier(0.99999999999)! == (1 << 30, 1))
        // Tiny multipliers flush to zero; absurd ones are refused.
        #expect(Quantization.quantizeMultiplier(1e-12)! == (0, 0))
        #expect(Quantization.quantizeMultiplier(1e30) == nil)
        #expect(Quantization.quantizeMultiplier(.nan) == nil)
        #expect(Quantization.quantizeMultiplier(-1) == nil)
    }

    @Test func fixedPointPrimitivesRoundLikeGemmlowp() {
        #expect(Quantization.saturatingRoundingDoublingHighMul(Int32.min, Int32.min) == Int32.max)
        #expect(Quantization.saturatingRoundingDoublingHighMul(1 << 30, 1 << 30) == 1 << 29)
        #expect(Quantization.roundingDivideByPOT(5, 1) == 3)
        #expect(Quantization.roundingDivideByPOT(-5, 1) == -3)
        #expect(Quantization.roundingDivideByPOT(-6, 2) == -2)
        #expect(Quantization.roundingDivideByPOT(6, 2) == 2)
        #expect(Quantization.roundingDivideByPOT(7, 0) == 7)
        // 100 × 0.75 = 75; 3 × 0.5 = 1.5 → 2, while −3 × 0.5 = −1.5 → −1 (gemmlowp nudges, then truncates).
        #expect(Quantization.multiplyByQuantizedMultiplier(100, 1_610_612_736, 0) == 75)
        #expect(Quantization.multiplyByQuantizedMultiplier(3, 1 << 30, 0) == 2)
        #expect(Quantization.multiplyByQuantizedMultiplier(-3, 1 << 30, 0) == -1)
        // Left shifts: 5 × 1.0 × 2^3.
        #expect(Quantization.multiplyByQuantizedMultiplier(5, 1 << 30, 4) == 40)
        #expect(Quantization.scaleInDouble(3, 0.5) == 2)
        #expect(Quantization.scaleInDouble(-3, 0.5) == -2)
        #expect(Quantization.scaleInDouble(1 << 30, 1e10) == Int32.min)
    }

    @Test func activationRangesFollowTheOutputQuantization() {
        #expect(Quantization.activationRange(.none, scale: 0.1, zeroPoint: 3) == (-128, 127))
        #expect(Quantization.activationRange(.relu, scale: 0.1, zeroPoint: 3) == (3, 127))
        #expect(Quantization.activationRange(.relu6, scale: 0.1, zeroPoint: -128) == (-128, -68))
        #expect(Quantization.activationRange(.reluN1To1, scale: 0.5, zeroPoint: 0) == (-2, 2))
    }

    @Test func logisticTableSaturatesAtTheEnds() {
        let t = LogisticKernel.table(inputScale: 0.1, inputZeroPoint: 0, outputScale: 1.0 / 256, outputZeroPoint: -128)
        #expect(t[Int(UInt8(bitPattern: -128))] == -128)   // sigmoid(-12.8) ≈ 0
        #expect(t[127] == 127)                               // sigmoid(12.7) ≈ 1, clamped
        #expect(t[0] == 0)                                   // sigmoid(0) = 0.5 → 128 − 128
    }
}
