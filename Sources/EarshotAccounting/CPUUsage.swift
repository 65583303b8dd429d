#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// A snapshot of CPU time: process (user + system, all threads), the calling thread, and the monotonic wall clock.
public struct CPUUsage: Codable, Sendable, Equatable {
    /// Process user CPU seconds (`getrusage(RUSAGE_SELF)`).
    public var processUser: Double
    /// Process system CPU seconds.
    public var processSystem: Double
    /// The calling thread's CPU seconds (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`).
    public var thread: Double
    /// Monotonic wall-clock seconds.
    public var wall: Double

    /// Creates a snapshot from values (for tests and deltas).
    public init(processUser: Double, processSystem: Double, thread: Double, wall: Double) {
        self.processUser = processUser
        self.processSystem = processSystem
        self.thread = thread
        self.wall = wall
    }

    /// Process CPU seconds (user + system).
    public var process: Double { processUser + processSystem }

    /// Takes a snapshot now, reading the wall time from `clock`.
    public static func now<C: MonotonicClock>(clock: C) -> CPUUsage {
        var ru = rusage()
        getrusage(RUSAGE_SELF_WHO, &ru)
        let user = Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6
        let sys = Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
        return CPUUsage(processUser: user, processSystem: sys, thread: currentThreadSeconds(),
                        wall: Double(clock.nowNanoseconds()) / 1e9)
    }

    /// Takes a snapshot now with the system monotonic clock.
    public static func now() -> CPUUsage { now(clock: SystemMonotonicClock()) }

    /// CPU seconds the calling thread has used.
    public static func currentThreadSeconds() -> Double {
        var ts = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 else { return 0 }
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// CPU seconds another thread of this process has used (`pthread_getcpuclockid`), nil if unreadable.
    public static func threadSeconds(of thread: pthread_t) -> Double? {
        var cid = clockid_t()
        guard pthread_getcpuclockid(thread, &cid) == 0 else { return nil }
        var ts = timespec()
        guard clock_gettime(cid, &ts) == 0 else { return nil }
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The usage between an earlier snapshot and this one (negative differences clamp to zero).
    public func since(_ start: CPUUsage) -> CPUUsage {
        CPUUsage(processUser: max(0, processUser - start.processUser),
                 processSystem: max(0, processSystem - start.processSystem),
                 thread: max(0, thread - start.thread),
                 wall: max(0, wall - start.wall))
    }

    /// Process CPU seconds per wall second for a delta (1.0 = one core fully busy); 0 when no wall time passed.
    public var shareOfCore: Double { wall > 0 ? process / wall : 0 }
    /// The thread's CPU seconds per wall second for a delta.
    public var threadShareOfCore: Double { wall > 0 ? thread / wall : 0 }
}
