import EarshotEngine
import Foundation
import Synchronization
import Testing
@testable import EarshotCapture

// Steady-state heap allocations on the capture and processing threads, counted with the
// malloc-interposer library's allocation hook. The hook only sees allocations when the library
// is preloaded, so this suite runs only then:
//   LD_PRELOAD=$PWD/.build/debug/libMallocInterposerSwift.so swift test --skip-build --filter LiveCaptureAllocation

private typealias Hook = @convention(c) (Int) -> Void
private typealias SetHook = @convention(c) (Hook?) -> Void
private typealias Toggle = @convention(c) () -> Void

private let interposer: (setHook: SetHook, enable: Toggle, disable: Toggle)? = {
    let handle = dlopen(nil, RTLD_NOW)
    guard let set = dlsym(handle, "malloc_interposer_set_allocation_hook"),
          let enable = dlsym(handle, "malloc_interposer_enable"),
          let disable = dlsym(handle, "malloc_interposer_disable"),
          let installed = dlsym(handle, "malloc_interposer_global_hooks_installed"),
          unsafeBitCast(installed, to: (@convention(c) () -> Int32).self)() != 0,
          ProcessInfo.processInfo.environment["LD_PRELOAD"]?.contains("MallocInterposer") == true
    else { return nil }
    return (unsafeBitCast(set, to: SetHook.self), unsafeBitCast(enable, to: Toggle.self),
            unsafeBitCast(disable, to: Toggle.self))
}()

private let audioThreadAllocations = Atomic<Int>(0)

/// glibc's pthread_getname_np (declared only under _GNU_SOURCE, so looked up at run time).
private let getThreadName: (@convention(c) (pthread_t, UnsafeMutablePointer<CChar>?, Int) -> Int32)? = {
    guard let f = dlsym(dlopen(nil, RTLD_NOW), "pthread_getname_np") else { return nil }
    return unsafeBitCast(f, to: (@convention(c) (pthread_t, UnsafeMutablePointer<CChar>?, Int) -> Int32).self)
}()

/// Counts allocations made on threads named "earshot-…" (the capture and processing threads).
/// The hook runs inside malloc, possibly while the Swift runtime holds a metadata lock, so it
/// uses no tuples, generics or allocations: a stack buffer and byte compares only.
private let countAudioThreadAllocations: Hook = { _ in
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 16) { name in
        guard let getThreadName, let base = name.baseAddress else { return }
        base.initialize(repeating: 0, count: 16)
        _ = getThreadName(pthread_self(), base, 16)
        // "earshot-"
        guard name[0] == 0x65, name[1] == 0x61, name[2] == 0x72, name[3] == 0x73, name[4] == 0x68,
              name[5] == 0x6F, name[6] == 0x74, name[7] == 0x2D else { return }
        audioThreadAllocations.add(1, ordering: .relaxed)
    }
}

@Suite(.serialized, .enabled(if: interposer != nil && getThreadName != nil, "needs LD_PRELOAD of libMallocInterposerSwift.so"))
struct LiveCaptureAllocationTests {
    /// Runs `seconds` of paced capture and counts audio-thread allocations between hop 10 and the
    /// hop 10 before the end.
    private func steadyStateAllocations(backend: any PCMBackend, request: PCMRequest, seconds: Double,
                                        allocateInConsumer: Bool = false,
                                        work: (@Sendable (UnsafeBufferPointer<Float>) -> Void)? = nil) throws -> (Int, Int) {
        guard let interposer else { return (-1, 0) }
        let total = Int(seconds * 16000)
        let lastHop = total / 320 - 10
        let counted = Atomic<Int>(0)
        let sink = Atomic<Int>(0)
        let capture = LiveCapture(options: LiveCaptureOptions(request: request, pace: true, maxCapturedSamples: total),
                                  backend: backend)
        audioThreadAllocations.store(0, ordering: .relaxed)
        let namesSeen = Mutex<String>("")
        try capture.start { hop in
            work?(hop.samples)
            if hop.index == 0 {
                var buf = [CChar](repeating: 0, count: 32)
                _ = getThreadName?(pthread_self(), &buf, 16)
                let name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                namesSeen.withLock { $0 = name }
            }
            if hop.index == 10 {
                interposer.setHook(countAudioThreadAllocations)
                interposer.enable()
            } else if hop.index == lastHop {
                interposer.disable()
                interposer.setHook(nil)
            } else if hop.index > 10 && hop.index < lastHop {
                counted.add(1, ordering: .relaxed)
                if allocateInConsumer {
                    let scratch = [Float](hop.samples)
                    sink.store(scratch.count, ordering: .relaxed)
                }
            }
        }
        capture.waitUntilFinished()
        #expect(namesSeen.withLock { $0 } == "earshot-process")   // the hook's thread filter works
        return (audioThreadAllocations.load(ordering: .relaxed), counted.load(ordering: .relaxed))
    }

    @Test func scriptedBackendSteadyStateAllocatesNothing() throws {
        let params = PCMParameters(rate: 48000, channels: 2, format: .s32, periodFrames: 480, bufferFrames: 3840)
        let backend = ScriptedPCMBackend(parameters: params, script: [.frames(48000 * 2)])
        let (allocations, hops) = try steadyStateAllocations(backend: backend, request: PCMRequest(device: "scripted"), seconds: 1.5)
        #expect(hops > 40)
        #expect(allocations == 0)
    }

    /// The instrument itself: a consumer that copies each hop into an Array is caught.
    @Test func allocationsOnTheProcessingThreadAreCounted() throws {
        let backend = ScriptedPCMBackend(parameters: LiveCaptureFaultTests.mono16k, script: [.frames(16000)])
        let (allocations, hops) = try steadyStateAllocations(backend: backend, request: PCMRequest(device: "scripted"),
                                                             seconds: 1, allocateInConsumer: true)
        #expect(allocations >= hops)
    }

    @Test func alsaFilePluginSteadyStateAllocatesNothing() throws {
        let path = temporaryPath("alloc.raw")
        defer { unlink(path) }
        try writeRawSignal(to: path, frames: 32000, channels: 1, format: .s16)
        let request = PCMRequest(device: "alsa_alloc", configText: ALSADevices.fileCaptureConfig(name: "alsa_alloc", rawFile: path),
                                 format: .s16)
        let (allocations, hops) = try steadyStateAllocations(backend: ALSALibraryBackend(), request: request, seconds: 1.5)
        #expect(hops > 40)
        #expect(allocations == 0)
    }

    private final class EngineBox: @unchecked Sendable {
        let engine: Engine
        var detections = 0
        init(_ e: Engine) { engine = e }
    }

    /// The whole live path: 48 kHz stereo capture, resampling, ring, hop delivery and the engine.
    @Test func captureWithTheEngineInTheConsumerAllocatesNothing() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = temporaryPath("alloc-model")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: root.appendingPathComponent("Tests/EarshotModelTests/Fixtures/mlperf-tiny-kws-ds-cnn-int8.tflite").path,
            toPath: dir + "/m.tflite")
        let sidecar = """
        {"features": {"sampleRate": 16000, "windowLength": 480, "window": "hann", "hopLength": 320, "fftSize": 512,
          "spectrum": "magnitude", "melBands": 40, "melLowHz": 20, "melHighHz": 4000, "logFloor": 1e-6,
          "dctScale": 0.22360679774997896, "coefficients": 10},
         "labels": ["down","go","left","no","off","on","right","stop","up","yes","_silence_","_unknown_"],
         "thresholds": {"down":0.6,"go":0.6,"left":0.6,"no":0.6,"off":0.6,"on":0.6,"right":0.6,"stop":0.6,"up":0.6,"yes":0.6},
         "evaluateEveryHops": 2, "smoothingInferences": 2, "refractorySeconds": 0.8}
        """
        try Data(sidecar.utf8).write(to: URL(fileURLWithPath: dir + "/m.json"))
        let box = EngineBox(try Engine(options: EngineOptions(modelPath: dir + "/m.tflite")))
        let params = PCMParameters(rate: 48000, channels: 2, format: .s32, periodFrames: 480, bufferFrames: 3840)
        let backend = ScriptedPCMBackend(parameters: params, script: [.frames(48000 * 2)])
        let (allocations, hops) = try steadyStateAllocations(
            backend: backend, request: PCMRequest(device: "scripted"), seconds: 1.5,
            work: { samples in box.engine.process(samples) { _ in box.detections += 1 } })
        #expect(hops > 40)
        #expect(box.engine.totals.inferences > 20)
        #expect(allocations == 0)
    }
}
