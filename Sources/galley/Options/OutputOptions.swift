import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `--table`, `--tsv`, `--json`, `--ndjson`, `--ids`: how a reading command prints. Without one:
/// a table on a terminal, tab-separated rows in a pipe.
struct OutputOptions: ParsableArguments {
    enum Format: String, EnumerableFlag {
        case table, tsv, json, ndjson, ids

        static func help(for value: Format) -> ArgumentHelp? {
            switch value {
            case .table: "Aligned columns and readable text (the default on a terminal)."
            case .tsv: "Tab-separated rows without a header (the default in a pipe)."
            case .json: "One JSON document."
            case .ndjson: "One compact JSON object per line."
            case .ids: "Bare ids, one per line, to feed another command."
            }
        }
    }

    @Flag var format: Format?

    var resolved: OutputFormat { OutputFormat.resolve(self.format.flatMap { OutputFormat(rawValue: $0.rawValue) }) }
}
