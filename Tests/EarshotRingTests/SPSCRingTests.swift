import Foundation
import Synchronization
import Testing
@testable import EarshotRing

@Suite struct SPSCRingTests {
    @Test func capacityRoundsUpToPowerOfTwo() {
        #expect(SPSCRing<Float>(minimumCapacity: 1, filledWith: 0).capacity == 1)
        #expect(SPSCRing<Float>(minimumCapacity: 0, filledWith: 0).capacity == 1)
        #expect(SPSCRing<Float>(minimumCapacity: -5, filledWith: 0).capacity == 1)
        #expect(SPSCRing<Float>(minimumCapacity: 3, filledWith: 0).capacity == 4)
        #expect(SPSCRing<Float>(minimumCapacity: 1024, filledWith: 0).capacity == 1024)
        #expect(SPSCRing<Float>(minimumCapacity: 1025, filledWith: 0).capacity == 2048)
    }

    @Test func writeThenReadInOrder() {
        let ring = SPSCRing<Int16>(minimumCapacity: 8, filledWith: 0)
        let input: [Int16] = [1, 2, 3, 4, 5]
        #expect(input.withUnsafeBufferPointer { ring.write($0) } == 5)
        #expect(ring.availableToRead == 5)
        #expect(ring.availableToWrite == 3)
        var out = [Int16](repeating: 0, count: 3)
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 3)
        #expect(out == [1, 2, 3])
        #expect(ring.availableToRead == 2)
        out = [Int16](repeating: 0, count: 10)
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 2)
        #expect(Array(out.prefix(2)) == [4, 5])
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 0)
    }

    @Test func fullRingDropsTheExcessAndReportsHowManyFit() {
        let ring = SPSCRing<Int32>(minimumCapacity: 4, filledWith: 0)
        let input: [Int32] = [10, 11, 12, 13, 14, 15]
        #expect(input.withUnsafeBufferPointer { ring.write($0) } == 4)
        #expect(input.withUnsafeBufferPointer { ring.write($0) } == 0)
        var out = [Int32](repeating: 0, count: 4)
        #expect(out.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 4)
        #expect(out == [10, 11, 12, 13])
    }

    @Test func wrapsAroundTheEndOfStorage() {
        let ring = SPSCRing<Float>(minimumCapacity: 8, filledWith: 0)
        var next: Float = 0
        var expected: Float = 0
        // Uneven chunk sizes walk the indices around the 8-slot storage many times.
        for round in 0..<200 {
            let w = 1 + round % 7
            let chunk = (0..<w).map { Float($0) + next }
            let written = chunk.withUnsafeBufferPointer { ring.write($0) }
            next += Float(written)
            var out = [Float](repeating: -1, count: 1 + (round * 5) % 8)
            let r = out.withUnsafeMutableBufferPointer { ring.read(into: $0) }
            for i in 0..<r {
                #expect(out[i] == expected)
                expected += 1
            }
        }
        #expect(expected > 300)
    }

    @Test func emptyBuffersAreNoOps() {
        let ring = SPSCRing<Float>(minimumCapacity: 4, filledWith: 0)
        #expect(ring.write(UnsafeBufferPointer(start: nil, count: 0)) == 0)
        #expect(ring.read(into: UnsafeMutableBufferPointer(start: nil, count: 0)) == 0)
        #expect(ring.availableToRead == 0)
    }

    /// A producer and a consumer thread move 4 million counters through a small ring in uneven
    /// chunks; the consumer checks that every value arrives exactly once and in order.
    @Test func twoThreadStressKeepsOrderWithoutLoss() {
        let total = 4_000_000
        let ring = SPSCRing<UInt32>(minimumCapacity: 1000, filledWith: 0)
        let done = DispatchGroup()
        let mismatches = Atomic<Int>(0)
        let received = Atomic<Int>(0)

        done.enter()
        let producer = Thread {
            var buffer = [UInt32](repeating: 0, count: 257)
            var sent = 0
            var step = 0
            while sent < total {
                let want = min(total - sent, 1 + (step * 37) % 257)
                step += 1
                for i in 0..<want { buffer[i] = UInt32(truncatingIfNeeded: sent + i) }
                var offset = 0
                while offset < want {
                    let n = buffer.withUnsafeBufferPointer {
                        ring.write(UnsafeBufferPointer(rebasing: $0[offset..<want]))
                    }
                    offset += n
                    if n == 0 { sched_yield() }
                }
                sent += want
            }
            done.leave()
        }
        done.enter()
        let consumer = Thread {
            var buffer = [UInt32](repeating: 0, count: 301)
            var expected = 0
            var bad = 0
            var step = 0
            while expected < total {
                let want = 1 + (step * 53) % 301
                step += 1
                let n = buffer.withUnsafeMutableBufferPointer {
                    ring.read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<want]))
                }
                if n == 0 { sched_yield(); continue }
                for i in 0..<n where buffer[i] != UInt32(truncatingIfNeeded: expected + i) { bad += 1 }
                expected += n
            }
            mismatches.store(bad, ordering: .relaxed)
            received.store(expected, ordering: .relaxed)
            done.leave()
        }
        producer.start()
        consumer.start()
        done.wait()
        #expect(received.load(ordering: .relaxed) == total)
        #expect(mismatches.load(ordering: .relaxed) == 0)
        #expect(ring.availableToRead == 0)
    }
}
