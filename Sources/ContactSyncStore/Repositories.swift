import ContactSyncCore

/// Every repository over one database, with what that database calls for chosen here, once, when the
/// services are wired: on SQLite, which one process owns, actions, accounts and agents are kept in a
/// ``ConfigurationCache`` between writes and customer locks are held in memory (``LocalCustomerLocks``); on
/// PostgreSQL, which instances share, the locks are in the database and the cache serves runs only, each run
/// checking in the statement that opens it that what it read is current (``RunJournal``).
///
/// One value serves a process: a cache is only right while every write to actions, accounts and agents goes
/// through the repositories that keep it.
public struct Repositories: Sendable {
    /// The database itself: transactions, and keeping it open for the writes a stop must finish.
    public let store: Store
    public let runs: RunRepository
    public let conversations: ConversationRepository
    public let configuration: ConfigurationRepository
    public let accounts: AccountRepository
    public let access: AccessRepository
    public let contacts: ContactRepository
    public let customerLocks: any CustomerLocks
    public let retention: RetentionRepository
    public let platforms: PlatformRepository
    /// What a pass of runs writes before and after its CRM calls, in one statement each where it can.
    public let journal: RunJournal

    public init(_ store: Store) {
        let ownedByOneProcess = store.dialect == .sqlite
        let cache = ConfigurationCache()
        self.store = store
        runs = RunRepository(store)
        conversations = ConversationRepository(store)
        configuration = ConfigurationRepository(store, cache: cache, servesEveryRead: ownedByOneProcess)
        accounts = AccountRepository(store, cache: cache, servesEveryRead: ownedByOneProcess)
        access = AccessRepository(store)
        contacts = ContactRepository(store)
        let customerLocks: any CustomerLocks = ownedByOneProcess ? LocalCustomerLocks() : CustomerLockRepository(store)
        self.customerLocks = customerLocks
        journal = RunJournal(store, locks: customerLocks, cache: cache)
        retention = RetentionRepository(store)
        platforms = PlatformRepository(store)
    }
}
