import Foundation
import EarshotCapture
import EarshotEvents
import EarshotModel

/// What happened to one file of a batch.
public enum FileOutcome: Sendable {
    /// Scored: its detections, non-fatal warnings and the time spent per stage.
    case scored(FileResult, warnings: [String], totals: StageTotals)
    /// Not scored: one line naming the file and the reason.
    case failed(file: String, reason: String)
}

/// Scores many audio files in parallel, one engine per worker thread, and reports the outcomes
/// in input order.
public final class BatchScorer: @unchecked Sendable {
    /// Options every worker's engine is built with.
    public let options: EngineOptions
    /// Worker threads.
    public let jobs: Int
    /// Samples read from a file per block.
    public let blockSamples: Int
    private let model: TFLiteModel
    private let manifest: ModelManifest
    /// An engine built once to check the options; its keyword list and settings describe the batch.
    public let prototype: Engine

    /// Loads the model once and checks the options by building a first engine.
    public init(options: EngineOptions, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                blockSamples: Int = 4096) throws(EngineError) {
        self.options = options
        self.jobs = max(1, jobs)
        self.blockSamples = max(1, blockSamples)
        manifest = try ModelManifest.load(forModel: options.modelPath)
        do { model = try TFLiteModel(path: options.modelPath) } catch {
            throw EngineError(error.description.hasPrefix(options.modelPath) ? error.description
                              : "\(options.modelPath): \(error.description)")
        }
        prototype = try Engine(model: model, manifest: manifest, options: options)
    }

    /// Scores `files`; `onOutcome` is called once per file, serialized and in input order.
    public func run(files: [String], onOutcome: @escaping @Sendable (Int, FileOutcome) -> Void) {
        let state = SharedState(count: files.count)
        let workers = min(jobs, max(1, files.count))
        let engines: [Engine] = (0..<workers).map { i in
            i == 0 ? prototype : (try? Engine(model: model, manifest: manifest, options: options)) ?? prototype
        }
        let box = EnginesBox(engines: engines)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let engine = box.engines[w]
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockSamples)
            defer { buffer.deallocate() }
            while let i = state.next() {
                let outcome = self.score(path: files[i], engine: engine, buffer: buffer)
                state.finish(i, outcome, onOutcome)
            }
        }
    }

    /// Scores one file with an engine and a read buffer.
    public func score(path: String, engine: Engine, buffer: UnsafeMutableBufferPointer<Float>) -> FileOutcome {
        let reader: AudioFileReader
        do { reader = try AudioFileReader(path: path, targetRate: engine.sampleRate) } catch {
            return .failed(file: path, reason: error.reason)
        }
        engine.reset()
        engine.fileName = path
        var detections: [Detection] = []
        detections.reserveCapacity(16)
        do {
            while true {
                let n = try reader.read(into: buffer)
                if n == 0 { break }
                engine.process(UnsafeBufferPointer(rebasing: buffer[0..<n])) { detections.append($0) }
            }
        } catch {
            return .failed(file: path, reason: error.reason)
        }
        let seconds = engine.audioSeconds
        if engine.totals.samples == 0 {
            return .failed(file: path, reason: "no audio samples (zero-length audio)")
        }
        engine.finish { detections.append($0) }
        detections.sort { $0.audioTime < $1.audioTime }
        return .scored(FileResult(file: path, durationSeconds: seconds, detections: detections),
                       warnings: reader.warnings, totals: engine.totals)
    }
}

private final class EnginesBox: @unchecked Sendable {
    let engines: [Engine]
    init(engines: [Engine]) { self.engines = engines }
}

/// Work queue and in-order delivery shared by the workers.
private final class SharedState: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var nextToDeliver = 0
    private var slots: [FileOutcome?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < slots.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func finish(_ i: Int, _ outcome: FileOutcome, _ deliver: (Int, FileOutcome) -> Void) {
        lock.lock(); defer { lock.unlock() }
        slots[i] = outcome
        while nextToDeliver < slots.count, let o = slots[nextToDeliver] {
            slots[nextToDeliver] = nil
            deliver(nextToDeliver, o)
            nextToDeliver += 1
        }
    }
}
