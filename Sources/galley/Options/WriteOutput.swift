import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// How a write reports what it did: a line for a person, `{changeset, entity}` as JSON, or the id.
enum WriteOutput {
    static func print(_ outcome: EntityWriter.Outcome, format: OutputFormat) {
        switch format {
        case .table, .tsv: Terminal.write(outcome.summary)
        case .json: Terminal.write(JSONWriter.prettyString(.object(outcome.json)) + "\n")
        case .ndjson: Terminal.write(JSONWriter.string(.object(outcome.json)) + "\n")
        case .ids: Terminal.write(Listing.plain(outcome.entity?["id"] ?? outcome.result?["results"]?[0]?["id"]) + "\n")
        }
    }
}
