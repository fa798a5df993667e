import ContactSyncCRM
import ContactSyncCore

/// One contact (or note) at a time through the batch calls the run pipeline makes: tests look up, create and
/// update a single contact, and write a single note, with the same requests a run of one would send.
extension CRMConnector {
    /// Contacts whose email is `email`, looked up as a batch of one.
    func lookup(email: String, log: CRMCallLog?) async throws(CRMError) -> [ContactMatch] {
        let key = email.lowercased()
        return try await lookup(emails: [key], log: log)[key] ?? []
    }

    /// Creates one contact as a batch of one; its failure is thrown.
    func createContact(_ properties: [String: String], log: CRMCallLog?) async throws(CRMError) -> String {
        try await only(createContacts([properties], log: log)).get()
    }

    /// Updates one contact as a batch of one; its failure is thrown.
    func updateContact(id: String, _ properties: [String: String], log: CRMCallLog?) async throws(CRMError) {
        _ = try await only(updateContacts([(id, properties)], log: log)).get()
    }

    /// Writes one note (or call) as a batch of one; its failure is thrown.
    func writeNote(_ note: NoteWrite, log: CRMCallLog?) async throws(CRMError) -> String {
        try await only(writeNotes([note], log: log)).get()
    }

    private func only(_ results: [RecordResult]) throws(CRMError) -> RecordResult {
        guard results.count == 1, let result = results.first else { throw CRMError(.invalidResponse, "\(results.count) results for one record.") }
        return result
    }
}
