// SQLLexer.swift
//
// A lexer for PostgreSQL SQL scripts. It splits a migration script into its
// top-level statements the same way psql does (src/fe_utils/psqlscan.l): a `;`
// ends a statement only when it is outside quoted strings, quoted identifiers,
// dollar quotes, comments, parentheses and the `BEGIN ... END` body of a
// `CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC` statement.
// It also maps PostgreSQL error positions (the 'P' error field) back to a
// line and column.
//
// Assumptions: standard_conforming_strings = on (the server default since 9.1),
// so backslashes are only escapes inside E'...' strings. psql meta-commands
// (`\set`, `\i`, ...), `\;` and `:variable` interpolation are not supported.

/// One top-level statement of a SQL script.
public struct SQLStatement: Sendable, Equatable {
    /// The statement text without the terminating `;`.
    ///
    /// The text starts at the statement's first token (leading whitespace and
    /// leading comments are not included, so the start of `text` is exactly at
    /// ``line``/``column``) and trailing whitespace is trimmed. Comments inside the
    /// statement, or between its last token and the terminating `;`, are kept.
    public var text: String
    /// The 1-based line on which the statement's first token (the first thing that
    /// is neither whitespace nor a comment) starts.
    public var line: Int
    /// The 1-based column, counted in `Character`s, of the statement's first token.
    public var column: Int
    /// Up to the first three unquoted identifier or keyword tokens of the statement,
    /// lower-cased (ASCII only, as PostgreSQL folds identifiers), for example
    /// `["create", "index", "concurrently"]`.
    ///
    /// Comments, literals, quoted identifiers, parameters, numbers and punctuation are
    /// skipped, so `VACUUM (VERBOSE) t` gives `["vacuum", "verbose", "t"]` and
    /// `ALTER TYPE "Mood" ADD VALUE 'x'` gives `["alter", "type", "add"]`.
    public var firstKeywords: [String]
    /// Whether the statement is a transaction-control command: `BEGIN` (but not
    /// `BEGIN ATOMIC`), `START TRANSACTION`, `COMMIT` (including `COMMIT PREPARED`),
    /// `END`, `ROLLBACK` (including `ROLLBACK TO SAVEPOINT` and `ROLLBACK PREPARED`),
    /// `ABORT`, `SAVEPOINT`, `RELEASE [SAVEPOINT]` or `PREPARE TRANSACTION`.
    public var isTransactionControl: Bool

    /// Creates a statement value.
    public init(text: String, line: Int, column: Int, firstKeywords: [String], isTransactionControl: Bool) {
        self.text = text
        self.line = line
        self.column = column
        self.firstKeywords = firstKeywords
        self.isTransactionControl = isTransactionControl
    }
}

/// A lexical error in a SQL script: a construct that is still open at the end of the input.
public struct SQLLexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of construct that was left unterminated.
    public enum Kind: Sendable, Equatable {
        /// A `'...'`, `E'...'`, `U&'...'`, `B'...'`, `X'...'` or `N'...'` literal.
        case unterminatedString
        /// A `"..."` or `U&"..."` identifier.
        case unterminatedQuotedIdentifier
        /// A dollar-quoted string; `tag` is the text between the dollar signs
        /// (empty for `$$`).
        case unterminatedDollarQuote(tag: String)
        /// A `/* ... */` comment (comments nest).
        case unterminatedComment
        /// The `BEGIN ... END` body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE`
        /// statement (SQL-standard function body).
        case unterminatedAtomicBlock
    }

    /// What was left unterminated.
    public var kind: Kind
    /// The 1-based line where the unterminated construct starts.
    public var line: Int
    /// The 1-based column, counted in `Character`s, where the unterminated construct starts.
    public var column: Int

    /// Creates an error value.
    public init(kind: Kind, line: Int, column: Int) {
        self.kind = kind
        self.line = line
        self.column = column
    }

    /// A human-readable message, for example
    /// `unterminated dollar-quoted string $body$ starting at line 4, column 12`.
    public var description: String {
        let what: String
        switch kind {
        case .unterminatedString:
            what = "unterminated quoted string"
        case .unterminatedQuotedIdentifier:
            what = "unterminated quoted identifier"
        case .unterminatedDollarQuote(let tag):
            what = "unterminated dollar-quoted string $\(tag)$"
        case .unterminatedComment:
            what = "unterminated /* comment"
        case .unterminatedAtomicBlock:
            what = "unterminated BEGIN ATOMIC block"
        }
        return "\(what) starting at line \(line), column \(column)"
    }
}

/// Splits PostgreSQL scripts into statements and maps server error positions to lines and columns.
public enum SQLLexer {
    /// Splits a script into its top-level statements. Empty statements (only whitespace/comments, or `;;`) are skipped.
    /// A final statement without a trailing ';' is still returned.
    ///
    /// Statement boundaries follow psql: a `;` ends a statement unless it is inside a
    /// literal, quoted identifier, dollar quote, comment, parentheses, or the
    /// `BEGIN ... END` body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` statement.
    /// A UTF-8 byte-order mark at the very start of the script is ignored.
    ///
    /// - Throws: ``SQLLexError`` if a string, quoted identifier, dollar quote, block comment
    ///   or `BEGIN ATOMIC` body is still open at the end of the script.
    public static func split(_ sql: String) throws(SQLLexError) -> [SQLStatement] {
        var scanner = Scanner(bytes: Array(sql.utf8))
        return try scanner.run()
    }

    /// Line (1-based) and column (1-based, in Unicode scalars counted as PostgreSQL counts characters) of a 1-based
    /// character position as reported by PostgreSQL's error field 'P' (position counts characters, not bytes, of the query string).
    ///
    /// Lines are separated by `"\n"`; a `"\r"` directly before a `"\n"` is not counted as a column.
    /// Positions below 1 are treated as 1; positions beyond the end of `sql` give the location just
    /// after its last character.
    public static func lineAndColumn(ofPosition position: Int, in sql: String) -> (line: Int, column: Int) {
        let target = max(position, 1) - 1
        var line = 1
        var column = 1
        var index = 0
        var iterator = sql.unicodeScalars.makeIterator()
        var current = iterator.next()
        while let scalar = current, index < target {
            let next = iterator.next()
            if scalar == "\n" {
                line += 1
                column = 1
            } else if scalar == "\r" && next == "\n" {
                // Part of a CRLF line break: not a column.
            } else {
                column += 1
            }
            index += 1
            current = next
        }
        return (line, column)
    }
}

// MARK: - Implementation

private enum ASCII {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let verticalTab: UInt8 = 0x0B
    static let formFeed: UInt8 = 0x0C
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let doubleQuote: UInt8 = 0x22  // "
    static let dollar: UInt8 = 0x24  // $
    static let ampersand: UInt8 = 0x26  // &
    static let singleQuote: UInt8 = 0x27  // '
    static let leftParen: UInt8 = 0x28  // (
    static let rightParen: UInt8 = 0x29  // )
    static let asterisk: UInt8 = 0x2A  // *
    static let hyphen: UInt8 = 0x2D  // -
    static let slash: UInt8 = 0x2F  // /
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let semicolon: UInt8 = 0x3B  // ;
    static let backslash: UInt8 = 0x5C  // \
    static let underscore: UInt8 = 0x5F  // _

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab || byte == lineFeed || byte == carriageReturn
            || byte == formFeed || byte == verticalTab
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= zero && byte <= nine
    }

    @inline(__always)
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// `ident_start` / `dolq_start` in scan.l: `[A-Za-z\200-\377_]`.
    @inline(__always)
    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        isLetter(byte) || byte == underscore || byte >= 0x80
    }

    /// `dolq_cont` in scan.l: `[A-Za-z\200-\377_0-9]`.
    @inline(__always)
    static func isDollarTagContinuation(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || isDigit(byte)
    }

    /// `ident_cont` in scan.l: `[A-Za-z\200-\377_0-9\$]`.
    @inline(__always)
    static func isIdentifierContinuation(_ byte: UInt8) -> Bool {
        isDollarTagContinuation(byte) || byte == dollar
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }
}

/// Converts byte offsets into 1-based line / `Character` column pairs.
///
/// Queries are expected in increasing order, which makes the total work linear in
/// the script size; an earlier offset restarts the scan from the beginning.
private struct Locator {
    private let origin: Int
    private var index: Int
    private var line = 1
    private var column = 1

    init(origin: Int) {
        self.origin = origin
        self.index = origin
    }

    mutating func locate(_ target: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        if target < index {
            self = Locator(origin: origin)
        }
        var segmentStart = index
        var i = index
        while i < target {
            if bytes[i] == ASCII.lineFeed {
                line += 1
                column = 1
                segmentStart = i + 1
            }
            i += 1
        }
        if segmentStart < target {
            column += String(decoding: bytes[segmentStart..<target], as: UTF8.self).count
        }
        index = target
        return (line, column)
    }
}

/// The first letters of the first four identifiers of a statement, recorded only for the
/// words CREATE, OR, REPLACE, FUNCTION and PROCEDURE (psqlscan.l's `identifiers[4]`).
private struct StatementPrefix {
    var first: UInt8 = 0
    var second: UInt8 = 0
    var third: UInt8 = 0
    var fourth: UInt8 = 0

    mutating func set(_ slot: Int, _ value: UInt8) {
        switch slot {
        case 0: first = value
        case 1: second = value
        case 2: third = value
        case 3: fourth = value
        default: break
        }
    }

    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
    var isCreateFunctionOrProcedure: Bool {
        first == UInt8(ascii: "c")
            && (second == UInt8(ascii: "f") || second == UInt8(ascii: "p")
                || (second == UInt8(ascii: "o") && third == UInt8(ascii: "r")
                    && (fourth == UInt8(ascii: "f") || fourth == UInt8(ascii: "p"))))
    }
}

private struct Scanner {
    let bytes: [UInt8]
    private var position: Int
    private var statements: [SQLStatement] = []
    private var locator: Locator

    // State of the statement being scanned.
    private var statementStart: Int?
    private var parenDepth = 0
    private var beginDepth = 0
    private var outermostBeginStart = 0
    private var identifierCount = 0
    private var prefix = StatementPrefix()
    private var keywords: [String] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // Ignore a UTF-8 byte-order mark at the start of the script.
        let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        self.position = hasBOM ? 3 : 0
        self.locator = Locator(origin: position)
    }

    mutating func run() throws(SQLLexError) -> [SQLStatement] {
        let count = bytes.count
        while position < count {
            let byte = bytes[position]
            switch byte {
            case ASCII.space, ASCII.tab, ASCII.lineFeed, ASCII.carriageReturn, ASCII.formFeed, ASCII.verticalTab:
                position += 1
            case ASCII.hyphen where peek(1) == ASCII.hyphen:
                skipLineComment()
            case ASCII.slash where peek(1) == ASCII.asterisk:
                try skipBlockComment()
            case ASCII.semicolon:
                if parenDepth == 0 && beginDepth == 0 {
                    finishStatement(end: position)
                } else {
                    markToken()
                }
                position += 1
            case ASCII.leftParen:
                markToken()
                parenDepth += 1
                position += 1
            case ASCII.rightParen:
                markToken()
                if parenDepth > 0 { parenDepth -= 1 }
                position += 1
            case ASCII.singleQuote:
                markToken()
                try scanString(start: position, contentStart: position + 1, backslashEscapes: false)
            case ASCII.doubleQuote:
                markToken()
                try scanQuotedIdentifier(start: position, contentStart: position + 1)
            case ASCII.dollar:
                markToken()
                try scanDollar()
            case ASCII.zero...ASCII.nine:
                // A number. Letters directly after it are lexed as a separate word, as in
                // PostgreSQL <= 15 (`1e'x'` is 1 followed by E'x'; PostgreSQL 16+ rejects it).
                markToken()
                position += 1
                while position < count && ASCII.isDigit(bytes[position]) { position += 1 }
            default:
                markToken()
                if ASCII.isIdentifierStart(byte) {
                    try scanWord()
                } else {
                    // Operators and other punctuation: nothing affects statement boundaries.
                    // Comment starts inside operators (`+--x`, `*/*`) are found by checking
                    // every position, as psql's {operator} rule does.
                    position += 1
                }
            }
        }
        if beginDepth > 0 {
            throw error(.unterminatedAtomicBlock, at: outermostBeginStart)
        }
        finishStatement(end: count)
        return statements
    }

    // MARK: Helpers

    @inline(__always)
    private func peek(_ offset: Int) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    private mutating func error(_ kind: SQLLexError.Kind, at offset: Int) -> SQLLexError {
        let bytes = self.bytes
        let location = locator.locate(offset, in: bytes)
        return SQLLexError(kind: kind, line: location.line, column: location.column)
    }

    @inline(__always)
    private mutating func markToken() {
        if statementStart == nil {
            statementStart = position
        }
    }

    private mutating func finishStatement(end: Int) {
        defer {
            statementStart = nil
            parenDepth = 0
            beginDepth = 0
            identifierCount = 0
            keywords = []
        }
        guard let start = statementStart else { return }
        var textEnd = end
        while textEnd > start && ASCII.isWhitespace(bytes[textEnd - 1]) {
            textEnd -= 1
        }
        let bytes = self.bytes
        let location = locator.locate(start, in: bytes)
        statements.append(
            SQLStatement(
                text: String(decoding: bytes[start..<textEnd], as: UTF8.self),
                line: location.line,
                column: location.column,
                firstKeywords: keywords,
                isTransactionControl: Self.isTransactionControl(keywords)))
    }

    private static func isTransactionControl(_ keywords: [String]) -> Bool {
        guard let first = keywords.first else { return false }
        let second = keywords.count > 1 ? keywords[1] : nil
        switch first {
        case "begin":
            return second != "atomic"
        case "start", "prepare":
            return second == "transaction"
        case "commit", "end", "rollback", "abort", "savepoint", "release":
            return true
        default:
            return false
        }
    }

    // MARK: Comments

    /// `--` up to (not including) the next CR or LF.
    private mutating func skipLineComment() {
        position += 2
        while position < bytes.count {
            let byte = bytes[position]
            if byte == ASCII.lineFeed || byte == ASCII.carriageReturn { break }
            position += 1
        }
    }

    /// `/* ... */`, which nests.
    private mutating func skipBlockComment() throws(SQLLexError) {
        let start = position
        let count = bytes.count
        var depth = 1
        var i = position + 2
        while i < count {
            let byte = bytes[i]
            if byte == ASCII.asterisk && i + 1 < count && bytes[i + 1] == ASCII.slash {
                depth -= 1
                i += 2
                if depth == 0 {
                    position = i
                    return
                }
            } else if byte == ASCII.slash && i + 1 < count && bytes[i + 1] == ASCII.asterisk {
                depth += 1
                i += 2
            } else {
                i += 1
            }
        }
        throw error(.unterminatedComment, at: start)
    }

    // MARK: Literals and quoted identifiers

    /// A single-quoted literal with `''` doubling; with `backslashEscapes` (E'...') a
    /// backslash also escapes the next character.
    private mutating func scanString(start: Int, contentStart: Int, backslashEscapes: Bool) throws(SQLLexError) {
        let count = bytes.count
        var i = contentStart
        while i < count {
            let byte = bytes[i]
            if byte == ASCII.singleQuote {
                if i + 1 < count && bytes[i + 1] == ASCII.singleQuote {
                    i += 2
                    continue
                }
                position = i + 1
                return
            }
            if backslashEscapes && byte == ASCII.backslash {
                i += 2
                continue
            }
            i += 1
        }
        throw error(.unterminatedString, at: start)
    }

    /// A double-quoted identifier with `""` doubling.
    private mutating func scanQuotedIdentifier(start: Int, contentStart: Int) throws(SQLLexError) {
        let count = bytes.count
        var i = contentStart
        while i < count {
            if bytes[i] == ASCII.doubleQuote {
                if i + 1 < count && bytes[i + 1] == ASCII.doubleQuote {
                    i += 2
                    continue
                }
                position = i + 1
                return
            }
            i += 1
        }
        throw error(.unterminatedQuotedIdentifier, at: start)
    }

    /// A `$`: a parameter (`$1`), a dollar-quote delimiter (`$$`, `$tag$`) or a lone `$`.
    private mutating func scanDollar() throws(SQLLexError) {
        let start = position
        let count = bytes.count
        guard let next = peek(1) else {
            position += 1
            return
        }
        if ASCII.isDigit(next) {
            // Parameter `$n`.
            position += 2
            while position < count && ASCII.isDigit(bytes[position]) { position += 1 }
            return
        }
        var delimiterEnd: Int  // index of the closing `$` of the opening delimiter
        if next == ASCII.dollar {
            delimiterEnd = start + 1
        } else if ASCII.isIdentifierStart(next) {
            delimiterEnd = start + 2
            while delimiterEnd < count && ASCII.isDollarTagContinuation(bytes[delimiterEnd]) {
                delimiterEnd += 1
            }
            guard delimiterEnd < count && bytes[delimiterEnd] == ASCII.dollar else {
                // `$abc` without a closing `$`: only the `$` is consumed (psql's {dolqfailed}).
                position += 1
                return
            }
        } else {
            position += 1
            return
        }
        // Look for the first occurrence of the identical delimiter.
        let delimiterLength = delimiterEnd - start + 1
        var i = delimiterEnd + 1
        while i + delimiterLength <= count {
            if bytes[i] == ASCII.dollar {
                var k = 1
                while k < delimiterLength && bytes[i + k] == bytes[start + k] { k += 1 }
                if k == delimiterLength {
                    position = i + delimiterLength
                    return
                }
            }
            i += 1
        }
        let tag = String(decoding: bytes[(start + 1)..<delimiterEnd], as: UTF8.self)
        throw error(.unterminatedDollarQuote(tag: tag), at: start)
    }

    // MARK: Words

    /// An identifier/keyword, or a prefixed literal (`E'`, `B'`, `X'`, `N'`, `U&'`, `U&"`).
    private mutating func scanWord() throws(SQLLexError) {
        let start = position
        let first = bytes[start]
        let second = peek(1)
        switch first {
        case UInt8(ascii: "e"), UInt8(ascii: "E"):
            if second == ASCII.singleQuote {
                try scanString(start: start, contentStart: start + 2, backslashEscapes: true)
                return
            }
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "x"), UInt8(ascii: "X"),
            UInt8(ascii: "n"), UInt8(ascii: "N"):
            if second == ASCII.singleQuote {
                try scanString(start: start, contentStart: start + 2, backslashEscapes: false)
                return
            }
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            if second == ASCII.ampersand {
                let third = peek(2)
                if third == ASCII.singleQuote {
                    try scanString(start: start, contentStart: start + 3, backslashEscapes: false)
                    return
                }
                if third == ASCII.doubleQuote {
                    try scanQuotedIdentifier(start: start, contentStart: start + 3)
                    return
                }
            }
        default:
            break
        }
        var end = start + 1
        while end < bytes.count && ASCII.isIdentifierContinuation(bytes[end]) {
            end += 1
        }
        position = end
        identifier(start: start, end: end)
    }

    /// psqlscan.l's {identifier} action: tracks `CREATE [OR REPLACE] FUNCTION|PROCEDURE`
    /// and, inside such a statement and outside parentheses, the BEGIN/CASE ... END depth.
    private mutating func identifier(start: Int, end: Int) {
        if identifierCount == 0 {
            prefix = StatementPrefix()
        }
        if matches(start, end, "create") || matches(start, end, "function") || matches(start, end, "procedure")
            || matches(start, end, "or") || matches(start, end, "replace")
        {
            if identifierCount < 4 {
                prefix.set(identifierCount, ASCII.lowercased(bytes[start]))
            }
        }
        identifierCount += 1

        if prefix.isCreateFunctionOrProcedure && parenDepth == 0 {
            if matches(start, end, "begin") {
                if beginDepth == 0 { outermostBeginStart = start }
                beginDepth += 1
            } else if matches(start, end, "case") {
                // CASE also ends with END; only tracked inside a BEGIN.
                if beginDepth >= 1 { beginDepth += 1 }
            } else if matches(start, end, "end") {
                if beginDepth > 0 { beginDepth -= 1 }
            }
        }

        if keywords.count < 3 {
            keywords.append(String(decoding: bytes[start..<end].map(ASCII.lowercased), as: UTF8.self))
        }
    }

    /// Case-insensitive (ASCII) comparison of `bytes[start..<end]` with a lower-case keyword.
    private func matches(_ start: Int, _ end: Int, _ keyword: StaticString) -> Bool {
        let length = keyword.utf8CodeUnitCount
        guard end - start == length else { return false }
        let pointer = keyword.utf8Start
        for k in 0..<length where ASCII.lowercased(bytes[start + k]) != pointer[k] {
            return false
        }
        return true
    }
}
