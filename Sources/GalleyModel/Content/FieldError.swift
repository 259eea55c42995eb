/// One invalid field of a write: where it is, as a path from the params (`ops[2].data.headline`,
/// `ops[0].set.credit.creator`, `ops[1].unset[0]`), and what is wrong with it, in words for people
/// (`is required`, `must be at most 300 characters`).
public struct FieldError: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path message`, or just the message when the path is empty.
    public var description: String { self.path.isEmpty ? self.message : "\(self.path) \(self.message)" }
}
