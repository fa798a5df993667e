/// The words the rules look for, in English, Spanish, Portuguese, French, German and Indonesian: what makes a
/// message speak of a phone, what makes a number something else, the phrases before a name and the words
/// after them that are no name, and how an agent asks for a value. Matching ignores ASCII case.
enum ExtractionCues {
    // MARK: Phones

    /// Words that make a message speak of a phone; a national number needs one (an international one does not).
    static let phoneCues: [[UInt8]] = bytes([
        "phone", "mobile", "cell", "call", "reach", "number", "tel", "text me", "whatsapp", "landline", "+", "ring",
        "teléfono", "número", "numero", "celular", "móvil", "movil", "llámame", "llamame", "llamar", "contacto",
        "telefone", "ligar", "liga pra", "me liga", "zap", "contato",
        "téléphone", "numéro", "portable", "appeler", "appelez", "joindre", "joignable",
        "telefon", "nummer", "handy", "anrufen", "erreichen", "mobil",
        "nomor", "telepon", "ponsel", "hubungi", "wa ", "no hp", "nomer",
    ])

    /// Words just before a number that make it something other than a phone (an order, an account, a tax id).
    static let notPhones: [[UInt8]] = bytes([
        "order", "account", "invoice", "ticket", "reference", "ref ", "zip", "postal", "postcode", "card", "tracking", "booking",
        "confirmation", "id ",
        "pedido", "factura", "cuenta", "referencia", "código", "codigo", "dni", "nif ", "tarjeta", "reserva", "expediente",
        "fatura", "conta ", "protocolo", "cpf", "cnpj", "rg ", "cartão", "cep ",
        "commande", "facture", "compte", "référence", "dossier", "carte", "siret",
        "bestell", "rechnung", "konto", "kunden", "vertrag", "karte", "plz", "steuer",
        "pesanan", "faktur", "rekening", "nik ", "ktp", "kartu", "resi", "npwp",
    ])

    /// Words that correct what the customer said before ("sorry, it's …", "perdón, mejor …").
    static let corrections: [[UInt8]] = bytes([
        "sorry", "actually", "i mean", "wait", "correction", "my bad", "perdón", "perdon", "mejor", "me equivoqué", "corrijo",
        "desculpa", "desculpe", "errei", "na verdade", "corrigindo", "pardon", "plutôt", "je me suis trompé", "entschuldigung",
        "korrektur", "ich meine", "vertan", "maaf", "salah", "ralat", "koreksi",
    ])

    // MARK: Names

    /// A phrase before a name, in its language. After a strong one a name written in lower case (a voice
    /// transcript) is taken; after a weak one only a capitalised name.
    struct NameCue {
        let words: [[UInt8]]
        let strong: Bool
        let language: String
    }

    /// Cue phrases by language, strong then weak.
    static let namePhrases: [(language: String, strong: [String], weak: [String])] = [
        ("en", ["my name is", "my name's", "name is", "name's", "call me"], ["this is", "i'm", "i am", "it's"]),
        ("es", ["me llamo", "mi nombre es", "me dicen"], ["soy", "habla", "aquí", "aqui"]),
        ("pt", ["meu nome é", "meu nome e", "me chamo", "pode me chamar de"], ["sou o", "sou a", "aqui é o", "aqui é a", "aqui é", "eu sou o", "eu sou a", "sou"]),
        ("fr", ["je m'appelle", "mon nom est", "mon nom c'est", "moi c'est"], ["je suis", "c'est"]),
        ("de", ["ich heiße", "ich heisse", "mein name ist", "mein name"], ["ich bin", "hier ist", "hier spricht"]),
        ("id", ["nama saya", "namaku", "nama aku", "panggil saya", "panggil aku"], ["saya", "ini", "dengan"]),
    ]

    /// Every cue, the strong ones of every language first; each with an apostrophe also with a typographic one.
    static let nameCues: [NameCue] = {
        let strong = namePhrases.flatMap { entry in entry.strong.map { ($0, true, entry.language) } }
        let weak = namePhrases.flatMap { entry in entry.weak.map { ($0, false, entry.language) } }
        return (strong + weak).flatMap { phrase, isStrong, language in
            let variants = phrase.contains("'") ? [phrase, phrase.replacingOccurrences(of: "'", with: "\u{2019}")] : [phrase]
            return variants.map { NameCue(words: $0.split(separator: " ").map { Array($0.utf8) }, strong: isStrong, language: language) }
        }
    }()

    /// Words after a cue that are no name, in lower case, by language: "I'm fine", "estoy bien", "tudo bem", "je
    /// suis désolé", "ich bin Kunde", "saya baik". English ones apply after every cue; the others after their
    /// language's cues, so that a word of one language is still a name in another ("Ada").
    static let notNames: [String: Set<String>] = [
        "en": [
            "a", "an", "the", "fine", "good", "great", "ok", "okay", "well", "interested", "calling", "looking", "here", "just", "not",
            "sorry", "trying", "wondering", "happy", "glad", "sure", "afraid", "ready", "new", "back", "still", "also", "currently",
            "having", "going", "getting", "writing", "reaching", "contacting", "done", "busy", "available", "tired", "from", "with",
            "in", "on", "at", "about", "so", "very", "really", "and", "or", "but", "to", "for", "of", "your", "my", "our", "their",
            "thinking", "hoping", "planning", "moving", "leaving", "based", "located", "retired", "working", "curious", "concerned",
            "unable", "able", "confused", "frustrated", "excited", "thanks", "thank", "hi", "hello", "hey", "yes",
            "no", "yeah", "correct", "right", "wrong", "that", "it", "this", "there", "what", "who", "how", "why", "when", "where",
            "email", "phone", "number", "name", "customer", "client", "manager", "owner", "ceo", "all", "set", "after", "before",
            "later", "tomorrow", "today", "tonight", "now", "anytime", "any", "whenever", "maybe", "please", "if", "again",
            "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "anonymous", "prefer", "rather", "nobody",
        ],
        "es": [
            "el", "la", "los", "las", "un", "una", "de", "del", "muy", "bien", "mal", "aquí", "aqui", "nuevo", "nueva", "cliente",
            "interesado", "interesada", "llamando", "escribiendo", "buscando", "contento", "contenta", "listo", "lista", "yo", "mismo",
            "misma", "igual", "sí", "si", "gracias", "hola", "que", "qué", "porque", "para", "por", "con", "sin", "en", "y", "o", "pero",
            "también", "tambien", "todavía", "ya", "dueño", "dueña", "gerente", "encargado", "encargada", "estoy", "está", "esta",
            "usted", "tu", "tú", "su", "mi", "alguien", "nadie", "bueno", "buenas", "claro", "vale", "perdón", "disculpa",
        ],
        "pt": [
            "os", "as", "um", "uma", "do", "da", "dos", "das", "bem", "tudo", "interessado", "novo", "nova", "mesmo", "mesma",
            "eu", "não", "nao", "sim", "obrigado", "obrigada", "oi", "olá", "ola", "com", "em", "e", "ou", "mas", "ainda", "já",
            "dono", "dona", "responsável", "ligando", "cliente", "aí", "ai", "só", "so", "apenas", "você", "voce", "seu", "sua",
            "meu", "minha", "alguém", "ninguém", "beleza", "certo", "quem", "falando",
        ],
        "fr": [
            "le", "les", "une", "du", "des", "très", "ici", "nouveau", "nouvelle", "intéressé", "intéressée", "content", "contente",
            "prêt", "prête", "désolé", "désolée", "là", "pas", "oui", "non", "merci", "bonjour", "moi", "même", "et", "mais",
            "aussi", "encore", "déjà", "propriétaire", "gérant", "gérante", "responsable", "à", "au", "pour", "avec", "sûr", "sûre",
            "bon", "bien", "parfait", "vous", "votre", "mon", "ma", "quelqu'un", "personne", "client", "cliente", "ça", "ca",
        ],
        "de": [
            "der", "die", "das", "ein", "eine", "einen", "nicht", "sehr", "gut", "hier", "neu", "kunde", "kundin", "interessent",
            "interessentin", "froh", "bereit", "ja", "nein", "danke", "hallo", "auch", "noch", "schon", "mit", "von", "aus", "bei",
            "für", "und", "oder", "aber", "inhaber", "inhaberin", "geschäftsführer", "student", "studentin", "zufrieden",
            "interessiert", "unsicher", "sicher", "leider", "gerade", "alles", "wieder", "am", "im", "zu", "es", "sie", "ihr",
            "mein", "meine", "ihre", "jemand", "niemand", "genau", "gleich", "dran", "dabei", "gespannt",
        ],
        "id": [
            "baik", "baik-baik", "sudah", "belum", "mau", "ingin", "ada", "tidak", "bukan", "sedang", "lagi", "juga", "masih",
            "di", "ke", "dari", "dengan", "untuk", "yang", "dan", "atau", "tapi", "pelanggan", "senang", "siap", "bisa", "akan",
            "sama", "ya", "iya", "terima", "kasih", "halo", "hai", "sendiri", "dulu", "tertarik", "bingung", "nanya", "tanya",
            "mohon", "minta", "tolong", "cuma", "hanya", "aja", "saja", "sih", "kok", "anda", "kamu", "saya", "aku", "kami",
            "siapa", "apa", "nggak", "gak", "oke", "sip", "boleh", "perlu", "butuh",
        ],
    ]

    /// For each language, the words that are no name after one of its cues.
    static let notNamesAfterCue: [String: Set<String>] = Dictionary(uniqueKeysWithValues: notNames.keys.map { ($0, notNames(in: [$0])) })

    /// The cues (their indexes in ``nameCues``) by their first word.
    static let nameCuesByFirstWord: [String: [Int]] = Dictionary(grouping: nameCues.indices) { String(decoding: nameCues[$0].words[0], as: UTF8.self) }

    /// The bytes the cues' first words end with.
    static let cueLastBytes: Set<UInt8> = Set(nameCues.compactMap { $0.words[0].last })

    /// The words that are no name after a cue of `language`, or in an answer to a question in `languages`.
    static func notNames(in languages: Set<String>) -> Set<String> {
        languages.reduce(notNames["en"] ?? []) { $0.union(notNames[$1] ?? []) }
    }

    /// Titles before a family name ("Frau Schmidt", "Mr. Lee", "Señora Gómez"): the name after one is the last name.
    static let familyTitles: Set<String> = [
        "mr", "mrs", "ms", "miss", "dr", "herr", "frau", "señor", "señora", "sr", "sra", "senhor", "senhora", "monsieur",
        "madame", "mme", "mlle",
    ]

    /// Titles before a given name ("Pak Budi", "Bu Sari"): skipped.
    static let givenTitles: Set<String> = ["pak", "bapak", "bu", "ibu", "mas", "mbak", "kak"]

    /// Words inside a family name ("da Silva", "van der Berg", "de la Cruz"), kept with the name after them.
    static let nameParticles: Set<String> = ["da", "de", "do", "dos", "das", "del", "la", "van", "von", "der", "den", "di", "du", "le", "ter", "bin", "binti"]

    // MARK: Questions

    /// Words in an agent's question that ask for a kind of value, by language.
    static let questionVocabulary: [(language: String, email: [String], phone: [String], name: [String])] = [
        ("en", ["email", "e-mail", "mail", "emails"], ["phone", "number", "mobile", "cell", "telephone", "whatsapp"], ["name", "surname"]),
        ("es", ["correo", "email", "e-mail"], ["teléfono", "telefono", "número", "numero", "celular", "móvil", "movil", "whatsapp"],
         ["nombre", "apellido", "apellidos", "llamas", "llama"]),
        ("pt", ["e-mail", "email"], ["telefone", "número", "numero", "celular", "whatsapp"], ["nome", "sobrenome", "chama"]),
        ("fr", ["e-mail", "mail", "courriel", "adresse-mail"], ["téléphone", "telephone", "numéro", "portable"], ["nom", "prénom", "appelez", "appelles"]),
        ("de", ["e-mail", "email", "e-mail-adresse", "emailadresse"], ["telefon", "telefonnummer", "nummer", "handynummer", "handy", "rufnummer"],
         ["name", "namen", "vorname", "nachname", "familienname", "heißen", "heissen", "heißt", "heisst"]),
        ("id", ["email", "emailnya", "surel"], ["nomor", "nomornya", "nomer", "telepon", "ponsel", "hp", "wa", "whatsapp"], ["nama", "namanya", "namamu", "siapa"]),
    ]

    /// Each question word: the kind it asks for and the languages it belongs to.
    static let questionWords: [String: (kind: AskedKind, languages: Set<String>)] = {
        var words: [String: (kind: AskedKind, languages: Set<String>)] = [:]
        for entry in questionVocabulary {
            for (kind, list) in [(AskedKind.email, entry.email), (.phone, entry.phone), (.name, entry.name)] {
                for word in list { words[word, default: (kind, [])].languages.insert(entry.language) }
            }
        }
        return words
    }()

    /// Phrases that ask for a name without its word ("who am I speaking with?"), with their language.
    static let questionPhrases: [(phrase: [UInt8], language: String)] = [
        ("who am i speaking", "en"), ("who am i chatting", "en"), ("who am i talking", "en"), ("who's calling", "en"), ("who is calling", "en"),
        ("con quién hablo", "es"), ("com quem falo", "pt"), ("com quem eu falo", "pt"), ("qui est à l'appareil", "fr"),
        ("de la part de qui", "fr"), ("mit wem spreche", "de"), ("dengan siapa", "id"),
    ].map { (Array($0.0.utf8), $0.1) }

    /// Words that make a question for a name ask for something else's ("your company name?").
    static let notNameQuestions: [[UInt8]] = bytes([
        "company", "business", "user name", "username", "product", "empresa", "negocio", "negócio", "tienda", "loja", "produto",
        "producto", "entreprise", "société", "societe", "produit", "firma", "unternehmen", "firmenname", "produkt", "perusahaan",
        "usaha", "toko", "produk",
    ])

    /// Phrases that ask for only the family name, or only the given name.
    static let lastNamePhrases: [[UInt8]] = bytes([
        "last name", "surname", "family name", "apellido", "sobrenome", "nom de famille", "nachname", "familienname", "nama belakang",
    ])
    static let firstNamePhrases: [[UInt8]] = bytes(["first name", "given name", "primer nombre", "primeiro nome", "prénom", "vorname", "nama depan"])

    /// Words and phrases that make a sentence without a question mark a request ("Please share your email.").
    static let requestPhrases: [[UInt8]] = bytes([
        "please", "could you", "can you", "can i have", "can i get", "may i have", "tell me", "share", "provide", "let me know",
        "give me", "what's your", "what is your",
        "por favor", "puede", "podría", "podrias", "dime", "dígame", "digame", "indique", "compárteme", "compartir",
        "pode", "poderia", "informe", "me passa", "me diga", "qual é", "qual o",
        "s'il vous plaît", "s'il te plaît", "pouvez", "pourriez", "donnez", "indiquez", "quel est",
        "bitte", "können sie", "könnten sie", "geben sie", "nennen sie", "wie ist",
        "tolong", "boleh", "mohon", "minta", "sebutkan", "berapa",
    ])

    // MARK: Answers

    /// Words around a bare answer that are not the value ("Sure, it's Jane", "Sí, claro, María López, gracias").
    static let answerFillers: Set<String> = Set([
        "yes", "yeah", "yep", "sure", "ok", "okay", "hi", "hello", "hey", "it's", "its", "it", "is", "this", "i'm", "im", "i", "am",
        "uh", "um", "oh", "well", "of", "course", "thanks", "thank", "you", "please", "my", "name", "here", "speaking", "just",
        "sí", "si", "claro", "hola", "es", "soy", "yo", "gracias", "bueno", "pues", "mira", "habla", "aquí", "aqui",
        "sim", "oi", "olá", "ola", "é", "e", "o", "a", "eu", "sou", "obrigado", "obrigada", "pode", "ser", "então", "entao",
        "oui", "bonjour", "c'est", "moi", "je", "suis", "merci", "bien", "alors", "euh",
        "ja", "hallo", "ich", "bin", "das", "ist", "hier", "danke", "gern", "gerne", "klar", "also", "äh",
        "ya", "iya", "halo", "saya", "dengan", "ini", "aku", "terima", "kasih", "boleh", "oke", "nah", "eh",
    ]).union(["it\u{2019}s", "i\u{2019}m", "c\u{2019}est"])

    static func bytes(_ phrases: [String]) -> [[UInt8]] { phrases.map { Array($0.utf8) } }
}

/// A kind of value an agent's question asks for.
enum AskedKind: Sendable, Hashable {
    case email, phone, name, firstName, lastName
}
