import ContactSyncCore
import Foundation

/// Who an account is in its CRM.
public struct AccountIdentity: Sendable, Hashable, Codable {
    /// HubSpot portal (hub) id or Salesforce organization id.
    public var accountId: String
    /// HubSpot app id (provenance: `hs_object_source_id`), when the token reveals it.
    public var appId: String?
    /// Salesforce user id of the integration (provenance: `CreatedById`).
    public var userId: String?

    public init(accountId: String, appId: String? = nil, userId: String? = nil) {
        self.accountId = accountId
        self.appId = appId
        self.userId = userId
    }
}

/// One conversation note to write (HubSpot): a new one on a contact, or new text for an existing one.
public struct NoteWrite: Sendable, Hashable {
    /// What the summary is written as.
    public enum Kind: Sendable, Hashable {
        /// A HubSpot note.
        case note
        /// A HubSpot Call engagement with what is known of the call.
        case call(CallFacts)
        /// A Salesforce Task, subtype Call, with this subject.
        case task(CallFacts, subject: String)
    }

    public var contactId: String
    public var text: String
    /// The activity written for this action and conversation before, if any.
    public var existingNoteId: String?
    public var timestamp: Date
    public var kind: Kind

    public init(contactId: String, text: String, existingNoteId: String?, timestamp: Date, kind: Kind = .note) {
        self.contactId = contactId
        self.text = text
        self.existingNoteId = existingNoteId
        self.timestamp = timestamp
        self.kind = kind
    }
}

/// The outcome of one record of a batch write.
public typealias RecordResult = Result<String, CRMError>

/// One CRM account's contact operations. HubSpot and Salesforce implement it; every call can be
/// recorded in a `CRMCallLog`.
public protocol CRMConnector: Sendable {
    var crm: CRM { get }
    /// Whether the CRM marks a contact with the integration that created it, apart from any person: then a
    /// contact the connected user makes by hand never looks like contact-sync's lost create, whenever a create
    /// was recorded as sent (HubSpot: the app; Salesforce marks only the user).
    var marksIntegrationCreates: Bool { get }
    /// Checks the credentials and reads who the account is.
    func verify(log: CRMCallLog?) async throws(CRMError) -> AccountIdentity
    /// The contact fields with their metadata (cached for a short while).
    func contactFields(log: CRMCallLog?) async throws(CRMError) -> [CRMField]
    /// Contacts for many emails at once, keyed by normalised email (missing emails map to no matches).
    func lookup(emails: [String], log: CRMCallLog?) async throws(CRMError) -> [String: [ContactMatch]]
    /// Contacts whose phone fields hold one of `phones` (E.164), as the CRM's own phone search finds them
    /// whatever their formatting, keyed by the E.164 number.
    func lookup(phones: [String], log: CRMCallLog?) async throws(CRMError) -> [String: [ContactMatch]]
    /// The contact with this id, with provenance.
    func contact(id: String, log: CRMCallLog?) async throws(CRMError) -> ContactMatch
    /// Creates many contacts in batches; one result per input, in order.
    func createContacts(_ inputs: [[String: String]], log: CRMCallLog?) async throws(CRMError) -> [RecordResult]
    /// Updates many contacts in batches; one result per input, in order (the id on success).
    func updateContacts(_ inputs: [(id: String, properties: [String: String])], log: CRMCallLog?) async throws(CRMError) -> [RecordResult]
    /// Writes conversation notes (HubSpot; a CRM whose summary lives in a field has none to write); one
    /// result per input, in order.
    func writeNotes(_ notes: [NoteWrite], log: CRMCallLog?) async throws(CRMError) -> [RecordResult]
    /// The activities `notes` describe that unanswered attempts created, by the notes' positions: each on its
    /// note's contact, with exactly its text and timestamp (a note or call), or its subject (a task).
    func findNotes(_ notes: [NoteWrite], log: CRMCallLog?) async throws(CRMError) -> [Int: String]
    /// A link to the contact in the CRM's own interface.
    func recordURL(contactId: String) -> String
    /// Ends the account's OAuth grant (when it has a refresh token), on disconnect.
    func revokeGrant() async throws(CRMError)
    /// Remembers an identity verified earlier, so that runs need not read it again.
    func prime(identity: AccountIdentity)
}
