import ContactSyncCore

/// One line that tells an agent's model what a run did and what to do next.
enum RunSentence {
    static func text(_ run: RunRecord, crm: CRM) -> String {
        let name = crm == .hubspot ? "HubSpot" : "Salesforce"
        if run.status == .failed {
            let error = run.result?.error
            return "Failed: \(error?.message ?? "the run could not be completed")\(error?.retryable == true ? " (temporary; calling again may succeed)" : "")."
        }
        switch (run.result?.outcome, run.result?.reason) {
        case (.created?, _): return "Created the contact in \(name)."
        case (.updated?, _): return "Updated the contact in \(name)."
        case (.summaryOnly?, _): return "Saved the summary to the existing contact in \(name); its other fields were left as they are."
        case (.skipped?, .missingEmail?): return "Skipped: the customer's email is missing — ask for it."
        case (.skipped?, .ambiguousPhone?): return "Skipped: several contacts have this phone number — ask for the customer's email."
        case (.skipped?, .invalidEmail?): return "Skipped: the customer's email does not look valid — ask them to spell it."
        case (.skipped?, .creationDisabled?): return "Skipped: no contact in \(name) has this email, and this action may not create one."
        case (.skipped?, .updatesDisabled?): return "Skipped: the contact exists in \(name) and this action may not change it."
        case (.skipped?, .missingRequiredValue?): return "Skipped: \(name) needs a value for \(run.result?.reasonDetail ?? "a required field") — ask for it."
        default: return "The run is \(run.status.rawValue.replacingOccurrences(of: "_", with: " "))."
        }
    }
}
