import Foundation
/// The `-m/--message` every write needs: given, asked for at a terminal, or a usage error.
public enum ChangesetMessage {
    /// The message to commit with. Without `-m`, a person at a terminal is asked; a script (stdin
    /// not a terminal) gets a usage error naming the flag.
    public static func resolve(_ given: String?, interactive: Bool = Terminal.stdinIsTerminal && Terminal.stderrIsTerminal) throws -> String {
        if let given, !given.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return given }
        guard interactive else {
            throw CLIError.usage(#"a write needs a message saying why: add -m "why you changed it""#)
        }
        while true {
            guard let answer = Terminal.ask("Changeset message (why?): ") else {
                throw CLIError.usage(#"no message given; add -m "why you changed it""#)
            }
            if !answer.trimmingCharacters(in: .whitespaces).isEmpty { return answer }
        }
    }
}
