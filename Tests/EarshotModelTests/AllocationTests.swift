import Glibc
import AllocationCounting
import Testing
@testable import EarshotModel

// Heap allocations during invoke(), counted on the measuring thread (see AllocationCounting).

@Suite(.serialized)
struct AllocationTests {
    @Test func interposerCountsADeliberateAllocation() {
        // Proves that the measurement below sees allocations at all.
        let n = countMallocs {
            let a = [Int](repeating: 7, count: 1000)
            #expect(a.count == 1000)
        }
        #expect(n >= 1)
    }

    @Test(arguments: [("mini_dscnn", 5000), ("fc_logistic", 5000), ("maxpool_same_s1", 5000),
                      ("logistic_only", 5000), ("flatten_fc_softmax", 5000), ("dw_dm3_same_s2_relu6", 5000),
                      ("conv_dilated_same", 3000), ("mlperf-tiny-kws-ds-cnn-int8", 2000)])
    func invokeAllocatesNothing(_ name: String, _ invokes: Int) throws {
        let interp = try Interpreter(model: TFLiteModel(bytes: Fixtures.bytes(name + ".tflite")))
        let input = interp.inputBuffer
        for i in 0..<input.count { input[i] = Int8(truncatingIfNeeded: i &* 37) }
        interp.invoke()   // warm-up outside the measurement
        let n = countMallocs {
            for k in 0..<invokes {
                input[k % input.count] = Int8(truncatingIfNeeded: k)
                interp.invoke()
            }
        }
        #expect(n == 0, "\(n) mallocs in \(invokes) invokes of \(name)")
    }

    @Test func streamingInvokeAllocatesNothing() throws {
        let interp = try Interpreter(model: TFLiteModel(bytes: Fixtures.bytes("stream_tcn.tflite")), streamingFrames: 1)
        #expect(interp.streamingOpCount > 0)
        let input = interp.inputBuffer
        for i in 0..<input.count { input[i] = Int8(truncatingIfNeeded: i &* 37) }
        interp.invoke(newFrames: 1)   // the first (full) run, outside the measurement
        let n = countMallocs {
            for k in 0..<5000 {
                input[k % input.count] = Int8(truncatingIfNeeded: k)
                interp.invoke(newFrames: 1)
            }
        }
        #expect(n == 0, "\(n) mallocs in 5000 streaming invokes")
    }
}
