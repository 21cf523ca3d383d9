//! Name lookup helpers: "did you mean" suggestions.

/// The candidate closest to `name`, when it is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    let n = name.chars().count();
    for c in candidates {
        let m = c.chars().count();
        let limit = (n.max(m) / 3).max(1);
        // An edit changes the length by one at most: a candidate whose length is farther off
        // than the limit is farther than the limit, and is not compared (a policy of thousands
        // of names is searched once for each name a request gets wrong).
        if n.abs_diff(m) > limit {
            continue;
        }
        let d = strsim::damerau_levenshtein(name, c);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// A help line "did you mean `x`?" when a candidate is close.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_close_names_only() {
        let names = ["normal_weeks", "minimum_reduced_weeks", "exam_date"];
        assert_eq!(suggest("normal_week", names), Some("normal_weeks"));
        assert_eq!(suggest("exam_dat", names), Some("exam_date"));
        assert_eq!(suggest("pages", names), None);
    }
}
