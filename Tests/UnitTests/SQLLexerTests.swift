import Testing

import PostgresClient

private func texts(_ sql: String) throws -> [String] {
    try SQLLexer.split(sql).map(\.text)
}

private func lexError(_ sql: String) -> SQLLexError? {
    do {
        _ = try SQLLexer.split(sql)
        return nil
    } catch {
        return error
    }
}

// MARK: - Basic splitting

@Test func simpleThreeStatementsWithPositions() throws {
    let sql = "create table a (id int);\n  insert into a values (1);\n\n\tselect * from a;\n"
    let statements = try SQLLexer.split(sql)
    #expect(statements.count == 3)
    #expect(
        statements[0]
            == SQLStatement(
                text: "create table a (id int)", line: 1, column: 1,
                firstKeywords: ["create", "table", "a"], isTransactionControl: false))
    #expect(
        statements[1]
            == SQLStatement(
                text: "insert into a values (1)", line: 2, column: 3,
                firstKeywords: ["insert", "into", "a"], isTransactionControl: false))
    #expect(
        statements[2]
            == SQLStatement(
                text: "select * from a", line: 4, column: 2,
                firstKeywords: ["select", "from", "a"], isTransactionControl: false))
}

@Test func severalStatementsOnOneLine() throws {
    let statements = try SQLLexer.split("select 1; select 2 ;select 3")
    #expect(statements.map(\.text) == ["select 1", "select 2", "select 3"])
    #expect(statements.map(\.line) == [1, 1, 1])
    #expect(statements.map(\.column) == [1, 11, 21])
}

@Test func emptyStatementsAreSkipped() throws {
    let sql = ";;\n  ; -- only a comment ;\n/* c; */ ;\nselect 1;;;\n;  \n"
    let statements = try SQLLexer.split(sql)
    #expect(statements.count == 1)
    #expect(statements[0].text == "select 1")
    #expect(statements[0].line == 4)
    #expect(statements[0].column == 1)
    #expect(try SQLLexer.split("").isEmpty)
    #expect(try SQLLexer.split("  \n\t ").isEmpty)
    #expect(try SQLLexer.split("-- just a comment\n/* and /* another */ */\n").isEmpty)
}

@Test func trailingStatementWithoutSemicolon() throws {
    #expect(try texts("select 1;\nselect 2  \n\n") == ["select 1", "select 2"])
    #expect(try texts("select 1") == ["select 1"])
    // A trailing comment belongs to the unterminated last statement and is kept.
    #expect(try texts("select 1;\nselect 2 -- bye\n") == ["select 1", "select 2 -- bye"])
}

@Test func commentsInsideStatementsAreKept() throws {
    let statements = try SQLLexer.split("select /* a; */ 1 -- b;\n;\n")
    #expect(statements.map(\.text) == ["select /* a; */ 1 -- b;"])
}

// MARK: - Strings and identifiers

@Test func semicolonInsideStandardString() throws {
    #expect(try texts("select 'a;b', 'it''s;';\nselect 2;") == ["select 'a;b', 'it''s;'", "select 2"])
}

@Test func backslashIsNotAnEscapeInStandardStrings() throws {
    // standard_conforming_strings = on: 'C:\' is a complete literal.
    #expect(try texts(#"select 'C:\'; select 4"#) == [#"select 'C:\'"#, "select 4"])
}

@Test func escapeStrings() throws {
    let sql = #"select E'it\'s;', e'\\'; select 3"#
    #expect(try texts(sql) == [#"select E'it\'s;', e'\\'"#, "select 3"])
}

@Test func prefixLetterInsideIdentifierDoesNotStartEscapeString() throws {
    // `date'...'` is the identifier `date` followed by a standard string, not an E'' string.
    let sql = #"select date'2020-01-01\'; select 5"#
    #expect(try texts(sql) == [#"select date'2020-01-01\'"#, "select 5"])
}

@Test func unicodeBitHexAndNationalStrings() throws {
    let sql = #"select U&'d\0061t;', u&'\', B'10;', x'1F;', N'x;', U&"a;b"; select 7"#
    #expect(
        try texts(sql) == [#"select U&'d\0061t;', u&'\', B'10;', x'1F;', N'x;', U&"a;b""#, "select 7"])
}

@Test func quotedIdentifiers() throws {
    let sql = #"select "a;b", "say ""hi"";" from t; select 6"#
    let statements = try SQLLexer.split(sql)
    #expect(statements.map(\.text) == [#"select "a;b", "say ""hi"";" from t"#, "select 6"])
    // Quoted identifiers are not keywords.
    #expect(statements[0].firstKeywords == ["select", "from", "t"])
}

// MARK: - Dollar quotes and parameters

@Test func dollarQuotes() throws {
    let sql = """
        create function f() returns text language sql as $$ select 'a;b' $$;
        select $fn$ begin; $$ inner; $$ end; $fn$;
        select $a$x$b$y;$a$, $_1$;$_1$, $é$;$é$;
        select 4;
        """
    let statements = try SQLLexer.split(sql)
    #expect(
        statements.map(\.text) == [
            "create function f() returns text language sql as $$ select 'a;b' $$",
            "select $fn$ begin; $$ inner; $$ end; $fn$",
            "select $a$x$b$y;$a$, $_1$;$_1$, $é$;$é$",
            "select 4",
        ])
    #expect(statements.map(\.line) == [1, 2, 3, 4])
}

@Test func dollarTagsAreCaseSensitive() throws {
    #expect(try texts("select $A$ x; $a$ y; $A$; select 2") == ["select $A$ x; $a$ y; $A$", "select 2"])
}

@Test func positionalParameterIsNotADollarQuote() throws {
    #expect(try texts("select $1$; select 2") == ["select $1$", "select 2"])
    #expect(
        try texts("prepare q(int, int) as select $1 + $2;\nexecute q(1, 2);")
            == ["prepare q(int, int) as select $1 + $2", "execute q(1, 2)"])
}

@Test func dollarInsideIdentifierIsNotADollarQuote() throws {
    #expect(try texts("select a$b$c, x$$ from t; select 2") == ["select a$b$c, x$$ from t", "select 2"])
}

@Test func dollarFollowedByWordWithoutClosingDollarIsNotAQuote() throws {
    #expect(try texts("select $abc; select 2") == ["select $abc", "select 2"])
}

// MARK: - Comments

@Test func nestedBlockComments() throws {
    let sql = """
        /* outer /* inner; 'quote */ still comment; "dq $$ */
        select 1; /* trailing ; */ select 2 /* a /* b */ c; ' */;
        """
    let statements = try SQLLexer.split(sql)
    #expect(statements.map(\.text) == ["select 1", "select 2 /* a /* b */ c; ' */"])
    #expect(statements.map(\.line) == [2, 2])
    #expect(statements.map(\.column) == [1, 28])
}

@Test func lineCommentWithSemicolonAndQuote() throws {
    let sql = "select 1 -- it's; not the end\n, 2;\nselect 3; -- ' \"\nselect 4;"
    #expect(try texts(sql) == ["select 1 -- it's; not the end\n, 2", "select 3", "select 4"])
}

@Test func commentStartInsideOperator() throws {
    #expect(try texts("select 1 +-- c;\n 2; select 3 */* x; */ 4;") == ["select 1 +-- c;\n 2", "select 3 */* x; */ 4"])
}

// MARK: - Parentheses

@Test func semicolonInsideParenthesesDoesNotEndStatement() throws {
    // psql (psqlscan.l) only ends a statement at a `;` when the parenthesis depth is 0.
    #expect(try texts("select (1;\n2); select 3") == ["select (1;\n2)", "select 3"])
    // An unmatched `)` does not make the depth negative.
    #expect(try texts("select 1); select 2") == ["select 1)", "select 2"])
}

// MARK: - SQL-standard function bodies

@Test func beginAtomicBodyWithCase() throws {
    let sql = """
        CREATE OR REPLACE FUNCTION sign_text(x int) RETURNS text
        LANGUAGE sql
        BEGIN ATOMIC
          SELECT CASE WHEN x > 0 THEN 'pos;' WHEN x < 0 THEN 'neg' ELSE 'zero' END;
          SELECT 'done';
        END;
        SELECT sign_text(1);
        """
    let statements = try SQLLexer.split(sql)
    #expect(statements.count == 2)
    #expect(statements[0].text.hasPrefix("CREATE OR REPLACE FUNCTION sign_text"))
    #expect(statements[0].text.hasSuffix("SELECT 'done';\nEND"))
    #expect(statements[0].firstKeywords == ["create", "or", "replace"])
    #expect(statements[0].isTransactionControl == false)
    #expect(statements[1].text == "SELECT sign_text(1)")
    #expect(statements[1].line == 7)
    #expect(statements[1].column == 1)
}

@Test func beginAtomicProcedure() throws {
    let sql = """
        create procedure p() language sql begin atomic insert into t values (1); insert into t values (2); end;
        call p();
        """
    #expect(
        try texts(sql) == [
            "create procedure p() language sql begin atomic insert into t values (1); insert into t values (2); end",
            "call p()",
        ])
}

@Test func beginAtomicKeywordsInsideStringsAndIdentifiersAreIgnored() throws {
    let sql = """
        create function f() returns text language sql begin atomic select 'end;'; select "end"; select xend, end_; end;
        select 2;
        """
    let statements = try SQLLexer.split(sql)
    #expect(statements.count == 2)
    #expect(statements[1].text == "select 2")
}

@Test func caseWithoutBeginAtomicIsNotCounted() throws {
    let sql = "create function f(x int) returns int language sql return case when x > 0 then 1 else 0 end;\nselect 1;"
    #expect(
        try texts(sql) == [
            "create function f(x int) returns int language sql return case when x > 0 then 1 else 0 end",
            "select 1",
        ])
}

@Test func beginInsideParenthesesIsNotCounted() throws {
    let sql = "create function f(begin int) returns int language sql as 'select 1'; select 2;"
    #expect(try texts(sql) == ["create function f(begin int) returns int language sql as 'select 1'", "select 2"])
}

@Test func beginOutsideCreateFunctionIsPlainBegin() throws {
    #expect(try texts("begin; create table t (a int); commit;") == ["begin", "create table t (a int)", "commit"])
}

// MARK: - Transaction control

@Test func transactionControlDetection() throws {
    let sql = """
        begin;
        create function g() returns void language plpgsql as $$ begin perform 1; end $$;
        START TRANSACTION ISOLATION LEVEL SERIALIZABLE;
        savepoint s1;
        rollback to savepoint s1;
        release savepoint s1;
        commit;
        end;
        rollback;
        abort;
        prepare transaction 'tx1';
        commit prepared 'tx1';
        rollback prepared 'tx2';
        prepare stmt as select 1;
        create function h() returns int language sql begin atomic select 1; end;
        select 'begin';
        begin work;
        start something;
        """
    let statements = try SQLLexer.split(sql)
    #expect(statements.count == 18)
    #expect(
        statements.map(\.isTransactionControl) == [
            true, false, true, true, true, true, true, true, true, true, true, true, true,
            false, false, false, true, false,
        ])
    #expect(statements[14].text == "create function h() returns int language sql begin atomic select 1; end")
}

@Test func beginAtomicAsFirstKeywordsIsNotTransactionControl() throws {
    let statements = try SQLLexer.split("begin atomic")
    #expect(statements.count == 1)
    #expect(statements[0].isTransactionControl == false)
}

// MARK: - firstKeywords

@Test func firstKeywordsAreLowerCasedAndSkipComments() throws {
    let sql = """
        -- header; with a comment
        /* block */ CREATE /* x */ Index CONCURRENTLY idx ON t (a);
        VACUUM (VERBOSE) t;
        ALTER TYPE "Mood" ADD VALUE 'x';
        select;
        """
    let statements = try SQLLexer.split(sql)
    #expect(statements.count == 4)
    #expect(statements[0].firstKeywords == ["create", "index", "concurrently"])
    #expect(statements[0].text == "CREATE /* x */ Index CONCURRENTLY idx ON t (a)")
    #expect(statements[0].line == 2)
    #expect(statements[0].column == 13)
    #expect(statements[1].firstKeywords == ["vacuum", "verbose", "t"])
    #expect(statements[2].firstKeywords == ["alter", "type", "add"])
    #expect(statements[3].firstKeywords == ["select"])
}

@Test func firstKeywordsOnlyFoldASCII() throws {
    let statements = try SQLLexer.split("SELECT ÉTÉ")
    #expect(statements[0].firstKeywords == ["select", "ÉtÉ"])
}

// MARK: - Errors

@Test func unterminatedStringError() throws {
    let error = try #require(lexError("select 1;\nselect 'abc;\n"))
    #expect(error == SQLLexError(kind: .unterminatedString, line: 2, column: 8))
    #expect(error.description == "unterminated quoted string starting at line 2, column 8")
}

@Test func unterminatedEscapeStringError() throws {
    // The backslash escapes the final quote.
    let error = try #require(lexError(#"select 1, E'abc\'"#))
    #expect(error == SQLLexError(kind: .unterminatedString, line: 1, column: 11))
    let trailingBackslash = try #require(lexError("select e'\\"))
    #expect(trailingBackslash == SQLLexError(kind: .unterminatedString, line: 1, column: 8))
}

@Test func unterminatedUnicodeStringError() throws {
    let error = try #require(lexError("select\n  U&'abc"))
    #expect(error == SQLLexError(kind: .unterminatedString, line: 2, column: 3))
}

@Test func unterminatedQuotedIdentifierError() throws {
    let error = try #require(lexError("select 1;\n\nselect \"abc\"\"; from t"))
    #expect(error == SQLLexError(kind: .unterminatedQuotedIdentifier, line: 3, column: 8))
    #expect(error.description == "unterminated quoted identifier starting at line 3, column 8")
}

@Test func unterminatedDollarQuoteError() throws {
    let sql = "select 1;\n\n\n  create function f() returns int as $body$ select 1; $$ $bod$ $Body$\n"
    let error = try #require(lexError(sql))
    #expect(error == SQLLexError(kind: .unterminatedDollarQuote(tag: "body"), line: 4, column: 38))
    #expect(error.description == "unterminated dollar-quoted string $body$ starting at line 4, column 38")
    let empty = try #require(lexError("select $$ abc"))
    #expect(empty == SQLLexError(kind: .unterminatedDollarQuote(tag: ""), line: 1, column: 8))
    #expect(empty.description == "unterminated dollar-quoted string $$ starting at line 1, column 8")
}

@Test func unterminatedCommentError() throws {
    let error = try #require(lexError("select 1; /* a /* b */ c;\nselect 2;"))
    #expect(error == SQLLexError(kind: .unterminatedComment, line: 1, column: 11))
    #expect(error.description == "unterminated /* comment starting at line 1, column 11")
}

@Test func unterminatedAtomicBlockError() throws {
    let sql = """
        select 1;
        create function f() returns int language sql
          begin atomic
            select case when true then 1 end;
            select 2;

        """
    let error = try #require(lexError(sql))
    #expect(error == SQLLexError(kind: .unterminatedAtomicBlock, line: 3, column: 3))
    #expect(error.description == "unterminated BEGIN ATOMIC block starting at line 3, column 3")
}

@Test func errorColumnsCountCharacters() throws {
    let error = try #require(lexError("select 'é€', \"x"))
    #expect(error == SQLLexError(kind: .unterminatedQuotedIdentifier, line: 1, column: 14))
}

// MARK: - Line endings and columns

@Test func crlfGivesSameLinesAsLF() throws {
    let lf = "select 1;\n  select 2;\n\n/* c\n */ select\n 3;\ncreate function f() returns int language sql\nbegin atomic\n select 1;\nend;\n"
    let crlf = lf.replacingOccurrences("\n", with: "\r\n")
    let fromLF = try SQLLexer.split(lf)
    let fromCRLF = try SQLLexer.split(crlf)
    #expect(fromLF.count == 4)
    #expect(fromCRLF.count == 4)
    #expect(fromLF.map(\.line) == [1, 2, 5, 7])
    #expect(fromCRLF.map(\.line) == fromLF.map(\.line))
    #expect(fromCRLF.map(\.column) == fromLF.map(\.column))
    #expect(fromCRLF.map(\.column) == [1, 3, 5, 1])
    #expect(fromCRLF.map(\.firstKeywords) == fromLF.map(\.firstKeywords))
    #expect(fromCRLF[2].text == "select\r\n 3")

    let lfError = try #require(lexError("select 1;\n  'abc"))
    let crlfError = try #require(lexError("select 1;\r\n  'abc"))
    #expect(lfError == crlfError)
    #expect(crlfError == SQLLexError(kind: .unterminatedString, line: 2, column: 3))
}

@Test func statementColumnsCountCharacters() throws {
    let statements = try SQLLexer.split("select 'é€'; select 2; select 'e\u{301}'; select 3")
    #expect(statements.map(\.column) == [1, 14, 24, 36])
}

@Test func byteOrderMarkIsIgnored() throws {
    let statements = try SQLLexer.split("\u{FEFF}select 1;\nselect 2;")
    #expect(statements.map(\.text) == ["select 1", "select 2"])
    #expect(statements.map(\.column) == [1, 1])
}

// MARK: - lineAndColumn

@Test func lineAndColumnOnFirstLine() {
    let result = SQLLexer.lineAndColumn(ofPosition: 8, in: "select 1 from")
    #expect(result.line == 1)
    #expect(result.column == 8)
    let first = SQLLexer.lineAndColumn(ofPosition: 1, in: "select 1")
    #expect(first.line == 1 && first.column == 1)
}

@Test func lineAndColumnOnLineSeven() {
    let sql = "a\nb\nc\nd\ne\nf\nselect * from nope"
    let result = SQLLexer.lineAndColumn(ofPosition: 27, in: sql)
    #expect(result.line == 7)
    #expect(result.column == 15)
    // The same with CRLF line breaks: each CR adds one to the position but not to the column.
    let crlf = sql.replacingOccurrences("\n", with: "\r\n")
    let crlfResult = SQLLexer.lineAndColumn(ofPosition: 33, in: crlf)
    #expect(crlfResult.line == 7)
    #expect(crlfResult.column == 15)
}

@Test func lineAndColumnWithMultiByteCharacters() {
    // Positions count Unicode scalars (characters in the server encoding), not bytes.
    let result = SQLLexer.lineAndColumn(ofPosition: 14, in: "select 'é€', x from t")
    #expect(result.line == 1)
    #expect(result.column == 14)
    let second = SQLLexer.lineAndColumn(ofPosition: 19, in: "select 1,\r\n  'é', zz")
    #expect(second.line == 2)
    #expect(second.column == 8)
    // A combining accent is a separate character for PostgreSQL.
    let combining = SQLLexer.lineAndColumn(ofPosition: 14, in: "select 'e\u{301}', y")
    #expect(combining.line == 1)
    #expect(combining.column == 14)
}

@Test func lineAndColumnClampsOutOfRangePositions() {
    let past = SQLLexer.lineAndColumn(ofPosition: 100, in: "ab\ncd")
    #expect(past.line == 2 && past.column == 3)
    let zero = SQLLexer.lineAndColumn(ofPosition: 0, in: "ab")
    #expect(zero.line == 1 && zero.column == 1)
}

// MARK: - Scale

@Test func largeScriptIsSplitCompletely() throws {
    let chunk = """
        -- migration step
        insert into t (a, b) values (1, 'x;y'), (2, $$z;$$); /* c; */
        create function f() returns int language sql begin atomic select 1; end;

        """
    let count = 5_000
    let sql = String(repeating: chunk, count: count)
    let statements = try SQLLexer.split(sql)
    #expect(statements.count == 2 * count)
    #expect(statements.last?.line == 3 * count)
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
