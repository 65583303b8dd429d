import Foundation
import EarshotFeatures

/// A published MLPerf Tiny keyword-spotting result for one board.
public struct PublishedKWSResult: Codable, Sendable, Equatable {
    /// Result round, e.g. "MLPerf Tiny v1.1 (closed)".
    public var round: String
    /// Submitting organisation.
    public var submitter: String
    /// Inference framework and supply notes.
    public var framework: String
    /// Median throughput of the energy run, inferences per second.
    public var throughputInferencesPerSecond: Double
    /// Median energy per inference, microjoules.
    public var energyPerInferenceMicrojoules: Double
    /// Where the figures come from (URL and file).
    public var source: String
}

/// One microcontroller target: clock, memory, published or assumed speed and power.
public struct TargetProfile: Codable, Sendable, Equatable {
    /// Short identifier used by `--target`.
    public var id: String
    /// Display name.
    public var name: String
    /// Board and chip.
    public var board: String
    /// Core clock in Hz.
    public var clockHz: Double
    /// On-chip flash bytes.
    public var flashBytes: Int
    /// On-chip RAM bytes.
    public var ramBytes: Int
    /// The published KWS result the speed and power derive from, when there is one.
    public var published: PublishedKWSResult?
    /// Assumed cycles per MAC when there is no published result.
    public var assumedCyclesPerMAC: Double?
    /// Assumed active power in milliwatts when there is no published result.
    public var assumedActivePowerMilliwatts: Double?
    /// Power between bursts of work, milliwatts (see `note`).
    public var sleepPowerMilliwatts: Double
    /// Cycles per feature operation (FFT flop, MAC, log…), see `note`.
    public var featureCyclesPerOp: Double
    /// Which figures are assumptions and why.
    public var note: String

    /// Seconds per reference inference from the published throughput, or nil without a valid published result.
    public var publishedLatencySeconds: Double? {
        guard let p = published, p.throughputInferencesPerSecond > 0 else { return nil }
        return 1 / p.throughputInferencesPerSecond
    }

    /// Cycles per MAC: published latency × clock / reference MACs, else the assumed figure.
    public func cyclesPerMAC(referenceMACs: Int) throws(AccountingError) -> Double {
        if let lat = publishedLatencySeconds {
            guard referenceMACs > 0 else { throw AccountingError("target \(id): reference model has no MACs") }
            return lat * clockHz / Double(referenceMACs)
        }
        guard let c = assumedCyclesPerMAC, c > 0, c.isFinite else {
            throw AccountingError("target \(id): no published result and no positive assumedCyclesPerMAC")
        }
        return c
    }

    /// Active power in watts: published energy per inference / published latency, else the assumed figure.
    public func activePowerWatts() throws(AccountingError) -> Double {
        if let p = published, let lat = publishedLatencySeconds {
            guard p.energyPerInferenceMicrojoules > 0 else {
                throw AccountingError("target \(id): published energy per inference must be positive")
            }
            return p.energyPerInferenceMicrojoules * 1e-6 / lat
        }
        guard let mw = assumedActivePowerMilliwatts, mw > 0, mw.isFinite else {
            throw AccountingError("target \(id): no published result and no positive assumedActivePowerMilliwatts")
        }
        return mw / 1000
    }
}

/// The set of target profiles, normally read from the bundled Targets.json.
public struct TargetCatalog: Codable, Sendable, Equatable {
    /// What the file is and how figures are derived.
    public var description: String
    /// Identifier of the model the published figures were measured with.
    public var referenceModel: String
    /// Targets in file order.
    public var targets: [TargetProfile]

    /// Decodes a catalog from JSON bytes, checking clocks and sizes.
    public static func decode(_ data: Data, source: String = "Targets.json") throws(AccountingError) -> TargetCatalog {
        let catalog: TargetCatalog
        do { catalog = try JSONDecoder().decode(TargetCatalog.self, from: data) } catch {
            throw AccountingError("\(source): not a valid target catalog: \(error)")
        }
        for t in catalog.targets {
            guard t.clockHz > 0, t.clockHz.isFinite, t.flashBytes > 0, t.ramBytes > 0,
                  t.sleepPowerMilliwatts >= 0, t.featureCyclesPerOp >= 0 else {
                throw AccountingError("\(source): target \(t.id): clock and memory must be positive, powers non-negative")
            }
        }
        return catalog
    }

    /// Reads a catalog from a JSON file.
    public static func load(path: String) throws(AccountingError) -> TargetCatalog {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AccountingError("\(path): target catalog cannot be read")
        }
        return try decode(data, source: path)
    }

    /// The catalog bundled with the module (Sources/EarshotAccounting/Targets.json).
    public static func bundled() throws(AccountingError) -> TargetCatalog {
        guard let url = Bundle.module.url(forResource: "Targets", withExtension: "json") else {
            throw AccountingError("Targets.json: not found in the EarshotAccounting bundle")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AccountingError("\(url.path): cannot be read: \(error.localizedDescription)")
        }
        return try decode(data, source: url.path)
    }

    /// The target whose id or name matches (case-insensitive; an id prefix also matches when unique).
    public func target(named query: String) throws(AccountingError) -> TargetProfile {
        let q = query.lowercased()
        if let t = targets.first(where: { $0.id.lowercased() == q || $0.name.lowercased() == q }) { return t }
        let partial = targets.filter { $0.id.lowercased().hasPrefix(q) || $0.name.lowercased().contains(q) }
        if partial.count == 1 { return partial[0] }
        let known = targets.map(\.id).joined(separator: ", ")
        if partial.isEmpty { throw AccountingError("target \"\(query)\": unknown (known: \(known))") }
        throw AccountingError("target \"\(query)\": ambiguous (matches \(partial.map(\.id).joined(separator: ", ")))")
    }
}

/// A battery: capacity and nominal voltage.
public struct Battery: Codable, Sendable, Equatable {
    /// Capacity in milliamp-hours.
    public var milliampHours: Double
    /// Nominal voltage.
    public var volts: Double
    /// Creates a battery.
    public init(milliampHours: Double = 1000, volts: Double = 3.7) {
        self.milliampHours = milliampHours
        self.volts = volts
    }
    /// Stored energy in joules: mAh × V × 3.6.
    public var joules: Double { milliampHours * volts * 3.6 }
}

/// Estimated cost of running a model and its features continuously on one MCU target.
public struct MCUEstimate: Codable, Sendable, Equatable {
    /// Target identifier.
    public var target: String
    /// Target display name.
    public var targetName: String
    /// Derived cycles per MAC.
    public var cyclesPerMAC: Double
    /// Derived active power, watts.
    public var activePowerWatts: Double
    /// Assumed sleep power, watts.
    public var sleepPowerWatts: Double
    /// Seconds per inference.
    public var inferenceSeconds: Double
    /// Joules per inference.
    public var inferenceJoules: Double
    /// Seconds of feature work per hop.
    public var featureSecondsPerHop: Double
    /// Joules of feature work per hop.
    public var featureJoulesPerHop: Double
    /// Inferences per second of audio.
    public var inferencesPerSecond: Double
    /// Active seconds per second of audio (inference + features) = duty cycle.
    public var dutyCycle: Double
    /// Active joules per second of audio (inference + features).
    public var activeJoulesPerAudioSecond: Double
    /// Whether the target keeps up with real time (duty cycle ≤ 1).
    public var keepsUp: Bool
    /// Smallest evaluate-every-hops that keeps up, nil if features alone don't fit.
    public var minimumEvaluateEveryHops: Int?
    /// Average power, watts: active energy per second + sleep power for the idle share (nil when it can't keep up).
    public var averagePowerWatts: Double?
    /// Battery life in hours at the average power (nil when it can't keep up).
    public var batteryHours: Double?
    /// Flash needed: the model file, which embeds the parameters (or the parameters alone without a file).
    public var flashNeededBytes: Int
    /// RAM needed: tensor arena + feature working buffers.
    public var ramNeededBytes: Int
    /// Whether the model fits the flash.
    public var fitsFlash: Bool
    /// Whether arena and buffers fit the RAM.
    public var fitsRAM: Bool
    /// Detection latency on the target: one hop of features + one inference, seconds.
    public var processingLatencySeconds: Double

    /// Computes the estimate for a target from model work, feature work, evaluation rate and a battery.
    public init(target: TargetProfile, model: ModelWork, features: FeatureWork, featureWorkingBytes: Int,
                evaluateEveryHops: Int, battery: Battery, referenceMACs: Int) throws(AccountingError) {
        let cpm = try target.cyclesPerMAC(referenceMACs: referenceMACs)
        let active = try target.activePowerWatts()
        let rates = WorkRates(model: model, features: features, evaluateEveryHops: evaluateEveryHops)
        self.target = target.id
        targetName = target.name
        cyclesPerMAC = cpm
        activePowerWatts = active
        sleepPowerWatts = target.sleepPowerMilliwatts / 1000
        inferenceSeconds = Double(model.totalMACs) * cpm / target.clockHz
        inferenceJoules = inferenceSeconds * active
        featureSecondsPerHop = Double(features.totalOpsPerHop) * target.featureCyclesPerOp / target.clockHz
        featureJoulesPerHop = featureSecondsPerHop * active
        inferencesPerSecond = rates.inferencesPerSecond
        dutyCycle = inferencesPerSecond * inferenceSeconds + features.hopsPerSecond * featureSecondsPerHop
        activeJoulesPerAudioSecond = dutyCycle * active
        keepsUp = dutyCycle <= 1
        let featureShare = features.hopsPerSecond * featureSecondsPerHop
        let inferencePerHopShare = features.hopsPerSecond * inferenceSeconds
        if featureShare < 1 {
            let n = inferencePerHopShare / (1 - featureShare)
            minimumEvaluateEveryHops = max(1, Int(n.rounded(.up)))
        } else {
            minimumEvaluateEveryHops = nil
        }
        if keepsUp {
            let avg = activeJoulesPerAudioSecond + (1 - dutyCycle) * sleepPowerWatts
            averagePowerWatts = avg
            batteryHours = avg > 0 ? battery.joules / avg / 3600 : nil
        } else {
            averagePowerWatts = nil
            batteryHours = nil
        }
        flashNeededBytes = model.fileBytes > 0 ? max(model.fileBytes, model.parameterBytes) : model.parameterBytes
        ramNeededBytes = model.arenaBytes + featureWorkingBytes
        fitsFlash = flashNeededBytes <= target.flashBytes
        fitsRAM = ramNeededBytes <= target.ramBytes
        processingLatencySeconds = featureSecondsPerHop + inferenceSeconds
    }
}

extension FeatureWork {
    /// Working buffers of the MFCC front end in bytes (float32): int16 window of audio, float frame, FFT input,
    /// complex spectrum (N/2+1 bins), mel bands and one frame of coefficients.
    public static func workingBytes(config: FeatureConfig) -> Int {
        let w = max(0, config.windowLength), n = max(0, config.fftSize)
        let bins = n > 0 ? n / 2 + 1 : 0
        return 2 * w + 4 * w + 4 * n + 8 * bins + 4 * max(0, config.melBands) + 4 * max(0, config.coefficients)
    }
}

/// Everything `earshot report` prints: the work counts and the per-target estimates.
public struct MCUReport: Codable, Sendable, Equatable {
    /// Model label (file path or built-in name).
    public var model: String
    /// Model work.
    public var work: ModelWork
    /// Total MACs per inference.
    public var macsPerInference: Int
    /// Weight bytes read per inference.
    public var weightBytesPerInference: Int
    /// Feature configuration used.
    public var featureConfig: FeatureConfig
    /// Feature work per hop.
    public var features: FeatureWork
    /// Feature working buffers, bytes.
    public var featureWorkingBytes: Int
    /// Rates per second of audio.
    public var rates: WorkRates
    /// Battery used for battery life.
    public var battery: Battery
    /// MACs of the reference model the targets' figures were measured with.
    public var referenceMACs: Int
    /// Per-target estimates.
    public var estimates: [MCUEstimate]
    /// The targets' source and assumption notes, by id.
    public var targetNotes: [String: String]

    /// Builds the report for some targets.
    public init(model: String, work: ModelWork, featureConfig: FeatureConfig, evaluateEveryHops: Int,
                battery: Battery, targets: [TargetProfile], referenceMACs: Int) throws(AccountingError) {
        self.model = model
        self.work = work
        macsPerInference = work.totalMACs
        weightBytesPerInference = work.weightBytesPerInference
        self.featureConfig = featureConfig
        features = FeatureWork(config: featureConfig)
        featureWorkingBytes = FeatureWork.workingBytes(config: featureConfig)
        rates = WorkRates(model: work, features: features, evaluateEveryHops: evaluateEveryHops)
        self.battery = battery
        self.referenceMACs = referenceMACs
        var list: [MCUEstimate] = []
        var notes: [String: String] = [:]
        for t in targets {
            list.append(try MCUEstimate(target: t, model: work, features: features, featureWorkingBytes: featureWorkingBytes,
                                        evaluateEveryHops: evaluateEveryHops, battery: battery, referenceMACs: referenceMACs))
            var n = t.note
            if let p = t.published {
                let src = p.source.hasSuffix(".") ? String(p.source.dropLast()) : p.source
                n = "source: \(p.round), \(p.submitter), \(p.framework): \(src). " + n
            }
            notes[t.id] = n
        }
        estimates = list
        targetNotes = notes
    }

    /// Pretty JSON (sorted keys).
    public func json() -> String { Format.json(self, pretty: true) }

    /// The work counts as a text block.
    public func workText() -> String {
        WorkSummary(model: model, work: work, featureConfig: featureConfig, evaluateEveryHops: rates.evaluateEveryHops).text()
    }

    /// The full text report: work counts, an estimate table and the notes.
    public func text() -> String {
        var out = workText()
        out += "battery: \(Format.number(battery.milliampHours, 0)) mAh at \(Format.number(battery.volts, 2)) V = \(Format.number(battery.joules, 0)) J\n\n"
        let header = ["target", "cyc/MAC", "active mW", "inference ms", "inference uJ", "features us/hop",
                      "duty %", "active mJ/audio s", "avg mW", "battery h", "min hops/eval", "flash", "RAM"]
        var rows: [[String]] = []
        for e in estimates {
            rows.append([
                e.target,
                Format.number(e.cyclesPerMAC, 3),
                Format.number(e.activePowerWatts * 1000, 2),
                Format.number(e.inferenceSeconds * 1000, 3),
                Format.number(e.inferenceJoules * 1e6, 1),
                Format.number(e.featureSecondsPerHop * 1e6, 1),
                e.keepsUp ? Format.number(e.dutyCycle * 100, 2) : "overrun (" + Format.number(e.dutyCycle * 100, 0) + ")",
                Format.number(e.activeJoulesPerAudioSecond * 1000, 3),
                e.averagePowerWatts.map { Format.number($0 * 1000, 3) } ?? "-",
                e.batteryHours.map { Format.number($0, 1) } ?? "-",
                e.minimumEvaluateEveryHops.map(String.init) ?? "never",
                (e.fitsFlash ? "fits " : "NO ") + String(e.flashNeededBytes),
                (e.fitsRAM ? "fits " : "NO ") + String(e.ramNeededBytes),
            ])
        }
        out += TextTable(header: header, rows: rows).render()
        out += "\nderivation: cycles/MAC = published latency x clock / \(referenceMACs) reference MACs; active power = published energy per inference / latency; "
        out += "duty = inferences/s x inference time + hops/s x feature time; average power = duty x active + (1 - duty) x sleep; "
        out += "flash = model file (embeds parameters); RAM = arena + \(featureWorkingBytes) B feature buffers. Runtime code and microphone are not included.\n"
        for e in estimates {
            out += "- \(e.target) (\(e.targetName)): \(targetNotes[e.target] ?? "")\n"
        }
        return out
    }
}
