import ContactSyncCore
import ContactSyncStore
import Foundation

/// One run to carry out, with the configuration and conversation it runs against.
struct PipelineRun: Sendable {
    var run: RunRecord
    let action: Action
    let template: Template
    let conversation: Conversation?
    /// Whether the run is stored already; a new one is stored when its pass opens (``RunJournal``), with
    /// its lease: `leaseOwner` until `leaseUntil`.
    var stored = true
    var lease: (owner: String, until: Date)?
    /// For a tool call through an agent's endpoint: the agent, read for runs; the pass's opening checks it is
    /// still as read (``RunJournal/Opening/agentIds``).
    var offeredBy: String?
}

/// What a pass gives back: each run's outcome, and what closing it records (``RunJournal/close(_:)``).
struct PipelinePass: Sendable {
    var outcomes: [PipelineOutcome]
    let accountId: String
    let lock: CustomerLock
    /// The customers the pass locked, given back as it closes.
    var locked: [String] = []
    /// The records the pass created (or found its lost creates to be), each with its run.
    var provenance: [(recordId: String, runId: String)] = []
    /// The runs the pass's opening stored.
    var stored: Set<String> = []
    /// Runs whose create the pass recorded as sent before their lookup answered, and never sent: withdrawn as it
    /// closes (``RunJournal/Closing/withdrawn``).
    var withdrawn: Set<String> = []
    /// An action, the account or an agent changed since they were read: read them again and run again.
    var configurationChanged = false
    /// For customers locked whose lock another holder had: how long ago that holder gave it back
    /// (``RunJournal/Opened/heldBefore``).
    var heldBefore: [String: Double] = [:]
    /// A new run's idempotency key (or offline key) was taken already: the run is a duplicate.
    var duplicate = false
    /// For customers locked: the contact their last run chose, and whether it is contact-sync's own
    /// (``RunJournal/Opened/lastContacts``).
    var lastContacts: [String: RunJournal.LastContact] = [:]
    /// For customers locked: the contact the pass's last run of each chose, named by its lock as it is given
    /// back (``RunJournal/Closing/chosen``).
    var chosen: [String: String] = [:]
}

/// Where a run stands when the pipeline gives it back.
enum PipelineOutcome: Sendable {
    /// Carried out: succeeded (skipping included), or failed with what it wrote kept.
    case finished(RunRecord)
    /// Not started: another run holds the customer, writing was no longer allowed, or the run a follow-up
    /// follows has not finished. Try again at `until`, or shortly.
    case deferred(RunRecord, until: Date?)
}

/// The write locks one pipeline pass holds on its customers (one writer per customer): who holds them and
/// how long they outlive a holder that died. A worker's heartbeat renews them with its lease.
struct CustomerLock: Sendable {
    /// `<process>.<pass>`: the database tells locks this process held (whose writers its turns order) from others'.
    let owner: String
    let lifetime: TimeInterval
    /// Until when a run waits for its customer's turn in this process (an in-conversation run: its
    /// deadline, measured from the request); nil for a batch, which never waits for one customer.
    var turnDeadline: ContinuousClock.Instant?
    /// The customers whose locks the holder has now, which its heartbeat renews.
    let held = HeldCustomers()

    init(process: String, lifetime: TimeInterval, turnDeadline: ContinuousClock.Instant? = nil) {
        owner = process + "." + Identifier.make("lock")
        self.lifetime = lifetime
        self.turnDeadline = turnDeadline
    }
}
