#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What the process is connected to, and the few things it does only for a person at a terminal.
public enum Terminal {
    /// Whether standard output is a terminal (tables), not a pipe or a file (script formats).
    public static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    /// Whether standard error is a terminal (progress bars go there).
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }
    /// Whether standard input is a terminal (we may ask a question).
    public static var stdinIsTerminal: Bool { isatty(0) == 1 }

    /// The terminal's width in columns: `COLUMNS`, else the window size, else nil (no limit).
    public static var width: Int? {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return nil
    }

    public static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Asks on stderr and reads one line from stdin; nil at end of input.
    public static func ask(_ question: String) -> String? {
        Self.writeError(question)
        return readLine(strippingNewline: true)
    }
}
