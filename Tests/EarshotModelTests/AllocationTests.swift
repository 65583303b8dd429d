import Glibc
import MallocInterposerSwift
import Synchronization
import Testing
@testable import EarshotModel

// Heap allocations during invoke(), counted by malloc-interposer. Only allocations made on the
// measuring thread count, so tests running in parallel on other threads do not disturb it.

private nonisolated(unsafe) var measuringThread: pthread_t = pthread_self()
private let threadMallocs = Atomic<Int>(0)

private let countOnMeasuringThread: MallocInterposerSwift.AllocationHook = { _ in
    if pthread_equal(pthread_self(), measuringThread) != 0 {
        threadMallocs.add(1, ordering: .relaxed)
    }
}

/// Allocations made by this thread while `body` runs.
private func countMallocs(_ body: () -> Void) -> Int {
    measuringThread = pthread_self()
    threadMallocs.store(0, ordering: .relaxed)
    MallocInterposerSwift.setAllocationHook(countOnMeasuringThread)
    MallocInterposerSwift.hook()
    body()
    MallocInterposerSwift.unhook()
    MallocInterposerSwift.setAllocationHook(nil)
    return threadMallocs.load(ordering: .relaxed)
}

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

    @Test(arguments: [("mini_dscnn", 2000), ("fc_logistic", 5000), ("maxpool_same_s1", 3000),
                      ("logistic_only", 3000), ("flatten_fc_softmax", 3000), ("dw_dm3_same_s2_relu6", 2000),
                      ("mlperf-tiny-kws-ds-cnn-int8", 100)])
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
}
