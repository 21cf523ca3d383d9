//! The codes of diagnostics: one variant per kind of finding, with its stable kebab-case name
//! (a contract: `--error-format json`, the policy list of the service and snapshots show it), its
//! severity and what it means. The table of `grammar/LANGUAGE.md` is generated from this list
//! ([`markdown_table`]).

use std::fmt::{self, Write as _};

use serde::Serialize;

use super::Severity;

/// Declares [`Code`] and its three tables (name, severity, description) from one list, so that a
/// code cannot be added without its name and meaning.
macro_rules! codes {
    ($( $(#[$attr:meta])* $variant:ident = $name:literal, $severity:ident, $description:literal; )*) => {
        /// The kind of a diagnostic.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$attr])* #[doc = $description] $variant, )*
        }

        impl Code {
            /// Every code, in the order of the documentation's table.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable kebab-case name (`unknown-name`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// Whether a finding of this kind rejects the policy.
            pub const fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// What the finding means, in one line.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                }
            }
        }
    };
}

codes! {
    SyntaxError = "syntax-error", Error, "the text does not follow the grammar";
    TooDeep = "too-deep", Error, "an expression is nested too deeply to be read safely";
    InvalidDate = "invalid-date", Error, "a date that does not exist in the calendar";
    InvalidNumber = "invalid-number", Error, "a number too large to be represented";
    PolicyIdMismatch = "policy-id-mismatch", Error, "a file's policy id differs from the other files of its folder";
    DuplicateVersion = "duplicate-version", Error, "two files of a folder declare the same version label";
    SameEffectiveDate = "same-effective-date", Error, "two versions of a policy take effect on the same date, so `as_of` could not choose";
    UnknownVersion = "unknown-version", Error, "`extends` names a version that the folder does not hold";
    ExtendsCycle = "extends-cycle", Error, "versions extend each other in a cycle";
    ExampleFailed = "example-failed", Error, "an example of the policy fails with this text, which is therefore not published (unless the failures are accepted)";
    ExtendsDraft = "extends-draft", Error, "a version that is not a draft extends a draft: rules nobody published would be in force";
    DuplicateName = "duplicate-name", Error, "a name declared twice in one version";
    BadOverride = "bad-override", Error, "an `override` of a name the extended version lacks, or a redeclaration without `override`, or one that changes its kind or type";
    UnknownClause = "unknown-clause", Error, "a citation of a clause that is not declared";
    MissingCitation = "missing-citation", Error, "a rule or parameter that cites no clause";
    UnknownType = "unknown-type", Error, "a type that is neither built in nor declared";
    UnknownUnit = "unknown-unit", Error, "a unit the language does not know";
    MissingType = "missing-type", Error, "a parameter with neither a type nor a value";
    NotConstant = "not-constant", Error, "a parameter or default value that cannot be computed before any input";
    CyclicDefinition = "cyclic-definition", Error, "definitions or conclusions that depend on themselves";
    UnknownName = "unknown-name", Error, "a name that is not declared";
    UnknownInput = "unknown-input", Error, "an input path that is not declared";
    NoSuchField = "no-such-field", Error, "a field that the record does not have";
    RecordShape = "record-shape", Error, "a record that holds itself, holds records nested more than 64 deep, or whose fields unfold to more than 10,000 through the records it holds";
    AmbiguousValue = "ambiguous-value", Error, "an enum value that belongs to several enums where the type does not tell which";
    UnknownFunction = "unknown-function", Error, "a call of a function that does not exist";
    WrongArguments = "wrong-arguments", Error, "a call with arguments of the wrong number or type";
    MissingArguments = "missing-arguments", Error, "a function used without its arguments";
    TypeMismatch = "type-mismatch", Error, "a value whose type is not the one expected";
    UnitMismatch = "unit-mismatch", Error, "quantities of different units combined or compared";
    NotOptional = "not-optional", Error, "`is absent` or `is present` on a value that cannot be absent";
    MixedRules = "mixed-rules", Error, "a conclusion that mixes `member` rules with `rule` and `exception`";
    MissingValue = "missing-value", Error, "a rule that gives no value";
    UnknownRule = "unknown-rule", Error, "an exception of a rule that the conclusion does not have";
    BadException = "bad-exception", Error, "a rule declared an exception to itself";
    ExceptionCycle = "exception-cycle", Error, "exceptions that override each other in a cycle";
    Conflict = "conflict", Error, "two rules of the same rank that can apply together with different values";
    UnreachableRule = "unreachable-rule", Warning, "a rule that can never apply";
    TableShape = "table-shape", Error, "a decision table whose rows do not have one cell per column, or whose hit policy does not suit its conclusion's type";
    TableOverlap = "table-overlap", Error, "two rows of a `unique` table that can apply together";
    TableGap = "table-gap", Warning, "values of a table's column that no row covers: the conclusion then has no value";
    UnusedClause = "unused-clause", Warning, "a clause that nothing cites";
    InformativeStatesRule = "informative-states-rule", Warning, "an `informative` clause whose text states a duration, a date, a number of pages or an obligation, without a reason (`informative \"…\"`) saying why it sets no rule";
    IncompleteRules = "incomplete-rules", Warning, "a conclusion for which some inputs meet no rule's condition, shown by an example";
    ConflictingRules = "conflicting-rules", Warning, "two rules of the same rank that some inputs make both apply with different values, shown by an example";
    UnknownLanguage = "unknown-language", Error, "a `language` or label text in a language other than `fr` and `en`";
    UnknownLabelTarget = "unknown-label-target", Error, "a `label` of a name that is not declared";
    MisplacedLabelText = "misplaced-label-text", Error, "a `question` or `help` on a label of something other than an input, or a `singular` on something other than a unit";
    MissingLabel = "missing-label", Warning, "a policy that declares its `language` leaves something a person reads without a label";
    FmtChangedMeaning = "fmt-changed-meaning", Error, "formatting would change the meaning of the policy (a bug of `clausier fmt`)";
    InternalError = "internal-error", Error, "a bug of clausier: please report it";
    IoError = "io-error", Error, "the policies folder, or one of its policy folders, that cannot be read (service)";
    BrokenLayer = "broken-layer", Error, "a version that fails because a version it extends fails (service)";
    NotRead = "not-read", Error, "a `.policy` file the service does not read: a link that leads outside the policies folder, not a regular file, not UTF-8 text, or a text that does not start like a policy (service)";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The table of codes for `grammar/LANGUAGE.md`, in markdown.
pub fn markdown_table() -> String {
    let mut out = String::from("| code | severity | meaning |\n|---|---|---|\n");
    for code in Code::ALL {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            code.as_str(),
            code.severity(),
            code.description().replace('|', "\\|")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Names are a contract: kebab-case, and one per code.
    #[test]
    fn names_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "`{name}` names two codes");
            assert!(
                name.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "`{name}` is not kebab-case"
            );
        }
    }

    /// A diagnostic serialises its code as the name, and the severity follows the code.
    #[test]
    fn serialises_as_its_name_with_the_codes_severity() {
        assert_eq!(
            serde_json::to_string(&Code::UnusedClause).ok().as_deref(),
            Some("\"unused-clause\"")
        );
        assert_eq!(Code::UnusedClause.severity(), Severity::Warning);
        assert_eq!(Code::Conflict.severity(), Severity::Error);
        let d = super::super::Diagnostic::warning(
            Code::UnreachableRule,
            crate::span::Span::default(),
            "m",
        );
        assert!(!d.is_error());
    }
}
