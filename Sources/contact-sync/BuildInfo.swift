/// What `contact-sync --version` prints: the release and the commit it was built from. `scripts/release`
/// writes the commit here for the build it makes (and puts this file back afterwards); a build from a
/// checkout says `development`.
enum BuildInfo {
    static let version = "1.0.0"
    static let commit = "development"

    static var description: String { "contact-sync \(version) (commit \(commit))" }
}
