//! What the completeness pass finds, and where it stays silent.

#![expect(clippy::unwrap_used, reason = "tests")]

use crate::diagnostic::Diagnostic;
use crate::load::check_texts;

/// A one-file policy with these declarations (after its clause `1`), checked: its diagnostics.
fn check(body: &str) -> Vec<Diagnostic> {
    let text = format!(
        "policy demo\nversion \"v\"\nclause \"1\" section \"1\"\n  | Text.\nunit euros\n{body}"
    );
    let folder = check_texts("demo".into(), vec![("v.policy".into(), None, text)]);
    let all: Vec<Diagnostic> = folder.all_diagnostics().cloned().collect();
    assert!(
        all.iter().all(|d| !d.is_error()),
        "{:?}",
        all.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    all
}

/// The help of the only diagnostic with `code`, if there is one.
fn help_of(diags: &[Diagnostic], code: &str) -> Option<String> {
    let found: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == code).collect();
    assert!(found.len() <= 1, "{found:?}");
    found.first().map(|d| d.help.clone().unwrap_or_default())
}

fn gap(body: &str) -> Option<String> {
    help_of(&check(body), "incomplete-rules")
}

fn conflict(body: &str) -> Option<String> {
    help_of(&check(body), "conflicting-rules")
}

/// A table of ranges over an income and a boolean that covers every case.
const TABLE: &str = r#"
input revenu : decimal euros per "1"
  require revenu >= 0.00 euros else "négatif"
input outre_mer : bool = false per "1"
parameter plafond = 37500.00 euros per "1"
conclusion taux : decimal
  rule bas when revenu >= 0.00 euros and revenu <= 20000.00 euros gives 3 per "1"
  rule moyen when revenu > 20000.00 euros and revenu <= plafond gives 2 per "1"
  rule haut when revenu > plafond and not outre_mer gives 1 per "1"
  rule haut_outre_mer when revenu > plafond and outre_mer gives 1.5 per "1"
"#;

#[test]
fn a_complete_table_of_conditions_gives_no_warning() {
    let diags = check(TABLE);
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn a_gap_in_a_table_is_shown_by_an_example() {
    let body = TABLE.replace("haut_outre_mer when", "haut_outre_mer when false and");
    let help = gap(&body).unwrap();
    assert!(
        help.starts_with(
            "for example when `revenu` > 37500.00 euros and `outre_mer` = true: add a rule"
        ),
        "{help}"
    );
}

#[test]
fn a_region_that_a_require_refuses_is_no_gap() {
    // Below 0 no rule applies, but no record has a negative income.
    assert_eq!(
        gap(&TABLE.replace(">= 0.00 euros and", ">= -1.00 euros and")),
        None
    );
    let help = gap(&TABLE.replace("revenu >= 0.00 euros and", "revenu >= 5.00 euros and"));
    assert!(
        help.unwrap()
            .starts_with("for example when `revenu` = 0.00 euros:")
    );
}

#[test]
fn an_opaque_condition_gives_no_warning() {
    // The rounded amount is not understood: the rule may or may not apply.
    let body = r#"
input montant : decimal euros per "1"
conclusion cas : bool
  rule petit when round(montant, 1.00 euros) < 10.00 euros gives true per "1"
  rule grand when montant > 20.00 euros gives false per "1"
"#;
    assert!(check(body).is_empty());
    // A definition with an aggregate is no better understood.
    let body = r#"
input notes : list of integer = [] per "1"
definition total : integer = sum of n for n in notes
conclusion admis : bool
  rule oui when total >= 10 gives true per "1"
  rule non when total < 10 gives false per "1"
"#;
    assert!(check(body).is_empty());
}

#[test]
fn a_rule_without_when_leaves_no_gap() {
    let body = r#"
enum statut = a | b | c
input s : statut per "1"
conclusion x : integer
  rule base gives 0 per "1"
  exception pour_a of base when s = a gives 1 per "1"
"#;
    assert!(check(body).is_empty());
}

#[test]
fn an_enum_value_left_out_is_a_gap() {
    let body = r#"
enum statut = a | b | c
input s : statut per "1"
conclusion x : integer
  rule r1 when s = a gives 1 per "1"
  rule r2 when s in [b] gives 2 per "1"
"#;
    assert!(gap(body).unwrap().starts_with("for example when `s` = c:"));
    assert_eq!(gap(&body.replace("[b]", "[b, c]")), None);
}

#[test]
fn dates_and_absence_are_regions_too() {
    let body = r#"
input naissance : optional date per "1"
conclusion connu : bool
  rule oui when naissance is present and naissance >= 2000-01-01 gives true per "1"
  rule non when naissance is absent gives false per "1"
"#;
    assert!(
        gap(body)
            .unwrap()
            .starts_with("for example when `naissance` < 2000-01-01:")
    );
    assert_eq!(gap(&body.replace("naissance >= 2000-01-01", "true")), None);
}

#[test]
fn a_conclusion_read_by_a_condition_is_followed_through_its_rules() {
    // `niveau` is `haut` only for a high income, so `montant`'s rules never conflict, and no
    // income leaves `niveau` without a rule of `montant`.
    let body = r#"
enum niveau = bas | haut
input revenu : integer per "1"
input boursier : bool = false per "1"
conclusion n : niveau
  rule b when revenu < 100 gives bas per "1"
  rule h when revenu >= 100 gives haut per "1"
conclusion montant : integer
  rule pour_bas when n = bas gives 10 per "1"
  rule pour_haut when n = haut gives 0 per "1"
  rule boursier_riche when boursier and revenu >= 100 gives 0 per "1"
"#;
    assert!(check(body).is_empty());
    // Giving the rich scholarship holder 5 conflicts with `pour_haut`.
    let help = conflict(&body.replace("revenu >= 100 gives 0", "revenu >= 100 gives 5"));
    let help = help.unwrap();
    assert!(
        help.starts_with("for example when `revenu` = 100 and `boursier` = true:"),
        "{help}"
    );
}

#[test]
fn an_exception_that_applies_settles_what_would_conflict() {
    let body = r#"
input a : bool per "1"
input b : bool per "1"
conclusion x : integer
  rule base gives 0 per "1"
  exception ea of base when a gives 1 per "1"
  exception eb of base when b gives 2 per "1"
  exception both of ea, eb when a and b gives 3 per "1"
"#;
    assert!(check(body).is_empty());
    let help = conflict(&body.replace("when a and b", "when a and b and false"));
    assert!(
        help.unwrap()
            .starts_with("for example when `a` = true and `b` = true:")
    );
}

#[test]
fn rules_with_one_condition_are_left_to_the_conflict_error() {
    let body = r#"
input a : bool per "1"
conclusion x : integer
  rule r1 when a gives 1 per "1"
  rule r2 when not a gives 2 per "1"
  rule r3 when not a gives 2 per "1"
"#;
    assert!(check(body).is_empty());
}

#[test]
fn a_definition_without_parameters_is_read_through() {
    let body = r#"
enum statut = étudiant | apprenti | salarié
input s : statut per "1"
definition en_formation : bool = s in [étudiant, apprenti]
conclusion aide : integer
  rule formation when en_formation gives 100 per "1"
  rule emploi when s = salarié gives 0 per "1"
"#;
    assert!(check(body).is_empty());
    let help = gap(&body.replace("[étudiant, apprenti]", "[étudiant]")).unwrap();
    assert!(
        help.starts_with("for example when `s` = apprenti:"),
        "{help}"
    );
}

#[test]
fn a_parameter_without_a_value_is_not_understood() {
    // Until a layer sets the deadline, no date can be said to be before or after it.
    let body = r#"
parameter date_limite : date per "1"
input dépôt : date per "1"
conclusion à_temps : bool
  rule oui when dépôt <= date_limite gives true per "1"
"#;
    assert!(check(body).is_empty());
    let help = gap(&body.replace(": date per \"1\"\ninput", "= 2027-04-16 per \"1\"\ninput"));
    assert!(
        help.unwrap()
            .starts_with("for example when `dépôt` > 2027-04-16:")
    );
}

#[test]
fn the_presence_of_an_optional_text_is_a_region() {
    let body = r#"
input hôte : optional text per "1"
conclusion accueilli : bool
  rule oui when hôte is present gives true per "1"
"#;
    assert!(
        gap(body)
            .unwrap()
            .starts_with("for example when `hôte` is absent:")
    );
    let body = body.replace(
        "gives true per \"1\"",
        "gives true per \"1\"\n  rule non when hôte = none gives false per \"1\"",
    );
    assert!(check(&body).is_empty());
}

/// A grant table of 8 income bands by 6 family sizes: complete, then with one cell left out.
#[test]
fn a_table_of_48_cells_is_searched_cell_by_cell() {
    let mut body = String::from(
        "enum foyer = f1 | f2 | f3 | f4 | f5 | f6\ninput taille : foyer per \"1\"\n\
         input revenu : integer euros per \"1\"\n  require revenu >= 0 euros else \"négatif\"\n\
         conclusion échelon : integer\n",
    );
    for f in 1..=6 {
        for b in 0..8 {
            let low = b * 5000 + f * 100;
            let high = if b == 7 {
                String::new()
            } else {
                format!(" and revenu < {} euros", (b + 1) * 5000 + f * 100)
            };
            let low = if b == 0 { 0 } else { low };
            body.push_str(&format!(
                "  rule r{f}_{b} when taille = f{f} and revenu >= {low} euros{high} gives {b} per \"1\"\n"
            ));
        }
    }
    assert!(check(&body).is_empty());
    let holed = body.replace("rule r4_3 when", "rule r4_3 when false and");
    let help = gap(&holed).unwrap();
    assert!(
        help.starts_with("for example when `taille` = f4 and `revenu` = 15400 euros:"),
        "{help}"
    );
}

#[test]
fn the_example_names_only_what_the_finding_needs() {
    // The search splits on `b` first, but without `a` no rule applies, whatever `b` and `s`.
    let body = r#"
enum sorte = x | y
input a : bool per "1"
input b : bool per "1"
input s : sorte per "1"
conclusion c : integer
  rule r1 when b and a gives 1 per "1"
  rule r2 when not b and a gives 2 per "1"
  rule r3 when s = x and a gives 3 per "1"
"#;
    let help = gap(body).unwrap();
    assert!(help.starts_with("for example when `a` = false:"), "{help}");
}

#[test]
fn a_conclusion_read_that_may_fail_is_not_assumed_to_have_a_value() {
    // `plafonné` is false whenever it has a value, but its exception reads arithmetic, which the
    // search does not follow: such a condition may fail or miss a fact (here, with `parts` = 0,
    // the division fails), and `aide` with it. So no region of the inputs understood is sure to
    // leave every record without a rule of `aide`, and nothing is reported.
    let body = r#"
enum statut = a | b
input s : statut per "1"
input montant : decimal euros per "1"
input parts : integer per "1"
conclusion plafonné : bool
  rule non gives false per "1"
  exception par_part of non when montant / parts > 1000.00 euros gives false per "1"
conclusion aide : integer
  rule pour_a when s = a and plafonné gives 1 per "1"
  rule pour_b when s = b gives 2 per "1"
"#;
    assert_eq!(gap(body), None);
    // Without the division, `plafonné` is surely false and `aide` has no rule for `a`.
    let help = gap(&body.replace("montant / parts", "montant")).unwrap();
    assert!(help.starts_with("for example when `s` = a:"), "{help}");
}

#[test]
fn a_list_that_names_an_input_is_not_understood() {
    // Whether the chosen centre is one the candidate asked for depends on what was asked: the
    // search does not compare two inputs, so it stays silent (and spends none of its budget).
    let body = r#"
enum centre = paris | lyon | lille
input choisi : centre per "1"
input vœu : centre per "1"
conclusion exaucé : bool
  rule oui when choisi in [vœu, paris] gives true per "1"
"#;
    assert_eq!(gap(body), None);
    let help = gap(&body.replace("[vœu, paris]", "[lille, paris]")).unwrap();
    assert!(
        help.starts_with("for example when `choisi` = lyon:"),
        "{help}"
    );
}

#[test]
fn conflicts_are_looked_for_only_between_rules_understood_through_and_through() {
    // With `a`, both rules apply; but `r1` also rests on a rounding, which the search does not
    // follow, so the pair is not searched (the cost of a search is that of what it reads).
    let body = r#"
input a : bool per "1"
input montant : decimal euros per "1"
conclusion x : integer
  rule r1 when a or round(montant, 1.00 euros) < 10.00 euros gives 1 per "1"
  rule r2 when a gives 2 per "1"
"#;
    assert_eq!(conflict(body), None);
    let help = conflict(&body.replace("round(montant, 1.00 euros)", "montant")).unwrap();
    assert!(help.starts_with("for example when `a` = true:"), "{help}");
    // So too when the rounding decides which branch of an `if` is read.
    let body = body.replace(
        "when a or round(montant, 1.00 euros) < 10.00 euros gives",
        "when (if a or round(montant, 1.00 euros) < 10.00 euros then true else a) gives",
    );
    assert_eq!(conflict(&body), None);
    let help = conflict(&body.replace("round(montant, 1.00 euros)", "montant")).unwrap();
    assert!(help.starts_with("for example when `a` = true:"), "{help}");
}

#[test]
fn a_whole_number_is_never_cut_at_a_fraction() {
    // No count of children equals 2.5: the two rules leave no gap.
    let body = r#"
input enfants : integer per "1"
conclusion aide : bool
  rule peu when enfants < 2.5 gives false per "1"
  rule beaucoup when enfants > 2.5 gives true per "1"
"#;
    assert_eq!(gap(body), None);
    let help = gap(&body.replace("enfants > 2.5", "enfants > 3")).unwrap();
    assert!(
        help.starts_with("for example when `enfants` = 3:"),
        "{help}"
    );
}
