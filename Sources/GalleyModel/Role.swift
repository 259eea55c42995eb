/// What a token may do. Each role includes the rights of the ones below it.
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    /// Reads, sync pull, subscribe.
    case reader
    /// Everything a reader may do, and writes.
    case editor
    /// Everything an editor may do, and token management.
    case admin

    private var rank: Int {
        switch self {
        case .reader: 0
        case .editor: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// Whether this role includes `required`.
    public func includes(_ required: Role) -> Bool { self >= required }
}

/// Who is calling: the name of the token the connection authenticated with, and its role.
public struct Principal: Sendable, Hashable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }
}
