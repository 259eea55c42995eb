import ArgumentParser
import Logging

/// `--log-level`, and the one-time bootstrap of swift-log to standard error.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (env GALLEY_LOG_LEVEL).")
    var logLevel: String = Environment.value("GALLEY_LOG_LEVEL") ?? "info"

    func validate() throws {
        guard Logger.Level(rawValue: self.logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func bootstrap() -> Logger {
        let level = Logger.Level(rawValue: self.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "galleyd")
    }
}
