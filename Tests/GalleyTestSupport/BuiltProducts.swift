import Foundation

/// The executables this build produced (`galleyd`, `galley`), for tests of what only a process
/// shows: signals, exit status, kill -9, the CLI.
public enum BuiltProducts {
    /// The repository's root (this file is `Tests/GalleyTestSupport/BuiltProducts.swift`).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The directory holding the built executables, next to the test bundle.
    public static let directory: URL = {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            repositoryRoot.appendingPathComponent(".build/debug"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("galleyd").path) }
            ?? candidates[2]
    }()

    public static func executable(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// Runs a CLI command to completion (bounded) and returns its exit status and output.
public func runCommand(
    _ executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], directory: String? = nil
) async throws
    -> (status: Int32, stdout: String, stderr: String)
{
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    let stdout = PipeDrain(out)
    let stderr = PipeDrain(err)
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let deadline = ContinuousClock.now + .seconds(60)
    while process.isRunning {
        if ContinuousClock.now >= deadline {
            process.terminate()
            throw TestFailure("\(executable.lastPathComponent) \(arguments) did not finish within 60 s")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    return (process.terminationStatus, try await stdout.waitForEnd(), try await stderr.waitForEnd())
}
