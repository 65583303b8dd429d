import ArgumentParser
import EarshotCapture
import EarshotFeatures
import Foundation

extension ClipAlignment: ExpressibleByArgument {}

/// `earshot features`: MFCC features of audio files, written as a float32 .npy for training tools.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute MFCC features of audio files into a float32 .npy of shape [files, frames, coefficients].",
        discussion: """
            Each file is decoded, mixed to mono, resampled to the configuration's rate, cropped or \
            zero-padded to exactly the samples that --frames frames need, and run through the MFCC \
            front end. A file that cannot be read, or that the decoder reports as corrupt or truncated \
            (unless --allow-damaged), is reported on stderr, written as a row of zeros \
            and listed in OUT.failed.txt; the exit status is then non-zero.
            """)

    @Argument(help: "Audio files (WAV, FLAC, ...).")
    var files: [String] = []

    @Option(name: .customLong("file-list"), help: "A text file with one audio path per line (blank lines and lines starting with # are skipped).")
    var fileList: String?

    @Option(help: "Output .npy path.")
    var out: String

    @Option(help: "Feature configuration JSON (a FeatureConfig, or a sidecar with a \"features\" key).")
    var config: String?

    @Option(help: "Take the feature configuration from this model's sidecar (M.tflite → M.json, key \"features\").")
    var model: String?

    @Option(help: "Frames per file (audio is cropped/padded to the exact sample count); 0 = all frames of a single file.")
    var frames: Int = 49

    @Option(help: "Where to crop or pad: start, center or energy (the window with the highest energy).")
    var align: ClipAlignment = .center

    @Flag(name: .customLong("allow-damaged"), help: "Keep files the decoder reports as corrupt or truncated (default: treat them as failed).")
    var allowDamaged = false

    func validate() throws {
        if config != nil && model != nil { throw ValidationError("give --config or --model, not both") }
        if frames < 0 { throw ValidationError("--frames must be ≥ 0") }
        if files.isEmpty && fileList == nil { throw ValidationError("give audio files or --file-list") }
    }

    func run() throws {
        let cfg: FeatureConfig
        do {
            if let config { cfg = try FeatureConfig.load(path: config) }
            else if let model { cfg = try FeatureConfig.load(modelPath: model) }
            else { cfg = .mlperfTiny }
        } catch {
            throw ValidationError(error.description)
        }
        var paths = files
        if let fileList {
            guard let text = try? String(contentsOfFile: fileList, encoding: .utf8) else {
                throw ValidationError("\(fileList): cannot read file list")
            }
            for line in text.split(whereSeparator: \.isNewline) {
                let p = line.trimmingCharacters(in: .whitespaces)
                if p.isEmpty || p.hasPrefix("#") { continue }
                paths.append(p)
            }
        }
        if paths.isEmpty { throw ValidationError("no audio files given") }
        if frames == 0 && paths.count != 1 {
            throw ValidationError("--frames 0 (all frames) takes exactly one file, got \(paths.count)")
        }
        let mfcc = try MFCC(config: cfg)
        let coeffs = cfg.coefficients

        if frames == 0 {
            let path = paths[0]
            let feats: [Float]
            do {
                let samples = try Self.load(path, cfg, allowDamaged: allowDamaged)
                feats = mfcc.frames(of: samples)
            } catch {
                Self.stderr("\(error)")
                throw ExitCode(1)
            }
            let n = feats.count / coeffs
            if n == 0 { Self.stderr("\(path): shorter than one window (\(cfg.windowLength) samples): 0 frames") }
            do {
                let w = try NPYWriter(path: out, shape: [n, coeffs])
                try w.write(feats)
                try w.close()
            } catch { throw ValidationError(error.description) }
            return
        }

        let need = cfg.sampleCount(forFrames: frames)
        let rowValues = frames * coeffs
        let writer: NPYWriter
        do { writer = try NPYWriter(path: out, shape: [paths.count, frames, coeffs]) } catch { throw ValidationError(error.description) }
        var failed: [String] = []
        for path in paths {
            var row: [Float]? = nil
            do {
                let samples = try Self.load(path, cfg, allowDamaged: allowDamaged)
                let fitted = ClipFraming.fit(samples, count: need, alignment: align, hop: cfg.hopLength)
                let feats = mfcc.frames(of: fitted)
                if feats.count == rowValues { row = feats }
                else { Self.stderr("\(path): produced \(feats.count / coeffs) frames, expected \(frames)") }
            } catch {
                Self.stderr("\(error)")
            }
            do {
                if let row { try writer.write(row) } else { try writer.writeZeros(rowValues); failed.append(path) }
            } catch { throw ValidationError(error.description) }
        }
        do { try writer.close() } catch { throw ValidationError(error.description) }

        let failedPath = Self.failedListPath(for: out)
        if failed.isEmpty {
            try? FileManager.default.removeItem(atPath: failedPath)
        } else {
            let text = failed.joined(separator: "\n") + "\n"
            do { try text.write(toFile: failedPath, atomically: true, encoding: .utf8) } catch {
                Self.stderr("\(failedPath): cannot write: \(error.localizedDescription)")
            }
            Self.stderr("\(failed.count) of \(paths.count) files failed; listed in \(failedPath)")
            throw ExitCode(1)
        }
    }

    /// `X.npy` → `X.failed.txt`.
    static func failedListPath(for out: String) -> String {
        (out.hasSuffix(".npy") ? String(out.dropLast(4)) : out) + ".failed.txt"
    }

    static func load(_ path: String, _ cfg: FeatureConfig, allowDamaged: Bool) throws(AudioFileError) -> [Float] {
        let reader = try AudioFileReader(path: path, targetRate: cfg.sampleRate)
        let samples = try reader.readAll()
        if reader.isDamaged && !allowDamaged {
            throw AudioFileError(path: path, reason: "damaged audio, skipped (use --allow-damaged to keep it): "
                                 + reader.warnings.joined(separator: "; "))
        }
        for w in reader.warnings { stderr("\(path): warning: \(w)") }
        if samples.isEmpty { throw AudioFileError(path: path, reason: "no audio samples decoded") }
        return samples
    }

    static func stderr(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
