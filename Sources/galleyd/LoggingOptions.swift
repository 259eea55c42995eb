import ArgumentParser
import GalleyServer
import Logging

/// `--log-level`, and the one-time bootstrap of swift-log to standard error.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (env GALLEY_LOG_LEVEL).")
    var logLevel: String = Environment.value("GALLEY_LOG_LEVEL") ?? "info"

    @Option(name: .long, help: "text (default) or json: one JSON object per line, for log shippers (env GALLEY_LOG_FORMAT).")
    var logFormat: String = Environment.value("GALLEY_LOG_FORMAT") ?? "text"

    func validate() throws {
        guard Logger.Level(rawValue: self.logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ["text", "json"].contains(self.logFormat) else { throw ValidationError("--log-format must be text or json") }
    }

    func bootstrap() -> Logger {
        let level = Logger.Level(rawValue: self.logLevel) ?? .info
        let json = self.logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "galleyd")
    }
}
