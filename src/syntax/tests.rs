//! Unit tests of the parser: shapes of the AST, comments, and error messages in words.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use crate::ast::*;
use crate::span::FileId;
use crate::syntax::parse;

fn policy(body: &str) -> Policy {
    let text = format!("policy p\nversion \"v\"\n{body}");
    parse(FileId(0), &text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn error(body: &str) -> (String, String) {
    let text = format!("policy p\nversion \"v\"\n{body}");
    let d = parse(FileId(0), &text).unwrap_err().remove(0);
    let span = d.span.unwrap();
    (d.message, text[span.start..span.end].to_string())
}

fn rule_condition(p: &Policy) -> &ExprKind {
    let ItemKind::Conclusion(c) = &p.items[0].kind else {
        panic!()
    };
    &c.rules[0].condition.as_ref().unwrap().node
}

#[test]
fn not_binds_looser_than_comparisons_and_and_tighter_than_or() {
    let p = policy("conclusion c : bool\n  rule r when not a = b and c or d gives true per \"x\"");
    let ExprKind::Binary(BinOp::Or, left, _) = rule_condition(&p) else {
        panic!()
    };
    let ExprKind::Binary(BinOp::And, not, _) = &left.node else {
        panic!()
    };
    let ExprKind::Unary(UnOp::Not, cmp) = &not.node else {
        panic!()
    };
    assert!(matches!(cmp.node, ExprKind::Binary(BinOp::Eq, ..)));
}

#[test]
fn arithmetic_is_left_associative_and_conversions_bind_tightly() {
    let p = policy(
        "conclusion c : bool\n  rule r when a - b - 3 days as weeks > x gives true per \"x\"",
    );
    let ExprKind::Binary(BinOp::Gt, left, _) = rule_condition(&p) else {
        panic!()
    };
    let ExprKind::Binary(BinOp::Sub, inner, right) = &left.node else {
        panic!()
    };
    assert!(matches!(inner.node, ExprKind::Binary(BinOp::Sub, ..)));
    assert!(matches!(right.node, ExprKind::As(..)));
}

#[test]
fn declaration_words_can_be_enum_values() {
    let p = policy(
        "enum part = presentation | conclusion | rule\nconclusion c : bool\n  rule r when conclusion in parts gives true per \"x\"",
    );
    let ItemKind::Enum(e) = &p.items[0].kind else {
        panic!()
    };
    assert_eq!(
        e.variants
            .iter()
            .map(|v| v.node.as_str())
            .collect::<Vec<_>>(),
        ["presentation", "conclusion", "rule"]
    );
}

#[test]
fn clause_text_lines_join_with_single_spaces() {
    let p = policy(
        "clause \"3-1\" section \"3\"\n  | La durée normale   du stage\n  |   est de douze semaines. # pas un commentaire\n",
    );
    let ItemKind::Clause(c) = &p.items[0].kind else {
        panic!()
    };
    assert_eq!(
        c.text.node,
        "La durée normale du stage est de douze semaines. # pas un commentaire"
    );
}

#[test]
fn comments_stay_with_the_item_or_rule_they_precede() {
    let p = policy(
        "# the normal length\nparameter n = 12 weeks per \"x\" # set by 3-1\nconclusion c : bool\n  # base\n  rule r gives true per \"x\"\n# end\n",
    );
    assert_eq!(p.items[0].comments, ["the normal length", "set by 3-1"]);
    let ItemKind::Conclusion(c) = &p.items[1].kind else {
        panic!()
    };
    assert_eq!(c.rules[0].comments, ["base"]);
    assert_eq!(p.trailing_comments, ["end"]);
}

#[test]
fn equality_ignores_layout_and_spans() {
    let a = policy("parameter n = 12 weeks per \"x\"");
    let b = policy("\n\n   parameter   n =\n 12   weeks\n per  \"x\"");
    assert_eq!(a, b);
}

#[test]
fn syntax_errors_say_what_was_expected_in_words() {
    let (message, found) = error("parameter deadline = 2027-13-01 per \"x\"");
    assert_eq!(
        (message.as_str(), found.as_str()),
        ("`2027-13-01` is not a date of the calendar", "2027-13-01")
    );
    let (message, found) = error("conclusion c : bool\n  rule r when x per \"x\"");
    assert!(
        message.starts_with("expected ") && message.contains("`gives VALUE`"),
        "{message}"
    );
    assert_eq!(found, "per");
    let (message, _) = error("clause 3-1 section \"3\"");
    assert!(message.contains("a quoted text like \"3-1\""), "{message}");
}

/// The grammar tries operators, `is …`/`as UNIT`, `if`, the aggregates, dates and numbers only
/// after looking at the next character (pest's per-combinator cost, benches/README.md): a
/// message still names each of them where it could come, as when each was tried in turn.
#[test]
fn forms_tried_after_their_first_character_are_still_named_in_messages() {
    let (message, found) = error("parameter n = 1 + per \"x\"");
    assert_eq!(
        message,
        "expected `(`, `if … then … else …`, `none`, `not`, `true` or `false`, a date like \
         2027-04-16, a list like `[a, b]`, a name, a number, a quoted text like \"3-1\" or an \
         aggregate, found `per`"
    );
    assert_eq!(found, "per");
    let (message, found) = error("parameter n = f(x y) per \"x\"");
    assert_eq!(
        message,
        "expected `.field`, `as UNIT`, `is …` or an operator, found `y)`"
    );
    assert_eq!(found, "y)");
    // A rate's `%` may follow any number, but is not offered there.
    let (message, _) = error("parameter n = f(3 \"a\") per \"x\"");
    assert_eq!(
        message,
        "expected `.field`, `as UNIT`, `is …`, a name or an operator, found `\"a\")`"
    );
}

/// The first diagnostic of `text`, parsed on a thread of 2 MiB (a worker's stack): the
/// test fails if it parses, and aborts if it overflows the stack.
fn refused_on_a_small_stack(text: String) -> crate::diagnostic::Diagnostic {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || parse(FileId(0), &text).unwrap_err().remove(0))
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn nesting_beyond_the_limits_is_an_error_not_a_crash() {
    let deep_brackets = format!(
        "parameter n = {}1{} per \"x\"",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let deep_prefix = format!("parameter b = {}true per \"x\"", "not ".repeat(5000));
    let long_chain = format!("parameter n = {} per \"x\"", vec!["1"; 5000].join(" + "));
    // Prefixes glued to each other, or a run of them in every bracket: each overflowed the
    // stack, as did a chain so long that freeing its tree did.
    let glued_minus = format!("parameter n = {}1 per \"x\"", "-".repeat(20_000));
    let glued_not = format!("parameter b = {}true per \"x\"", "not-".repeat(5000));
    let runs_in_brackets = format!(
        "parameter b = {}true{} per \"x\"",
        format!("{}(", "not ".repeat(60)).repeat(60),
        ")".repeat(60)
    );
    let longer_chain = format!("parameter n = {} per \"x\"", vec!["1"; 100_000].join("+"));
    // A `not` stays open past a comparison, and past a bracket that closes; a table's row is
    // not read by the check before parsing.
    let not_between_comparisons = format!("parameter b = {}x per \"x\"", "not x = ".repeat(700));
    let runs_after_brackets = format!(
        "parameter b = {}x per \"x\"",
        format!("{}(x) = ", "not ".repeat(60)).repeat(30)
    );
    let in_a_row = format!(
        "input a : integer per \"x\"\nconclusion t : integer\n  table first\n    columns | a\n    \
         row r\n    | {}1 | gives 1 per \"x\"\n",
        "- ".repeat(20_000)
    );
    // A call, a list or an `if` on top of an expression as deep as allowed is one level deeper.
    let sum = vec!["1"; 256].join(" + ");
    let call_on_top = format!("parameter n = round({sum}, 1) per \"x\"");
    let list_on_top = format!("parameter l = [{sum}] per \"x\"");
    for body in [
        deep_brackets,
        deep_prefix,
        long_chain,
        glued_minus,
        glued_not,
        runs_in_brackets,
        longer_chain,
        not_between_comparisons,
        runs_after_brackets,
        in_a_row,
        call_on_top,
        list_on_top,
    ] {
        let d = refused_on_a_small_stack(format!("policy p\nversion \"v\"\n{body}"));
        assert_eq!(d.code, "too-deep", "{}", d.message);
    }
    let fine = format!(
        "parameter n = {}1{} per \"x\"",
        "(".repeat(60),
        ")".repeat(60)
    );
    policy(&fine);
    // As many open prefixes as allowed (63 `not` and a `-`), each climbing the precedences
    // again, read on a worker's stack: the lowering's own stack check keeps it within.
    let most = format!(
        "policy p\nversion \"v\"\nparameter b = {}true per \"x\"",
        "not 1 < 2 * - ".repeat(63)
    );
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            parse(FileId(0), &most)
                .map(|_| ())
                .map_err(|d| d[0].message.clone())
        })
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
}

/// An expression as deep as allowed (a chain of 255 `and`, a sum of 250 terms) is checked and
/// formatted on a worker's stack of 2 MiB: the stages run on a stack of their own, which an
/// unoptimised build needs (it overflowed 2 MiB here).
#[test]
fn the_deepest_expressions_allowed_are_checked_and_formatted_on_a_small_stack() {
    let text = format!(
        "policy p\nversion \"v\"\nclause \"1\" section \"1\"\n  | Texte.\ninput a : bool per \"1\"\n\
         input n : integer per \"1\"\nconclusion c : bool\n  rule r when {} gives true per \"1\"\n  \
         rule r2 when not a and {} > 0 gives false per \"1\"\n",
        vec!["a"; 255].join(" and "),
        vec!["n"; 250].join(" + ")
    );
    let (errors, formatted) = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let folder =
                crate::load::check_texts("p".into(), vec![("v.policy".into(), None, text.clone())]);
            let errors: Vec<String> = folder
                .all_diagnostics()
                .filter(|d| d.is_error())
                .map(|d| d.message.clone())
                .collect();
            (
                errors,
                crate::format::format_source(FileId(0), &text).is_ok(),
            )
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(errors, Vec::<String>::new());
    assert!(formatted);
}

/// `if`, the aggregates, `of` and `optional` nest without brackets; hundreds of them overflowed
/// the parser's stack on a worker thread (an upload aborted the service). Counted over a
/// statement, glued (`elseif`) or not, past 64 they are `too-deep`, on a thread of 2 MiB.
#[test]
fn words_that_nest_without_brackets_are_counted_and_refused_past_the_limit() {
    let chain = |n: usize, glue: &str| {
        format!(
            "definition d : integer per \"x\"\n  = {}0\n",
            format!("if true then 1 {glue}").repeat(n)
        )
    };
    let aggregates = format!(
        "definition d : integer per \"x\"\n  = {}0\n",
        "count of x in xs where ".repeat(300)
    );
    let types = format!("input i : {}integer per \"x\"\n", "list of ".repeat(300));
    for body in [chain(300, "else "), chain(300, "else"), aggregates, types] {
        let refused = refused_on_a_small_stack(format!("policy p\nversion \"v\"\n{body}"));
        assert_eq!(refused.code, "too-deep");
        assert!(
            refused.message.contains("in one statement"),
            "{}",
            refused.message
        );
    }
    // A statement's word may also be a name (an enum value `rule`) inside an expression: the
    // count starts again on each line below, so the pre-check lets the file through. The
    // parser reads it on a stack as deep as its tokens could nest (`parser::run`), 3,000 `if`s
    // deep, to the error it has (the last `if` has no `else`), on a thread of 2 MiB.
    let text = format!(
        "policy p\nversion \"v\"\nenum s = rule | autre\ninput x : s per \"x\"\n\
         input c : bool per \"x\"\nconclusion k : bool\n  rule r when x =\n{}rule gives true \
         per \"x\"\n",
        "rule and if c then x =\n".repeat(3000)
    );
    let refused = refused_on_a_small_stack(text);
    assert_eq!(
        (refused.code.to_string().as_str(), refused.message.as_str()),
        (
            "syntax-error",
            "expected `.field`, `as UNIT`, `is …` or an operator, found `gives`"
        )
    );
    // Sixty in one statement, and sixty again in the next: each statement counts its own.
    let two = format!(
        "{}{}",
        chain(60, "else "),
        chain(60, "else ").replace("d :", "e :")
    );
    policy(&two);
}

/// pest's parse of `text` alone (no nesting pre-check, no lowering), from a thread of 256 KiB.
fn pest_on_a_small_stack(text: String) -> Result<(), crate::diagnostic::Diagnostic> {
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || super::parser::parse_pairs(FileId(0), &text).map(|_| ()))
        .unwrap()
        .join()
        .unwrap()
}

/// pest reads nested expressions and types by recursion: each form that nests, thousands deep
/// (past what the pre-check allows, as a text it lets through could: see above), parses on the
/// stack its tokens ask for (`parser::run`), from a thread of 256 KiB. A form that took more
/// stack per level than the bound gives overflows here, and aborts the tests.
#[test]
fn nesting_of_every_form_is_parsed_on_the_stack_its_tokens_ask_for() {
    let deep = 3000;
    let forms = [
        format!("{}x{}", "(".repeat(deep), ")".repeat(deep)),
        format!("{}x{}", "[".repeat(deep), "]".repeat(deep)),
        format!("{}x{}", "f(".repeat(deep), ")".repeat(deep)),
        format!("{}x", "if c then x else ".repeat(deep)),
        format!("{}x", "if c then ".repeat(deep)),
        format!("{}x", "if ".repeat(deep)),
        format!("{}x", "if(".repeat(deep)),
        format!("{}x", "count of y in ".repeat(deep)),
        format!("{}x", "sum of ".repeat(deep)),
        format!("{}x", "any y in ".repeat(deep)),
        format!("{}x", "every y in z satisfies ".repeat(deep)),
        format!("{}x", "each y in z where ".repeat(deep)),
        format!("{}x", "optional(".repeat(deep)),
    ];
    let types = ["optional ", "list of ", "set of "];
    let texts = (forms.iter())
        .map(|body| format!("policy p\nversion \"v\"\ndefinition d : bool = {body}\n"))
        .chain(types.iter().map(|t| {
            format!(
                "policy p\nversion \"v\"\ninput i : {}integer per \"x\"\n",
                t.repeat(deep)
            )
        }));
    for text in texts {
        let start = text.get(..40).unwrap_or_default().to_owned();
        let parsed = pest_on_a_small_stack(text);
        // Whether pest accepts the text does not matter here (`sum of x` without `for` does
        // not parse): that it reads it to the end without overflowing does.
        if let Err(d) = parsed {
            assert_eq!(
                d.code,
                crate::diagnostic::Code::SyntaxError,
                "{start}: {}",
                d.message
            );
        }
    }
}

/// A text whose tokens could make pest recurse deeper than the largest stack a parse is given
/// (two million and more, optimised or not) is refused with `too-deep` before pest reads it.
#[test]
fn a_text_that_could_nest_past_the_largest_stack_is_refused_unread() {
    let text = format!(
        "policy p\nversion \"v\"\ndefinition d : bool = {}x\n",
        "(".repeat(2_200_000)
    );
    let refused = pest_on_a_small_stack(text).unwrap_err();
    assert_eq!(refused.code, crate::diagnostic::Code::TooDeep);
    assert!(
        refused.message.contains("too many brackets"),
        "{}",
        refused.message
    );
}

/// Every `.policy` file of the repository (`policies/` and `tests/`), with a check that they
/// were found.
fn repository_policies() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    policy_files(&root.join("policies"), &mut files);
    policy_files(&root.join("tests"), &mut files);
    assert!(
        files.len() > 20,
        "the policies of the repository: {files:?}"
    );
    files
}

/// Every `.policy` file under `dir`, recursively.
fn policy_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            policy_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "policy") {
            out.push(path);
        }
    }
}

#[test]
fn a_file_parsed_in_two_parts_is_the_file_parsed_whole_at_every_cut() {
    let files = repository_policies();
    let (mut cuts, mut halved) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let whole = super::parse_whole(FileId::default(), &text);
        // Debug shows the spans too, which `==` ignores.
        let whole = whole.as_ref().map(|p| format!("{p:?}"));
        for at in super::cut_points(&text) {
            cuts += 1;
            let Ok(super::InParts::Joined(halves)) =
                super::parse_in_parts(FileId::default(), &text, &[at])
            else {
                continue;
            };
            halved += 1;
            assert_eq!(
                Ok(format!("{halves:?}")),
                whole.as_ref().map_err(|_| ()).cloned(),
                "{} cut at byte {at}",
                path.display()
            );
        }
    }
    // The BTS annex alone has some 150 places to cut, and they all parse.
    assert!(halved > 150, "{halved} of {cuts} cuts parsed in halves");
}

/// Cut at every place at once, each declaration at the top of a file is a part of its own:
/// the parts, joined, are still the file parsed whole, spans and comments included.
#[test]
fn a_file_cut_at_every_declaration_is_the_file_parsed_whole() {
    let mut joined = 0;
    for path in &repository_policies() {
        let text = std::fs::read_to_string(path).unwrap();
        let cuts: Vec<usize> = super::cut_points(&text).collect();
        if cuts.is_empty() {
            continue;
        }
        let parts = super::parse_in_parts(FileId::default(), &text, &cuts);
        let whole = super::parse_whole(FileId::default(), &text);
        match (parts, whole) {
            (Ok(super::InParts::Joined(parts)), Ok(whole)) => {
                joined += 1;
                assert_eq!(
                    format!("{parts:?}"),
                    format!("{whole:?}"),
                    "{}",
                    path.display()
                );
            }
            // A file that does not parse whole has a part that does not parse.
            (Ok(super::InParts::Refused(_) | super::InParts::Whole), Err(_)) => {}
            (parts, whole) => panic!(
                "{}: in parts {:?}, whole {:?}",
                path.display(),
                parts.map(|p| matches!(p, super::InParts::Joined(_))),
                whole.is_ok()
            ),
        }
    }
    assert!(joined > 20, "{joined} files joined from their parts");
}

/// What a large file is cut at relies on no declaration going on with the next declaration's
/// word: `optional` takes the type on the next line whatever its name (so it is no type's name
/// itself), and a record's field named like a declaration's word is no place to cut.
#[test]
fn no_declaration_ends_where_the_next_line_could_go_on_with_it() {
    let (message, found) = error("input x : optional\ninput y : bool\n");
    assert!(message.contains("took `input`"), "{message}");
    assert_eq!(found, "optional", "{message}");
    let (message, _) = error("input x : optional\n");
    assert!(message.starts_with("expected a type"), "{message}");
    let record = "record r\n  a : bool\ninput : bool\ninput\n  : text\ninput z : r\n";
    let cuts: Vec<usize> = super::cut_points(record).collect();
    assert_eq!(cuts, vec![record.find("input z").unwrap()]);
    let p = policy(record);
    assert_eq!(p.items.len(), 2, "{p:?}");
}

/// `text` broken in four ways around the declaration that starts at byte `at`: a stray word in
/// its first line, a stray `when` line before it (in the declaration before), its second line
/// cut in the middle (a text left open, often), and an operand left out at the end of the
/// declaration before it (`gives` with nothing after it, the next declaration's word then read
/// as a name).
fn broken_around(text: &str, at: usize) -> Vec<String> {
    let mut broken = Vec::new();
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i);
    let first_end = line_end(at);
    let middle = text[at..first_end]
        .char_indices()
        .map(|(i, _)| at + i)
        .find(|&i| i >= at + (first_end - at) / 2)
        .unwrap_or(first_end);
    broken.push(format!("{} ?? {}", &text[..middle], &text[middle..]));
    broken.push(format!("{}  when\n{}", &text[..at], &text[at..]));
    if first_end < text.len() {
        let second_end = line_end(first_end + 1);
        let second = &text[first_end + 1..second_end];
        let half = second
            .char_indices()
            .map(|(i, _)| i)
            .find(|&i| i >= second.len() / 2)
            .unwrap_or(second.len());
        broken.push(format!(
            "{}{}",
            &text[..first_end + 1 + half],
            &text[second_end..]
        ));
    }
    if let Some(gives) = text[..at]
        .rfind("gives ")
        .filter(|g| !text[*g..at].contains("\n\n"))
    {
        let end = line_end(gives);
        broken.push(format!("{}gives{}", &text[..gives], &text[end..]));
    }
    broken
}

/// A file broken anywhere and cut anywhere is refused with the diagnostics of the file parsed
/// whole: the first part pest refuses is parsed again from its cut to the end of the file, not
/// the file from its start.
#[test]
fn a_broken_file_cut_anywhere_gets_the_diagnostics_of_the_file_parsed_whole() {
    let (mut compared, mut refused) = (0, 0);
    for path in &repository_policies() {
        let text = std::fs::read_to_string(path).unwrap();
        let cuts: Vec<usize> = super::cut_points(&text).collect();
        // A dozen declarations of each file, spread over it.
        let step = cuts.len().div_ceil(12).max(1);
        for &at in cuts.iter().step_by(step) {
            for broken in broken_around(&text, at) {
                let whole = format!("{:?}", super::parse_one_piece(FileId::default(), &broken));
                refused += usize::from(whole.starts_with("Err"));
                let cuts: Vec<usize> = super::cut_points(&broken).collect();
                // The cuts around the breakage one by one, then all of them at once.
                let near = cuts.iter().position(|&c| c >= at).unwrap_or(cuts.len());
                let singles = cuts
                    .get(near.saturating_sub(1)..(near + 2).min(cuts.len()))
                    .unwrap_or_default()
                    .iter()
                    .map(|&c| vec![c]);
                for cut in singles.chain(std::iter::once(cuts.clone())) {
                    if cut.is_empty() {
                        continue;
                    }
                    let parsed = super::parse_cut(FileId::default(), &broken, &cut);
                    assert_eq!(
                        format!("{parsed:?}"),
                        whole,
                        "{} broken near byte {at}, cut at {cut:?}:\n{broken}",
                        path.display()
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(
        compared > 3_000 && refused > 600,
        "{compared} compared, {refused} refused"
    );
}

/// What the benches measure as pest alone, on the parts the parse cuts, accepts exactly the
/// files pest accepts whole (the parse refuses more: impossible dates, nesting, …).
#[test]
fn pest_alone_in_parts_accepts_the_files_pest_accepts_whole() {
    let (mut accepted, mut refused) = (0, 0);
    for path in &repository_policies() {
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = super::parser::parse_pairs(FileId::default(), &text).is_ok();
        assert_eq!(super::recognize(&text), parsed, "{}", path.display());
        if parsed {
            accepted += 1;
        } else {
            refused += 1;
        }
        // Broken at its end, a file is refused by both, from whichever part holds the end.
        let broken = format!("{text}\nrule oops when");
        assert!(!super::recognize(&broken), "{} broken", path.display());
    }
    assert!(
        accepted > 20 && refused > 5,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn a_large_file_is_cut_before_declarations_about_evenly() {
    let annex = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/bts-metiers-de-la-mesure/annexe-ivb.policy"
    ))
    .unwrap();
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return;
    }
    let cuts = super::parts_of(&annex).expect("the annex is large enough to cut");
    // About one part per PART_SIZE bytes, each starting with a declaration's word.
    let parts = annex.len() / super::PART_SIZE;
    assert!(
        cuts.len() + 1 >= parts - 1 && cuts.len() < parts,
        "{cuts:?}"
    );
    assert!(cuts.windows(2).all(|w| w[0] < w[1]), "{cuts:?}");
    for (i, &at) in cuts.iter().enumerate() {
        assert!(at >= annex.len() * (i + 1) / parts, "cut {i} at {at}");
        let line = &annex[at..];
        assert!(
            super::ITEM_WORDS
                .iter()
                .any(|w| line.starts_with(&format!("{w} ")))
        );
    }
    assert_eq!(super::parts_of("policy p\nversion \"v\"\n"), None);
    // A file just over the size is cut in two, from its middle on.
    let filler: String = (0..600)
        .map(|i| format!("parameter p{i} = {i} per \"c\"\n"))
        .collect();
    let text = format!("policy p\nversion \"v\"\n{filler}");
    assert!(text.len() >= super::SPLIT_FROM && text.len() < 3 * super::PART_SIZE);
    let cuts = super::parts_of(&text).unwrap();
    assert_eq!(cuts.len(), 1);
    assert!(cuts[0] >= text.len() / 2);
}

#[test]
fn names_are_unicode_words() {
    let p = policy(
        "enum échelon = zéro_bis | un\ninput candidat.durée_stage : integer weeks\nparameter durée_max = 12 weeks per \"x\"\ndefinition ok : bool = candidat.durée_stage >= durée_max",
    );
    let ItemKind::Enum(e) = &p.items[0].kind else {
        panic!()
    };
    assert_eq!(e.name.node, "échelon");
    assert_eq!(e.variants[0].node, "zéro_bis");
    let ItemKind::Parameter(d) = &p.items[2].kind else {
        panic!()
    };
    assert_eq!(d.name.node, "durée_max");
    // A keyword stays whole: `andé` is a name, not `and`.
    let q = policy("definition andé : bool = true\ndefinition x : bool = andé and true");
    assert_eq!(q.items.len(), 2);
}

/// The value of the one text in a policy whose header has `title` and nothing else of note.
fn title_of(body: &str) -> (String, String) {
    let text = format!("policy p\nversion \"v\"\n{body}");
    let header = parse(FileId(0), &text)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .header;
    let title = header.title.unwrap();
    let written = text[title.span.start..title.span.end].to_string();
    (title.node, written)
}

#[test]
fn a_long_text_goes_on_over_lines_joined_by_one_space() {
    let (value, written) = title_of(
        "title \"Code de la consommation — droit de\"\n      \"rétractation (contrats à\"\r\n\t\"distance)\"\nsource \"s\"\n",
    );
    assert_eq!(
        value,
        "Code de la consommation — droit de rétractation (contrats à distance)"
    );
    // The span covers every piece, from the first quote to the last.
    assert_eq!(
        written,
        "\"Code de la consommation — droit de\"\n      \"rétractation (contrats à\"\r\n\t\"distance)\""
    );
    // The same text on one line is the same value.
    let (one_line, _) =
        title_of("title \"Code de la consommation — droit de rétractation (contrats à distance)\"");
    assert_eq!(one_line, value);
}

#[test]
fn labels_helps_questions_and_messages_go_on_over_lines() {
    let p = policy(
        "record r\n  a : integer\n  require a > 0\n    else \"a doit être\"\n         \"positif\"\n\
         input x : integer\n  require x > 0 else \"x est\"\n    \"positif\"\n\
         label x \"une\"\n  \"valeur\"\n  en \"a\"\n     \"value\"\n  help \"aide \\\"citée\\\"\"\n       \"suite\"\n  question en \"why\"\n              \"not?\"\n",
    );
    let ItemKind::Record(r) = &p.items[0].kind else {
        panic!()
    };
    assert_eq!(r.requires[0].message.node, "a doit être positif");
    let ItemKind::Input(i) = &p.items[1].kind else {
        panic!()
    };
    assert_eq!(i.requires[0].message.node, "x est positif");
    let ItemKind::Label(l) = &p.items[2].kind else {
        panic!()
    };
    let texts: Vec<&str> = std::iter::once(&l.text)
        .chain(l.parts.iter().map(|part| &part.text))
        .map(|t| t.node.as_str())
        .collect();
    assert_eq!(
        texts,
        ["une valeur", "a value", "aide \"citée\" suite", "why not?"]
    );
}

#[test]
fn a_piece_of_a_long_text_has_no_space_at_its_ends() {
    for (body, fault, piece) in [
        (
            "title \"droit de \"\n  \"rétractation\"",
            "ends with a space",
            "\"droit de \"",
        ),
        (
            "title \"droit de\"\n  \" rétractation\"",
            "starts with a space",
            "\" rétractation\"",
        ),
        ("title \"droit de\"\n  \"\"", "is empty", "\"\""),
    ] {
        let (message, found) = error(body);
        assert_eq!(
            message,
            format!("this piece of a text written over several lines {fault}")
        );
        assert_eq!(found, piece);
    }
    // A text of one piece keeps its spaces.
    assert_eq!(title_of("title \" droit \"").0, " droit ");
}

#[test]
fn mistakes_in_long_texts_are_told_in_words() {
    let cases = [
        (
            "title \"droit de\" \"rétractation\"",
            "two quoted texts follow each other on one line",
            "\"rétractation\"",
        ),
        (
            "title \"droit de\"\n      rétractation\"",
            "this line closes a quoted text that it does not open",
            "rétractation\"",
        ),
        (
            "title \"droit de\"\n      \"rétractation\nsource \"s\"",
            "this quoted text is not closed on its line",
            "\"rétractation",
        ),
        (
            "title \"droit de\" # un commentaire\n      \"rétractation\"",
            "this quoted text cannot continue the one before it",
            "\"rétractation\"",
        ),
        (
            "title \"droit de\"\n\n      \"rétractation\"",
            "this quoted text cannot continue the one before it",
            "\"rétractation\"",
        ),
        // Versions, clause ids, citations and texts in expressions are written on one line.
        (
            "extends \"annexe\"\n  \"ivb\"",
            "this quoted text cannot continue the one before it",
            "\"ivb\"",
        ),
        (
            "clause \"1\" section \"1\"\n  | T\nparameter n = 1 per \"1\"\n  \"2\"",
            "this quoted text cannot continue the one before it",
            "\"2\"",
        ),
    ];
    for (body, expected, piece) in cases {
        let (message, found) = error(body);
        assert_eq!(
            (message.as_str(), found.as_str()),
            (expected, piece),
            "{body}"
        );
    }
    // Two citations without their comma are told how citations are separated.
    let text = "policy p\nversion \"v\"\nclause \"1\" section \"1\"\n  | T\nparameter n = 1 per \"1\" \"2\"";
    let d = parse(FileId(0), text).unwrap_err().remove(0);
    assert_eq!(d.message, "two quoted texts follow each other on one line");
    assert!(d.help.unwrap().contains("separated by commas"));
}

/// A file large enough to be parsed in parts is checked for nesting as a whole: every finding
/// is the one the whole file's checks make, wherever it stands (before a cut, after it, or a
/// bracket left open before a cut and closed after it).
#[test]
fn a_file_parsed_in_parts_is_checked_for_nesting_as_a_whole() {
    let filler: String = (0..800)
        .map(|i| format!("parameter p{i} = {i} per \"c\"\n"))
        .collect();
    let deep = |n: usize| format!("{}1{}", "(".repeat(n), ")".repeat(n));
    let long_chain = vec!["1"; 300].join(" + ");
    let cases = [
        (
            format!("definition d : integer = {}\n{filler}", deep(70)),
            Some("too-deep"),
        ),
        (
            format!("{filler}definition d : integer = {}\n", deep(70)),
            Some("too-deep"),
        ),
        (
            format!("definition d : integer = {long_chain}\n{filler}"),
            Some("too-deep"),
        ),
        (
            format!("{filler}definition d : integer = {long_chain}\n"),
            Some("too-deep"),
        ),
        (
            format!("definition d : integer = {}\n{filler}", deep(10)),
            None,
        ),
        (
            format!("definition d : integer = ({}\n{filler}", deep(60)),
            Some("syntax-error"),
        ),
    ];
    for (body, code) in cases {
        let text =
            format!("policy p\nversion \"v\"\nclause \"c\" section \"1\"\n  | Texte.\n{body}");
        assert!(
            super::parts_of(&text).is_some(),
            "the file is parsed in parts"
        );
        let whole = match super::too_nested(FileId(0), &text).0 {
            Some(d) => Err(vec![d]),
            None => super::parse_whole(FileId(0), &text),
        };
        let parsed = parse(FileId(0), &text);
        assert_eq!(format!("{parsed:?}"), format!("{whole:?}"));
        assert_eq!(parsed.err().map(|d| d[0].code.to_string()).as_deref(), code);
    }
}

/// The check of nesting before parsing, as it was written first (two passes over each line,
/// with iterators of characters): the one-pass check must find the same place and depth.
mod nesting_check_before {
    use crate::diagnostic::Diagnostic;
    use crate::span::FileId;

    pub(super) fn too_nested_before(file: FileId, text: &str) -> (Option<Diagnostic>, usize) {
        let mut offset = 0;
        let mut depth: usize = 0;
        let mut nesting_words: usize = 0;
        for line in text.split_inclusive('\n') {
            if !line.trim_start().starts_with('|') {
                let mut code_end = line.len();
                for (i, c) in code_chars(line) {
                    match c {
                        '(' | '[' => depth += 1,
                        ')' | ']' => depth = depth.saturating_sub(1),
                        '#' => code_end = i,
                        _ => {}
                    }
                    if depth > crate::syntax::MAX_NESTING {
                        return (Some(crate::syntax::nesting(file, offset + i)), depth);
                    }
                }
                let code = line.get(..code_end).unwrap_or("");
                if starts_statement(code) {
                    nesting_words = 0;
                }
                for (pos, token) in words(code) {
                    // `if`, the aggregates and `of` nest without brackets: counted over the whole
                    // statement, as they close nowhere (`else if … else if …` nests as deep as it is
                    // long).
                    nesting_words += crate::syntax::nesting_words_in(token);
                    if nesting_words > crate::syntax::MAX_NESTING {
                        return (
                            Some(crate::syntax::words_nesting(file, offset + pos)),
                            depth,
                        );
                    }
                }
            }
            offset += line.len();
        }
        (None, depth)
    }

    /// The characters of a line as the nesting checks read them: those of quoted texts blanked
    /// (brackets and words in texts do not count), and a `#` outside texts, which starts the
    /// comment, as the last.
    fn code_chars(line: &str) -> impl Iterator<Item = (usize, char)> + '_ {
        let mut in_string = false;
        let mut escaped = false;
        let mut in_comment = false;
        line.char_indices().map_while(move |(i, c)| {
            if in_comment {
                return None;
            }
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                '#' if !in_string => in_comment = true,
                _ => {}
            }
            Some((i, if in_string && c != '"' { ' ' } else { c }))
        })
    }

    /// The words of a line's code (split at whitespace, as `split_whitespace`, quoted texts
    /// blanked) with their byte offsets. A word's characters are all outside texts but for its
    /// quotes, so it is the same slice of the line.
    fn words(code: &str) -> impl Iterator<Item = (usize, &str)> {
        let mut start = None;
        code_chars(code)
            .chain(std::iter::once((code.len(), ' ')))
            .filter_map(move |(i, c)| match (c.is_whitespace(), start) {
                (true, Some(s)) => {
                    start = None;
                    Some((s, code.get(s..i).unwrap_or("")))
                }
                (false, None) => {
                    start = Some(i);
                    None
                }
                _ => None,
            })
    }

    /// Whether a line of code begins a statement.
    fn starts_statement(code: &str) -> bool {
        code.split_whitespace()
            .next()
            .is_some_and(|w| crate::syntax::STATEMENT_WORDS.contains(&w))
    }
}

/// The one-pass nesting check says what the two-pass one said, at the same place with the same
/// depth, on every policy of the repository and on 20,000 texts drawn from the pieces that
/// matter to it (quotes and escapes, comments, brackets, clause text lines, nesting, glue and
/// statement words, Unicode spaces and letters), each with a low limit's worth of nesting.
#[test]
fn the_nesting_check_finds_what_it_found_before() {
    let same = |text: &str| {
        let (now, depth_now) = super::too_nested(FileId(0), text);
        let (before, depth_before) = nesting_check_before::too_nested_before(FileId(0), text);
        assert_eq!(
            (format!("{now:?}"), depth_now),
            (format!("{before:?}"), depth_before),
            "{text:?}"
        );
        now.is_some()
    };
    for path in &repository_policies() {
        same(&std::fs::read_to_string(path).unwrap());
    }
    // An escaped quote right before the closing one, a word glued after: the word starts at
    // the escaped quote, which reads as a quote, not a space.
    assert!(same(&format!("x = {}\"\\\"\"if\n", "if ".repeat(64))));
    // A statement's word on a line with nothing else to count starts the count again, after a
    // statement that counted one word as after one that counted many: the words that follow
    // are the limit's, no more.
    for before in ["x = if\n", "x = if if\n", &"x = if\n".repeat(64)] {
        assert!(!same(&format!("{before}rule r\n{}\n", "if ".repeat(64))));
        assert!(same(&format!("{before}x\n{}\n", "if ".repeat(64))));
    }
    const PIECES: [&str; 47] = [
        "((((((((",
        "((((((((",
        "if",
        "of",
        " ",
        " ",
        "\t",
        "\n",
        "\n",
        "\r\n",
        "\u{a0}",
        "\u{b}",
        "\u{85}",
        "\u{3000}",
        "é",
        "x",
        "y_1",
        "\"",
        "\"",
        "\\",
        "\\\"",
        "#",
        "(",
        "((((",
        ")",
        "[",
        "]",
        "|",
        "  | ",
        "if",
        "elseif",
        "count",
        "(count",
        "sum",
        "any",
        "every",
        "each",
        "of",
        "optional",
        "then",
        "in",
        "not",
        "rule",
        "gives",
        "=",
        "conclusion",
        "when",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let mut refused = 0;
    for _ in 0..20_000 {
        let mut text = String::new();
        for _ in 0..next(600) {
            text.push_str(PIECES[next(PIECES.len())]);
            if next(3) == 0 {
                text.push(' ');
            }
        }
        if same(&text) {
            refused += 1;
        }
    }
    assert!(
        (2_000..18_000).contains(&refused),
        "both outcomes were drawn ({refused} refused)"
    );
}

/// The quick way to a pair's tight end (where carets end) gives, whenever it answers, what
/// walking the pair's last inner pairs gives, spaces left out: on every pair of every policy
/// of the repository, and of a file whose clause texts and comments end in spaces.
#[test]
fn the_end_of_a_pair_found_from_its_end_is_the_end_of_its_last_token() {
    let mut texts: Vec<String> = repository_policies()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let spaced = "policy p\nversion \"v\"\nclause \"1\" section \"s\"   \n  | Texte.   \n  | Suite  \t\n\n\
         clause \"2\" section \"s\" informative | Sur une ligne.   \n\
         input a.b : integer = 0   # note   \n    per \"1\"   \n\
         conclusion c : bool\n  rule r\n    when (a.b > 1)   # (x)  \n    gives true  \n    per \"1\" # c\n";
    assert!(super::parser::parse_pairs(FileId(0), spaced).is_ok());
    texts.push(spaced.to_string());
    let (mut pairs, mut quick) = (0, 0);
    for text in &texts {
        let Ok(parsed) = super::parser::parse_pairs(FileId(0), text) else {
            continue;
        };
        for pair in parsed.flatten() {
            pairs += 1;
            if let Some(end) = super::lower::quick_end(pair.as_span()) {
                quick += 1;
                // The walk stops at a pair with no inner pair, spaces that trail it included
                // (`informative` without its reason): the quick way leaves them out there.
                let walked = super::lower::walked_end(&pair);
                let walked = match pair.clone().into_inner().next() {
                    Some(_) => walked,
                    None => text[..walked].trim_end().len(),
                };
                assert_eq!(end, walked, "{:?} {:?}", pair.as_rule(), pair.as_str());
            }
            // The rules whose span is taken as it is end on their last token.
            if super::lower::ends_on_its_last_token(pair.as_rule()) {
                assert_eq!(
                    pair.as_span().end(),
                    super::lower::tight_end(&pair),
                    "{:?} {:?}",
                    pair.as_rule(),
                    pair.as_str()
                );
            }
        }
    }
    assert!(
        pairs > 10_000 && quick > pairs / 2,
        "{quick} of {pairs} pairs"
    );
}

/// The comments of a file found from its `#`s are those found reading it line by line: on
/// every policy of the repository, and on a file with `#` in strings, clause texts, escaped
/// quotes, trailing comments, carriage returns and no last line end.
#[test]
fn comments_found_from_their_marks_are_those_found_line_by_line() {
    fn line_by_line(text: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if !trimmed.starts_with('|')
                && let Some(at) = super::lower::comment_start(line)
            {
                let comment = line.get(at + 1..).unwrap().trim_end();
                let comment = comment.strip_prefix(' ').unwrap_or(comment).to_string();
                let code_before = !line[..at].trim().is_empty();
                let place = if code_before {
                    offset + (line.len() - trimmed.len())
                } else {
                    offset + at
                };
                out.push((place, comment));
            }
            offset += line.len();
        }
        out
    }
    let mut texts: Vec<String> = repository_policies()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.push(
        "# first\r\npolicy p # id\nversion \"v#1\" # after \"a # quote\n  | texte # pas un commentaire\n\
         input a : text = \"x\\\"#y\" #  two spaces  \n#\n##\n   # indented\n\"#\" # last"
            .to_string(),
    );
    let mut found = 0;
    for text in &texts {
        let scanned: Vec<(usize, String)> = super::lower::Comments::scan(text)
            .pending
            .into_iter()
            .collect();
        assert_eq!(scanned, line_by_line(text));
        found += scanned.len();
    }
    assert!(found > 100, "{found} comments");
}
