import Foundation
import Testing
import EarshotModel
@testable import EarshotAccounting

private let mlperfModelPath = "/work/shared/models-external/mlperf-tiny-kws-ds-cnn-int8.tflite"

@Suite struct ModelSummaryWorkTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: mlperfModelPath), "shared MLPerf model not present"))
    func realMLPerfModelMatchesHandCount() throws {
        let interp = try Interpreter(model: try TFLiteModel(path: mlperfModelPath))
        let work = ModelWork(summary: ModelSummary(interpreter: interp), fileBytes: 53_936)
        let reference = ModelWork.mlperfDSCNN()
        #expect(work.totalMACs == 2_656_768)
        #expect(work.totalMACs == reference.totalMACs)
        #expect(work.parameterBytes == reference.parameterBytes)
        #expect(work.macsByOp.first { $0.name == "DEPTHWISE_CONV_2D" }?.macs == 288_000)
        #expect(work.arenaBytes == interp.arenaBytes && work.arenaSource == "planner")
        #expect(work.arenaBytes >= reference.sequentialArenaEstimate)
    }
}
