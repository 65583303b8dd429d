import EarshotFeatures
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error in accounting input (a target file, a sysfs tree, a model summary), naming the thing and the reason.
public struct AccountingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Human-readable reason, naming the offending file, target or value.
    public var description: String
    /// Creates an error with the given reason.
    public init(_ description: String) { self.description = description }
}

/// The arithmetic work of one operator in one inference.
public struct OpWork: Codable, Sendable, Equatable {
    /// Operator name (e.g. "CONV_2D" or a tensor-qualified label).
    public var name: String
    /// Multiply-accumulates per inference.
    public var macs: Int
    /// Bytes of constant weights and biases the operator reads per inference.
    public var weightBytes: Int
    /// Bytes of the operator's input activations (0 when unknown).
    public var inputBytes: Int
    /// Bytes of the operator's output activations (0 when unknown).
    public var outputBytes: Int

    /// Creates an operator record.
    public init(name: String, macs: Int, weightBytes: Int, inputBytes: Int = 0, outputBytes: Int = 0) {
        self.name = name
        self.macs = macs
        self.weightBytes = weightBytes
        self.inputBytes = inputBytes
        self.outputBytes = outputBytes
    }

    /// A regular 2-D convolution on int8 NHWC data with int32 biases: MACs = outH·outW·outC·kH·kW·inC.
    public static func conv2D(name: String = "CONV_2D", inputHeight: Int, inputWidth: Int, inputChannels: Int,
                              outputHeight: Int, outputWidth: Int, outputChannels: Int,
                              kernelHeight: Int, kernelWidth: Int) -> OpWork {
        let macs = outputHeight * outputWidth * outputChannels * kernelHeight * kernelWidth * inputChannels
        let weights = kernelHeight * kernelWidth * inputChannels * outputChannels + 4 * outputChannels
        return OpWork(name: name, macs: macs, weightBytes: weights,
                      inputBytes: inputHeight * inputWidth * inputChannels,
                      outputBytes: outputHeight * outputWidth * outputChannels)
    }

    /// A depthwise 2-D convolution (int8, int32 biases): MACs = outH·outW·channels·multiplier·kH·kW.
    public static func depthwiseConv2D(name: String = "DEPTHWISE_CONV_2D", inputHeight: Int, inputWidth: Int,
                                       channels: Int, multiplier: Int = 1,
                                       outputHeight: Int, outputWidth: Int,
                                       kernelHeight: Int, kernelWidth: Int) -> OpWork {
        let outC = channels * multiplier
        let macs = outputHeight * outputWidth * outC * kernelHeight * kernelWidth
        let weights = kernelHeight * kernelWidth * outC + 4 * outC
        return OpWork(name: name, macs: macs, weightBytes: weights,
                      inputBytes: inputHeight * inputWidth * channels,
                      outputBytes: outputHeight * outputWidth * outC)
    }

    /// A fully connected layer (int8, int32 biases): MACs = inputs·outputs.
    public static func fullyConnected(name: String = "FULLY_CONNECTED", inputs: Int, outputs: Int) -> OpWork {
        OpWork(name: name, macs: inputs * outputs, weightBytes: inputs * outputs + 4 * outputs,
               inputBytes: inputs, outputBytes: outputs)
    }
}

/// The work and memory of one model: per-operator MACs and weights, parameters, arena and file size.
public struct ModelWork: Codable, Sendable, Equatable {
    /// Operators in execution order.
    public var ops: [OpWork]
    /// Bytes of constant parameters (weights, biases) in the model.
    public var parameterBytes: Int
    /// Bytes of the planned tensor arena (RAM for activations and scratch).
    public var arenaBytes: Int
    /// Bytes of the model file (0 when the model was not read from a file).
    public var fileBytes: Int
    /// Where `arenaBytes` comes from ("planner" or an estimate's description).
    public var arenaSource: String

    /// Creates a model work record.
    public init(ops: [OpWork], parameterBytes: Int, arenaBytes: Int, fileBytes: Int, arenaSource: String = "planner") {
        self.ops = ops
        self.parameterBytes = parameterBytes
        self.arenaBytes = arenaBytes
        self.fileBytes = fileBytes
        self.arenaSource = arenaSource
    }

    /// Total multiply-accumulates per inference.
    public var totalMACs: Int { ops.reduce(0) { $0 + $1.macs } }
    /// Bytes of weights read per inference (each operator reads its constants once).
    public var weightBytesPerInference: Int { ops.reduce(0) { $0 + $1.weightBytes } }

    /// MACs grouped by operator name, in order of first appearance.
    public var macsByOp: [(name: String, count: Int, macs: Int)] {
        var order: [String] = []
        var totals: [String: (Int, Int)] = [:]
        for op in ops {
            if let t = totals[op.name] { totals[op.name] = (t.0 + 1, t.1 + op.macs) } else {
                order.append(op.name); totals[op.name] = (1, op.macs)
            }
        }
        return order.map { (name: $0, count: totals[$0]?.0 ?? 0, macs: totals[$0]?.1 ?? 0) }
    }

    /// Lower bound on the arena for a sequential graph: the largest input + output of any single operator.
    public var sequentialArenaEstimate: Int { ops.map { $0.inputBytes + $0.outputBytes }.max() ?? 0 }

    /// The MLPerf Tiny keyword-spotting DS-CNN (kws01) computed from its layer shapes.
    ///
    /// Input 49×10×1 MFCC; conv 10×4 stride 2 → 25×5×64; four depthwise 3×3 + pointwise 1×1 (64 ch) blocks;
    /// average pool 25×5; fully connected 64 → 12. Pooling and softmax are counted as zero MACs.
    /// The arena is the sequential estimate (the real planner's figure replaces it when a model is read).
    public static func mlperfDSCNN(fileBytes: Int = 0) -> ModelWork {
        var ops: [OpWork] = [.conv2D(inputHeight: 49, inputWidth: 10, inputChannels: 1,
                                     outputHeight: 25, outputWidth: 5, outputChannels: 64,
                                     kernelHeight: 10, kernelWidth: 4)]
        for _ in 0..<4 {
            ops.append(.depthwiseConv2D(inputHeight: 25, inputWidth: 5, channels: 64,
                                        outputHeight: 25, outputWidth: 5, kernelHeight: 3, kernelWidth: 3))
            ops.append(.conv2D(inputHeight: 25, inputWidth: 5, inputChannels: 64,
                               outputHeight: 25, outputWidth: 5, outputChannels: 64,
                               kernelHeight: 1, kernelWidth: 1))
        }
        ops.append(OpWork(name: "AVERAGE_POOL_2D", macs: 0, weightBytes: 0, inputBytes: 25 * 5 * 64, outputBytes: 64))
        ops.append(.fullyConnected(inputs: 64, outputs: 12))
        ops.append(OpWork(name: "SOFTMAX", macs: 0, weightBytes: 0, inputBytes: 12, outputBytes: 12))
        let params = ops.reduce(0) { $0 + $1.weightBytes }
        var work = ModelWork(ops: ops, parameterBytes: params, arenaBytes: 0, fileBytes: fileBytes,
                             arenaSource: "estimate: largest input+output of one op")
        work.arenaBytes = work.sequentialArenaEstimate
        return work
    }
}

/// Arithmetic work of the MFCC front end for one hop (one feature frame), derived from a `FeatureConfig`.
///
/// Formulas (all per hop):
/// - window multiply: `windowLength` multiplies;
/// - real FFT of size N (= `fftSize`) as an N/2-point complex radix-2 FFT plus the real-split pass:
///   `5·(N/2)·log2(N/2)` flops (the standard 5·M·log2 M count for an M-point complex FFT) + `6·(N/2)` flops for the split;
/// - spectrum: 3 flops per bin (re²+im²) for N/2+1 bins, plus one square root per bin for a magnitude spectrum;
/// - mel filterbank: one MAC per nonzero triangular weight (HTK mel scale, bins at k·rate/N);
/// - log: one per mel band; DCT: `coefficients × melBands` MACs.
public struct FeatureWork: Codable, Sendable, Equatable {
    /// Window multiplies per hop.
    public var windowMultiplies: Int
    /// FFT flops per hop (formula above).
    public var fftFlops: Int
    /// Spectrum flops per hop (squares and adds).
    public var spectrumFlops: Int
    /// Square roots per hop (magnitude spectrum only).
    public var squareRoots: Int
    /// Mel filterbank MACs per hop (= nonzero filter weights).
    public var melMACs: Int
    /// Natural logs per hop.
    public var logs: Int
    /// DCT MACs per hop.
    public var dctMACs: Int
    /// Hops (feature frames) per second of audio.
    public var hopsPerSecond: Double

    /// Total operations per hop, counting a MAC, a flop, a square root and a log as one operation each.
    public var totalOpsPerHop: Int { windowMultiplies + fftFlops + spectrumFlops + squareRoots + melMACs + logs + dctMACs }

    /// Computes the work for a feature configuration; invalid (non-positive) sizes give zero work, never a trap.
    public init(config: FeatureConfig) {
        let n = max(0, config.fftSize)
        let half = n / 2
        let bins = n > 0 ? half + 1 : 0
        windowMultiplies = max(0, config.windowLength)
        if half >= 2 {
            fftFlops = Int((5.0 * Double(half) * log2(Double(half))).rounded()) + 6 * half
        } else {
            fftFlops = 0
        }
        spectrumFlops = 3 * bins
        squareRoots = config.spectrum == .magnitude ? bins : 0
        melMACs = FeatureWork.melNonzeroWeights(config: config)
        logs = max(0, config.melBands)
        dctMACs = max(0, config.coefficients) * max(0, config.melBands)
        hopsPerSecond = config.hopLength > 0 ? Double(config.sampleRate) / Double(config.hopLength) : 0
    }

    /// Nonzero weights of a triangular HTK-mel filterbank: bins k in 0...N/2 with frequency strictly inside a band's edges.
    public static func melNonzeroWeights(config: FeatureConfig) -> Int {
        let n = config.fftSize
        guard n >= 2, config.melBands > 0, config.sampleRate > 0,
              config.melHighHz > config.melLowHz, config.melLowHz >= 0 else { return 0 }
        func mel(_ hz: Double) -> Double { 1127.0 * log1p(hz / 700.0) }
        func hz(_ m: Double) -> Double { 700.0 * (exp(m / 1127.0) - 1.0) }
        let lo = mel(Double(config.melLowHz)), hi = mel(Double(config.melHighHz))
        let bands = config.melBands
        var edges: [Double] = []
        edges.reserveCapacity(bands + 2)
        for i in 0...(bands + 1) { edges.append(hz(lo + (hi - lo) * Double(i) / Double(bands + 1))) }
        edges[0] = Double(config.melLowHz)              // exact ends: no round-trip error through the mel scale
        edges[bands + 1] = Double(config.melHighHz)
        var count = 0
        for b in 0..<bands {
            let lower = edges[b], upper = edges[b + 2]
            for k in 0...(n / 2) {
                let f = Double(k) * Double(config.sampleRate) / Double(n)
                if f > lower && f < upper { count += 1 }
            }
        }
        return count
    }
}

/// Work rates that follow from a model, a feature configuration and how often the model runs.
public struct WorkRates: Codable, Sendable, Equatable {
    /// Model runs every this many hops.
    public var evaluateEveryHops: Int
    /// Inferences per second of audio.
    public var inferencesPerSecond: Double
    /// Model MACs per second of audio.
    public var modelMACsPerSecond: Double
    /// Feature operations per second of audio.
    public var featureOpsPerSecond: Double
    /// Weight bytes read per second of audio.
    public var weightBytesPerSecond: Double

    /// Computes the rates; `evaluateEveryHops` below 1 is treated as 1.
    public init(model: ModelWork, features: FeatureWork, evaluateEveryHops: Int) {
        let every = max(1, evaluateEveryHops)
        self.evaluateEveryHops = every
        inferencesPerSecond = features.hopsPerSecond / Double(every)
        modelMACsPerSecond = inferencesPerSecond * Double(model.totalMACs)
        featureOpsPerSecond = features.hopsPerSecond * Double(features.totalOpsPerHop)
        weightBytesPerSecond = inferencesPerSecond * Double(model.weightBytesPerInference)
    }
}
