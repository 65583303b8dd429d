/// An engine set-up error: one line naming the file or setting and the reason.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    /// The message.
    public var description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
