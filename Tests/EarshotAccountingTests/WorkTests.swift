import Testing
import EarshotFeatures
@testable import EarshotAccounting

@Suite struct WorkTests {
    @Test func mlperfDSCNNMACsMatchHandCount() {
        let w = ModelWork.mlperfDSCNN()
        // first conv 25·5·64·10·4·1, depthwise 25·5·64·3·3, pointwise 25·5·64·64, FC 64·12
        #expect(w.ops[0].macs == 320_000)
        #expect(w.ops.filter { $0.name == "DEPTHWISE_CONV_2D" }.map(\.macs) == [72_000, 72_000, 72_000, 72_000])
        #expect(w.ops.filter { $0.name == "CONV_2D" }.dropFirst().map(\.macs) == [512_000, 512_000, 512_000, 512_000])
        #expect(w.ops.first { $0.name == "FULLY_CONNECTED" }?.macs == 768)
        #expect(w.totalMACs == 2_656_768)
        #expect(w.totalMACs == 320_000 + 4 * 72_000 + 4 * 512_000 + 768)
    }

    @Test func macsGroupedByOpType() {
        let groups = ModelWork.mlperfDSCNN().macsByOp
        #expect(groups.map(\.name) == ["CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"])
        #expect(groups[0].count == 5 && groups[0].macs == 2_368_000)
        #expect(groups[1].count == 4 && groups[1].macs == 288_000)
    }

    @Test func weightBytesAndArenaEstimate() {
        let w = ModelWork.mlperfDSCNN()
        // conv 10·4·64 + 64·4 bias; per block dw 9·64 + 256, pw 64·64 + 256; FC 64·12 + 12·4
        let expected = (2560 + 256) + 4 * (576 + 256) + 4 * (4096 + 256) + (768 + 48)
        #expect(w.weightBytesPerInference == expected)
        #expect(w.weightBytesPerInference == 24_368)
        #expect(w.parameterBytes == 24_368)
        #expect(w.arenaBytes == 8000 + 8000)   // a 25×5×64 int8 input and output
    }

    @Test func handBuiltModelAggregates() {
        let w = ModelWork(ops: [OpWork(name: "A", macs: 10, weightBytes: 3), OpWork(name: "B", macs: 5, weightBytes: 1),
                                OpWork(name: "A", macs: 7, weightBytes: 2)],
                          parameterBytes: 6, arenaBytes: 100, fileBytes: 200)
        #expect(w.totalMACs == 22)
        #expect(w.weightBytesPerInference == 6)
        let g = w.macsByOp
        #expect(g.count == 2 && g[0].name == "A" && g[0].count == 2 && g[0].macs == 17 && g[1].macs == 5)
        #expect(ModelWork(ops: [], parameterBytes: 0, arenaBytes: 0, fileBytes: 0).totalMACs == 0)
    }

    @Test func featureWorkForMLPerfConfig() {
        let f = FeatureWork(config: .mlperfTiny)
        #expect(f.windowMultiplies == 480)
        #expect(f.fftFlops == 5 * 256 * 8 + 6 * 256)     // N = 512, N/2 = 256, log2 256 = 8
        #expect(f.spectrumFlops == 3 * 257)
        #expect(f.squareRoots == 257)                    // magnitude spectrum
        #expect(f.logs == 40)
        #expect(f.dctMACs == 400)
        #expect(f.hopsPerSecond == 50)
        #expect(f.totalOpsPerHop == 480 + 11_776 + 771 + 257 + f.melMACs + 40 + 400)
        #expect(FeatureWork.workingBytes(config: .mlperfTiny) == 2 * 480 + 4 * 480 + 4 * 512 + 8 * 257 + 160 + 40)
    }

    @Test func melNonzeroWeightsByHand() {
        var c = FeatureConfig.mlperfTiny
        c.sampleRate = 8; c.fftSize = 8; c.melLowHz = 0; c.melHighHz = 4; c.melBands = 1
        // bins at 0,1,2,3,4 Hz; one band from 0 to 4 Hz: 1, 2, 3 are strictly inside
        #expect(FeatureWork.melNonzeroWeights(config: c) == 3)
        c.melBands = 2
        // edges ≈ 0, 1.33, 2.67, 4 Hz: band 0 holds 1, 2; band 1 holds 2, 3
        #expect(FeatureWork.melNonzeroWeights(config: c) == 4)
        c.melHighHz = 0
        #expect(FeatureWork.melNonzeroWeights(config: c) == 0)
    }

    @Test func badFeatureConfigGivesZeroNotTrap() {
        var c = FeatureConfig.mlperfTiny
        c.fftSize = 0; c.hopLength = 0; c.windowLength = -5; c.melBands = -1; c.coefficients = -2
        let f = FeatureWork(config: c)
        #expect(f.fftFlops == 0 && f.spectrumFlops == 0 && f.windowMultiplies == 0 && f.dctMACs == 0)
        #expect(f.hopsPerSecond == 0)
    }

    @Test func ratesPerSecondOfAudio() {
        let r = WorkRates(model: .mlperfDSCNN(), features: FeatureWork(config: .mlperfTiny), evaluateEveryHops: 5)
        #expect(r.inferencesPerSecond == 10)
        #expect(r.modelMACsPerSecond == 26_567_680)
        #expect(r.weightBytesPerSecond == 243_680)
        #expect(WorkRates(model: .mlperfDSCNN(), features: FeatureWork(config: .mlperfTiny), evaluateEveryHops: 0).evaluateEveryHops == 1)
    }
}
