/// How a failed CRM call is recorded on its run (ARCHITECTURE §4): the run's error code, and whether trying
/// again may succeed. Transient failures — throttling, server errors, timeouts, dropped connections, a row
/// lock, a refusal the CRM marks as temporary — are retryable; rejections of the data and bad settings are
/// not, and need a person.
public enum FailureClassification {
    /// The run's failure for a CRM error with code `crmError` (`CRMError.Code`'s raw value) that the CRM
    /// layer judged `temporary` or not.
    public static func failure(crmError: String, temporary: Bool, message: String, crmCode: String?) -> RunFailure {
        let code: String = switch crmError {
        case "crm_rejected", "contact_exists": temporary ? "crm_unavailable" : "crm_rejected"
        case "reconnect_required": "reconnect_required"
        case "daily_limit_exceeded": "daily_limit_exceeded"
        case "not_found": "crm_not_found"
        case "misconfigured": "account_misconfigured"
        default: "crm_unavailable"
        }
        return RunFailure(code: code, message: message, crmCode: crmCode, retryable: code != "crm_rejected" && code != "account_misconfigured")
    }
}
