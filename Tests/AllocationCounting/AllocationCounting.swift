import Glibc
import MallocInterposerSwift
import Synchronization

// Heap allocations counted by malloc-interposer. Only allocations made on the measuring thread
// count, so tests running in parallel on other threads do not disturb a measurement, and one
// measurement runs at a time in the whole test process (the interposer's hook is global).

private nonisolated(unsafe) var measuringThread: pthread_t = pthread_self()
private let threadMallocs = Atomic<Int>(0)
private let measurementLock = Mutex<Void>(())

private let countOnMeasuringThread: MallocInterposerSwift.AllocationHook = { _ in
    if pthread_equal(pthread_self(), measuringThread) != 0 {
        threadMallocs.add(1, ordering: .relaxed)
    }
}

/// Allocations made by the calling thread while `body` runs.
public func countMallocs(_ body: () -> Void) -> Int {
    measurementLock.withLock { _ in
        MallocInterposerSwift.initialize()
        measuringThread = pthread_self()
        threadMallocs.store(0, ordering: .relaxed)
        MallocInterposerSwift.setAllocationHook(countOnMeasuringThread)
        MallocInterposerSwift.hook()
        body()
        MallocInterposerSwift.unhook()
        MallocInterposerSwift.setAllocationHook(nil)
        return threadMallocs.load(ordering: .relaxed)
    }
}
