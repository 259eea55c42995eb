/// What `server.info` says about this build.
public enum ServerIdentity {
    public static let name = "galleyd"
    public static let version = "0.1.0"
    /// Bumped when the wire contract changes incompatibly.
    public static let protocolVersion = 1
}
