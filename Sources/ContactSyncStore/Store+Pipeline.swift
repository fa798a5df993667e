import ContactSyncCore
import Foundation
import SQLKit

/// The note written for one action and conversation.
public struct StoredNote: Sendable, Hashable {
    public var noteId: String
    public var contactId: String

    public init(noteId: String, contactId: String) {
        self.noteId = noteId
        self.contactId = contactId
    }
}

/// An action and a conversation: what identifies a note (one per pair) and the offline run a follow-up follows.
public struct ActionConversation: Sendable, Hashable {
    public var actionId: String
    public var conversationId: String

    public init(actionId: String, conversationId: String) {
        self.actionId = actionId
        self.conversationId = conversationId
    }
}


/// What the run pipeline reads and writes for many runs at once: one statement each, whatever the batch.
extension Store {
    // MARK: One writer per customer

    // MARK: Retries

}
