//! Synthetic policies of a given size, for the `load_scale` bench and the tests of large
//! policies: deterministic, one version, and per item one clause, one input (in groups of a
//! hundred, so that the input tree has depth), one parameter and one conclusion with a base
//! rule and an exception that reads the input, the parameter and (but for every tenth) the
//! previous conclusion: chains of ten conclusions.

/// The text of a synthetic policy of `items` items (policy id `synthetic`, version `v`).
pub fn policy(items: usize) -> String {
    version(items, "v", "2026-01-01", None)
}

/// [`policy`] as the version `label`, in force from `from`, with every parameter whose number
/// is a multiple of `every` (if some) set one higher: a second whole version to compare with
/// the first (`clausier diff`).
pub fn version(items: usize, label: &str, from: &str, every: Option<usize>) -> String {
    let mut out = String::with_capacity(items * 330);
    out.push_str(&format!(
        "policy synthetic\nversion \"{label}\"\neffective from {from}\n\n"
    ));
    for i in 0..items {
        out.push_str(&format!(
            "clause \"c{i}\" section \"s{}\"\n  | Texte de la clause {i}.\n",
            i / 100
        ));
    }
    out.push('\n');
    for i in 0..items {
        out.push_str(&format!(
            "input g{}.x{i} : integer = 0                  per \"c{i}\"\n",
            i / 100
        ));
    }
    out.push('\n');
    for i in 0..items {
        let value = i + usize::from(every.is_some_and(|every| i % every == 0));
        out.push_str(&format!(
            "parameter p{i} = {value}                        per \"c{i}\"\n"
        ));
    }
    for i in 0..items {
        let previous = if i % 10 == 0 {
            String::new()
        } else {
            format!(" or k{}", i - 1)
        };
        out.push_str(&format!(
            "\nconclusion k{i} : bool\n  rule base\n    gives false\n    per \"c{i}\"\n  \
             exception over of base\n    when g{}.x{i} > p{i}{previous}\n    gives true\n    per \"c{i}\"\n",
            i / 100
        ));
    }
    out
}

/// A session layer over [`policy`] (version `v2`, extending `v`): one parameter overridden,
/// with `value` for its value; what an authority edits between two reloads.
pub fn layer(value: usize) -> String {
    format!(
        "policy synthetic\nversion \"v2\"\neffective from 2027-01-01\nextends \"v\"\n\n\
         override parameter p0 = {value}                        per \"c0\"\n"
    )
}

/// A policy of one decision table of `rows` rows over one integer column (policy id `table`,
/// version `v`): row `r{i}` gives `i` for the code `i`, then a row for every other code. The
/// hit policy is `hit` (`first`: the last row tests nothing; `unique`: the last rows test the
/// codes below 0 and from `rows` on, so that no two rows overlap). A barème of thousands of
/// lines (postal codes, communes, grades) has this shape. With `hit` `thresholds`, a `first`
/// table of brackets instead: row `r{i}` for the codes from `10 × (rows − i)` on, so that a
/// high code is in every bracket. With `hit` `collect_thresholds`, the same brackets in a
/// `collect` table (a `set of integer`): a high code is in every one, and every row gives. With
/// `hit` `unique_ranges`, a `unique` table whose row `r{i}` holds the ten codes from `10 × i`
/// (`[10 i .. 10 i + 9]`), then rows for the codes below 0 and from `10 × rows` on.
pub fn table(rows: usize, hit: &str) -> String {
    let thresholds = hit == "thresholds" || hit == "collect_thresholds";
    let ranges = hit == "unique_ranges";
    let hit = match hit {
        "thresholds" => "first",
        "collect_thresholds" => "collect",
        "unique_ranges" => "unique",
        other => other,
    };
    let ty = if hit == "collect" {
        "set of integer"
    } else {
        "integer"
    };
    let mut out = String::with_capacity(rows * 40 + 400);
    out.push_str(&format!(
        "policy table\nversion \"v\"\neffective from 2026-01-01\n\n\
         clause \"c\" section \"s\"\n  | Texte de la clause.\n\n\
         input a.code : integer per \"c\"\n\nconclusion k : {ty}\n"
    ));
    out.push_str(&format!("  table {hit}\n    columns | a.code\n"));
    for i in 0..rows {
        let cell = if thresholds {
            format!(">= {}", 10 * (rows - i))
        } else if ranges {
            format!("[{} .. {}]", 10 * i, 10 * i + 9)
        } else {
            i.to_string()
        };
        out.push_str(&format!("    row r{i} | {cell} | gives {i} per \"c\"\n"));
    }
    if hit == "first" {
        out.push_str("    row other | - | gives 0 per \"c\"\n");
    } else {
        out.push_str(&format!(
            "    row above | >= {} | gives 0 per \"c\"\n    row below | < 0 | gives 0 per \"c\"\n",
            if ranges { 10 * rows } else { rows }
        ));
    }
    out
}
