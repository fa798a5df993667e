import ContactSyncCore
import Foundation
import SQLKit

/// An offline-sync action of an agent: what to run when one of its conversations ends.
public struct OfflineTarget: Sendable, Hashable {
    public var actionId: String
    public var accountId: String

    public init(actionId: String, accountId: String) {
        self.actionId = actionId
        self.accountId = accountId
    }
}

extension Store {
}
