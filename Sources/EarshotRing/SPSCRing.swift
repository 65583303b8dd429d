/// A fixed-capacity, lock-free single-producer single-consumer ring of samples.
///
/// STUB: the capture work (issue 4) replaces this with the swift-atomics implementation.
/// The interface below is the contract the engine relies on.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Capacity in elements: the requested minimum rounded up to a power of two.
    public let capacity: Int
    private let storage: UnsafeMutableBufferPointer<Element>
    private var head = 0
    private var tail = 0

    /// Creates a ring holding at least `minimumCapacity` elements, all allocated now.
    public init(minimumCapacity: Int, filledWith zero: Element) {
        var c = 1
        while c < max(1, minimumCapacity) { c <<= 1 }
        capacity = c
        storage = .allocate(capacity: c)
        storage.initialize(repeating: zero)
    }
    deinit { storage.deallocate() }

    /// Number of elements the consumer can read now.
    public var availableToRead: Int { tail - head }

    /// Writes as many elements of `source` as fit; returns how many were written (the rest are dropped).
    public func write(_ source: UnsafeBufferPointer<Element>) -> Int {
        let n = min(source.count, capacity - (tail - head))
        for i in 0..<n { storage[(tail + i) & (capacity - 1)] = source[i] }
        tail += n
        return n
    }

    /// Reads up to `destination.count` elements; returns how many were read.
    public func read(into destination: UnsafeMutableBufferPointer<Element>) -> Int {
        let n = min(destination.count, tail - head)
        for i in 0..<n { destination[i] = storage[(head + i) & (capacity - 1)] }
        head += n
        return n
    }
}
