import Mustache

/// What the layout shows around every page: its title, and for a signed-in operator the navigation and the
/// CSRF token the page's forms carry.
struct ConsoleFrame: Sendable {
    /// One entry of the navigation.
    struct Link: Sendable {
        let href: String
        let label: String
        let current: Bool
    }

    let title: String
    let signedIn: Bool
    let csrf: String
    let nav: [Link]
}

/// A console page as its template sees it: the frame's names (`title`, `signedIn`, `csrf`, `nav`), then the
/// page's own model, a plain struct whose properties are the template's names (an absent optional is false
/// in a section).
struct ConsolePage<Content>: MustacheParent {
    let frame: ConsoleFrame
    let content: Content

    func child(named name: String) -> Any? {
        switch name {
        case "title": frame.title
        case "signedIn": frame.signedIn
        case "csrf": frame.csrf
        case "nav": frame.nav
        default: Self.property(name, of: content)
        }
    }

    /// The property `name` of `model`, unwrapped when it is an optional (nil when absent).
    private static func property(_ name: String, of model: Any) -> Any? {
        guard let value = Mirror(reflecting: model).children.first(where: { $0.label == name })?.value else { return nil }
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}

/// Shapes several pages share.
enum ConsoleModel {
    /// A choice of a `<select>`.
    struct Option: Sendable {
        let value: String
        let label: String
        var selected = false
    }

    /// A sentence shown as a problem or a warning.
    struct Message: Sendable {
        let message: String
    }

    /// The problem page: what did not work, and where to go back to.
    struct Problem: Sendable {
        let heading: String
        let message: String
        var back: String?
    }
}
