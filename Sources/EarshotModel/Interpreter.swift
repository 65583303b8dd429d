/// An error in a model file or in running it, with a one-line reason.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    /// Human-readable reason, naming the offending part of the model.
    public var description: String
    /// Creates an error with the given reason.
    public init(_ description: String) { self.description = description }
}

/// A TFLite model read into memory and checked.
///
/// STUB: the model work (issue 2, part 4) replaces this with the validated flatbuffer reader.
public final class TFLiteModel: @unchecked Sendable {
    /// Reads and validates a model from bytes.
    public init(bytes: [UInt8]) throws(ModelError) { throw ModelError("not implemented") }
    /// Reads and validates a model file.
    public convenience init(path: String) throws(ModelError) { throw ModelError("not implemented") }
}

/// Quantization of one tensor (per-tensor view used by the engine).
public struct TensorInfo: Sendable {
    /// Tensor name in the model.
    public var name: String
    /// Shape.
    public var shape: [Int]
    /// Scale of the (first) quantization channel.
    public var scale: Float
    /// Zero point.
    public var zeroPoint: Int32
}

/// Runs a model with all intermediate tensors planned into one arena allocated at init.
public final class Interpreter {
    /// The input tensor (int8).
    public let input: TensorInfo
    /// The output tensor (int8).
    public let output: TensorInfo
    /// Bytes of the planned arena.
    public let arenaBytes: Int
    /// Plans and allocates everything; refuses unsupported ops and types with their names.
    public init(model: TFLiteModel) throws(ModelError) { fatalError() }
    /// The input tensor's bytes, to fill before `invoke()`.
    public var inputBuffer: UnsafeMutableBufferPointer<Int8> { fatalError() }
    /// The output tensor's bytes, valid after `invoke()`.
    public var outputBuffer: UnsafeBufferPointer<Int8> { fatalError() }
    /// Runs the graph once; allocates nothing.
    public func invoke() {}
}
