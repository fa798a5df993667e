import ContactSyncCore
import Testing

/// How a failed CRM call is recorded on its run (ARCHITECTURE §4).
@Suite struct FailureClassificationTests {
    static func failure(_ code: String, temporary: Bool = false) -> RunFailure {
        FailureClassification.failure(crmError: code, temporary: temporary, message: "m", crmCode: "X")
    }

    @Test("outages, throttling and timeouts are crm_unavailable and retryable")
    func transient() {
        for code in ["rate_limited", "server_error", "timeout", "connection_failed", "invalid_response"] {
            let failure = Self.failure(code, temporary: true)
            #expect(failure.code == "crm_unavailable")
            #expect(failure.retryable)
            #expect(failure.isTransient)
        }
    }

    @Test("a rejection is final unless the CRM marked it temporary (a row lock)")
    func rejections() {
        #expect(Self.failure("crm_rejected") == RunFailure(code: "crm_rejected", message: "m", crmCode: "X", retryable: false))
        #expect(Self.failure("crm_rejected", temporary: true).code == "crm_unavailable")
        #expect(Self.failure("contact_exists").code == "crm_rejected")
        #expect(!Self.failure("misconfigured").retryable)
        #expect(Self.failure("misconfigured").code == "account_misconfigured")
    }

    @Test("a disconnected account is retryable by an operator, but not transient")
    func reconnect() {
        let failure = Self.failure("reconnect_required")
        #expect(failure.retryable)
        #expect(!failure.isTransient)
    }

    @Test("the daily limit and a missing record keep their own codes and can be retried")
    func ownCodes() {
        #expect(Self.failure("daily_limit_exceeded").code == "daily_limit_exceeded")
        #expect(Self.failure("daily_limit_exceeded").isTransient)
        #expect(Self.failure("not_found").code == "crm_not_found")
        #expect(Self.failure("not_found").retryable)
        #expect(Self.failure("X", temporary: false).code == "crm_unavailable", "an unknown code is treated as an outage")
    }
}
