import Atomics

/// A fixed-capacity, lock-free single-producer single-consumer ring of samples.
///
/// Exactly one thread may call `write(_:)` (the producer) and exactly one thread may call
/// `read(into:)` (the consumer); they never wait for each other. The storage is allocated once in
/// `init`; reading and writing allocate nothing.
///
/// Indices are free-running counters: `tail` counts elements ever written and `head` counts elements
/// ever read, so `tail - head` is the fill level and `index & (capacity - 1)` the slot. The producer
/// publishes a write by storing `tail` with release ordering after copying the elements; the consumer
/// loads `tail` with acquire ordering before copying them out, and symmetrically for `head`, so each
/// side sees the other's element copies completely. Each side caches the other side's index and only
/// reloads it when the cached value says the ring is full (producer) or empty (consumer).
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Capacity in elements: the requested minimum rounded up to a power of two.
    public let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Element>

    /// Both indices live in one raw block, a cache line apart (128 bytes, to also defeat adjacent-line
    /// prefetch), so the producer's and the consumer's stores do not contend for one line.
    private let indexBlock: UnsafeMutableRawPointer
    private let head: UnsafeAtomic<Int>   // elements read so far; written by the consumer only
    private let tail: UnsafeAtomic<Int>   // elements written so far; written by the producer only

    // Producer-local cache of `head`, consumer-local cache of `tail`.
    private var producerCachedHead = 0
    private var consumerCachedTail = 0

    private static var lineStride: Int { 128 }

    /// Creates a ring holding at least `minimumCapacity` elements, all allocated now.
    ///
    /// A `minimumCapacity` below 1 gives a ring of capacity 1; one above 2^62 is clamped to 2^62.
    public init(minimumCapacity: Int, filledWith zero: Element) {
        let wanted = min(max(1, minimumCapacity), 1 << 62)
        var c = 1
        while c < wanted { c <<= 1 }
        capacity = c
        mask = c - 1
        storage = .allocate(capacity: c)
        storage.initialize(repeating: zero, count: c)

        let stride = Self.lineStride
        indexBlock = .allocate(byteCount: 2 * stride, alignment: stride)
        let headStorage = indexBlock.bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1)
        headStorage.initialize(to: UnsafeAtomic<Int>.Storage(0))
        let tailStorage = (indexBlock + stride).bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1)
        tailStorage.initialize(to: UnsafeAtomic<Int>.Storage(0))
        head = UnsafeAtomic(at: headStorage)
        tail = UnsafeAtomic(at: tailStorage)
    }

    deinit {
        storage.deinitialize(count: capacity)
        storage.deallocate()
        indexBlock.deallocate()
    }

    /// Number of elements the consumer can read now.
    public var availableToRead: Int {
        let t = tail.load(ordering: .acquiring)
        let h = head.load(ordering: .acquiring)
        return t - h
    }

    /// Number of elements the producer can write now without dropping any.
    public var availableToWrite: Int { capacity - availableToRead }

    /// Writes as many elements of `source` as fit; returns how many were written (the rest are dropped).
    ///
    /// Producer side only. Never blocks and never allocates.
    public func write(_ source: UnsafeBufferPointer<Element>) -> Int {
        guard let src = source.baseAddress, source.count > 0 else { return 0 }
        let t = tail.load(ordering: .relaxed)          // only this thread stores `tail`
        var free = capacity - (t - producerCachedHead)
        if free < source.count {
            producerCachedHead = head.load(ordering: .acquiring)
            free = capacity - (t - producerCachedHead)
        }
        let n = min(source.count, free)
        guard n > 0 else { return 0 }
        let start = t & mask
        let first = min(n, capacity - start)
        (storage + start).update(from: src, count: first)
        if n > first { storage.update(from: src + first, count: n - first) }
        tail.store(t + n, ordering: .releasing)
        return n
    }

    /// Reads up to `destination.count` elements; returns how many were read.
    ///
    /// Consumer side only. Never blocks and never allocates.
    public func read(into destination: UnsafeMutableBufferPointer<Element>) -> Int {
        guard let dst = destination.baseAddress, destination.count > 0 else { return 0 }
        let h = head.load(ordering: .relaxed)          // only this thread stores `head`
        var filled = consumerCachedTail - h
        if filled < destination.count {
            consumerCachedTail = tail.load(ordering: .acquiring)
            filled = consumerCachedTail - h
        }
        let n = min(destination.count, filled)
        guard n > 0 else { return 0 }
        let start = h & mask
        let first = min(n, capacity - start)
        dst.update(from: storage + start, count: first)
        if n > first { (dst + first).update(from: storage, count: n - first) }
        head.store(h + n, ordering: .releasing)
        return n
    }
}
