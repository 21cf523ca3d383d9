//! Synthetic policies of a given size, for the `load_scale` bench and the tests of large
//! policies: deterministic, one version, and per item one clause, one input (in groups of a
//! hundred, so that the input tree has depth), one parameter and one conclusion with a base
//! rule and an exception that reads the input, the parameter and (but for every tenth) the
//! previous conclusion: chains of ten conclusions.

/// The text of a synthetic policy of `items` items (policy id `synthetic`, version `v`).
pub fn policy(items: usize) -> String {
    let mut out = String::with_capacity(items * 330);
    out.push_str("policy synthetic\nversion \"v\"\neffective from 2026-01-01\n\n");
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
        out.push_str(&format!(
            "parameter p{i} = {i}                        per \"c{i}\"\n"
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
