/// The kinds of content entity, as named on the wire (`"type": "article"`).
public enum EntityType: String, Sendable, Hashable, CaseIterable, Codable {
    /// A story: headline, body blocks, status and the rest.
    case article
    /// A photo, video, audio clip or graphic, with its credit.
    case media
    /// A related-story link from one article to another.
    case link
}
