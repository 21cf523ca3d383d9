//! The `native` peer: the BTS rules of SPEC §4.2 with the session-2027 parameters, written by
//! hand in Rust, from the candidate's JSON bytes to the same decision JSON as clausier's
//! (every conclusion with its status, value, citations — clause, section and text —, rule
//! labels, `because` and `missing`).
//!
//! It is what a careful engineer would write without a rules engine: typed serde structs
//! (`deny_unknown_fields`, `Option` for every field that may be absent), enums, `&'static`
//! clause texts, and the three-valued logic of SPEC §4 spelled out (`T<bool>` is a truth value
//! or the missing facts it needs; `and`/`or` short-circuit like the engine's: `false and unknown`
//! is false). The `because` texts follow the engine's rules (the facts read by the conditions
//! of the rules that applied, and by the exceptions to them that did not), so the two produce
//! the same bytes but for `decision_id`. `tests/integration/peers.rs` asserts the equivalence.
//!
//! This file reads the input and writes the decision; `native_logic.rs` holds the three-valued
//! logic, `native_conclusions.rs` the rules, `native_clauses.rs` the clause texts. Shared by
//! `benches/decide.rs` and `tests/integration/peers.rs` (one copy, included with `#[path]`); it
//! lives under `benches/peers/` because cargo would take `benches/native.rs` for a bench target
//! of its own.
//!
//! Input differences with clausier, outside what the benches and the tests feed it: a `null`
//! element of a list is rejected (clausier reads it as a missing fact), a duplicate JSON key is
//! rejected (clausier keeps the last), and the input must be an object.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    reason = "benchmark peer: constants are checked at compile time, indices are bounded by the rule tables"
)]

use std::borrow::Cow;
use std::fmt;

use chrono::{Days, Months, NaiveDate};
use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use clauses::*;
use conclude::*;
use logic::*;

#[path = "native_clauses.rs"]
mod clauses;
#[path = "native_conclusions.rs"]
mod conclude;
#[path = "native_logic.rs"]
mod logic;

// ------------------------------------------------------------------------------ the parameters

const NORMAL_WEEKS: i64 = 12;
const MINIMUM_REDUCED_WEEKS: i64 = 8;
const MAX_REPORT_PAGES: i64 = 50;
const LEGAL_ANALYSIS_MIN_PAGES: f64 = 2.0;
const LEGAL_ANALYSIS_MAX_PAGES: f64 = 4.0;
const MIN_ACTIVITIES_ANALYSED: i64 = 1;
const MAX_ACTIVITIES_ANALYSED: i64 = 2;
const MAX_QSSE_PAGES: f64 = 4.0;

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("not a date"),
    }
}

const fn months_before(d: NaiveDate, months: u32) -> NaiveDate {
    match d.checked_sub_months(Months::new(months)) {
        Some(d) => d,
        None => panic!("off the calendar"),
    }
}

/// session-2027 (4-3).
const REPORT_DEADLINE: NaiveDate = date(2027, 4, 16);
/// session-2027 (4-3).
const EXAM_DATE: NaiveDate = date(2027, 5, 18);
/// 2.3.2-1: the periods before the exam end the day before it.
const LAST_DAY_BEFORE_EXAM: NaiveDate = match EXAM_DATE.checked_sub_days(Days::new(1)) {
    Some(d) => d,
    None => panic!("off the calendar"),
};
/// 2.3.2-1: full time within the year before the exam…
const FULL_TIME_WINDOW_START: NaiveDate = months_before(EXAM_DATE, 12);
/// … or part time within the two years before it.
const PART_TIME_WINDOW_START: NaiveDate = months_before(EXAM_DATE, 24);
/// 2.3.2-1: six months full time, in days.
const FULL_TIME_DAYS_REQUIRED: i64 = EXAM_DATE
    .signed_duration_since(months_before(EXAM_DATE, 6))
    .num_days();
/// 2.3.2-1: one year part time, in days.
const PART_TIME_DAYS_REQUIRED: i64 = EXAM_DATE
    .signed_duration_since(months_before(EXAM_DATE, 12))
    .num_days();

// ------------------------------------------------------------------------------------ the input

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Pathway {
    Scolaire,
    Apprentissage,
    FormationContinue,
    ExperienceProfessionnelle,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Situation {
    PremiereFormation,
    Reconversion,
    Perfectionnement,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ReductionGround {
    Aucun,
    ForceMajeure,
    FormationAmenagee,
    DecisionDePositionnement,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ExemptionGround {
    Aucune,
    Vae,
    Autre,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JobField {
    Metrologie,
    Autre,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Part {
    PresentationEntreprise,
    AnalyseJuridique,
    Activites,
    Conclusion,
    ResumeAnglais,
    DemarcheQsse,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::PresentationEntreprise => "presentation_entreprise",
            Part::AnalyseJuridique => "analyse_juridique",
            Part::Activites => "activites",
            Part::Conclusion => "conclusion",
            Part::ResumeAnglais => "resume_anglais",
            Part::DemarcheQsse => "demarche_qsse",
        }
    }
}

/// A strict `YYYY-MM-DD` date, read without allocating.
#[derive(Clone, Copy)]
struct Date(NaiveDate);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date string YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                parse_date(s)
                    .map(Date)
                    .ok_or_else(|| E::custom(format!("`{s}` is not a date")))
            }
        }
        d.deserialize_str(V)
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// A text, checked to be a string and not kept.
struct Text;

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Text, E> {
                Ok(Text)
            }
        }
        d.deserialize_str(V)
    }
}

/// A whole number (`45` or `45.0`, like the engine).
struct Int(i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Int, E> {
                Ok(Int(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Int, E> {
                i64::try_from(n)
                    .map(Int)
                    .map_err(|_| E::custom("out of range"))
            }
            #[expect(
                clippy::cast_possible_truncation,
                reason = "checked whole and in range"
            )]
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Int, E> {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    Ok(Int(n as i64))
                } else {
                    Err(E::custom(format!("expected a whole number, found {n}")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    candidate: Option<Candidate>,
    internship: Option<Internship>,
    exemption: Option<Exemption>,
    continuing_contract: Option<ContinuingContract>,
    apprenticeship: Option<Apprenticeship>,
    employment: Option<Vec<Job>>,
    report: Option<Report>,
    previous_attempt: Option<PreviousAttempt>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Candidate {
    id: Option<Text>,
    pathway: Option<Pathway>,
    continuing_education: Option<Situation>,
    distance_learning: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Internship {
    periods: Option<Vec<Period>>,
    certificate_provided: Option<bool>,
    reduction_ground: Option<ReductionGround>,
    rector_validated: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Period {
    start: Option<Date>,
    end: Option<Date>,
    agreement_signed: Option<bool>,
    host: Option<Text>,
    abroad: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Exemption {
    ground: Option<ExemptionGround>,
    rector_validated: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContinuingContract {
    special_work_contract: Option<bool>,
    activities_consistent: Option<bool>,
    employer_attestation: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Apprenticeship {
    contract_copy: Option<bool>,
    employer_attestation: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Job {
    start: Option<Date>,
    end: Option<Date>,
    full_time: Option<bool>,
    field: Option<JobField>,
    certificate: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    submitted_on: Option<Date>,
    pages: Option<Int>,
    parts: Option<Vec<Part>>,
    legal_analysis_pages: Option<f64>,
    activities_analysed: Option<Int>,
    qsse_pages: Option<f64>,
    endorsed_by_host: Option<bool>,
    dossier_provided: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviousAttempt {
    failed: Option<bool>,
}

/// The input is not a valid candidate record.
#[derive(Debug)]
pub struct Invalid(pub String);

// ------------------------------------------------------------------------- the facts

/// The candidate's facts with their defaults applied; required facts stay `Option`.
struct Facts<'i> {
    pathway: Option<Pathway>,
    situation: Option<Situation>,
    periods: &'i [Period],
    certificate_provided: bool,
    reduction_ground: ReductionGround,
    rector_validated: bool,
    exemption_ground: ExemptionGround,
    exemption_validated: bool,
    special_work_contract: bool,
    activities_consistent: Option<bool>,
    contract_attestation: bool,
    contract_copy: bool,
    employer_attestation: bool,
    employment: &'i [Job],
    submitted_on: Option<NaiveDate>,
    pages: Option<i64>,
    parts: Option<&'i [Part]>,
    legal_analysis_pages: Option<f64>,
    activities_analysed: Option<i64>,
    qsse_pages: Option<f64>,
    endorsed_by_host: bool,
    dossier_provided: bool,
    failed: bool,
}

impl<'i> Facts<'i> {
    fn of(input: &'i Input) -> Result<Facts<'i>, Invalid> {
        let c = input.candidate.as_ref();
        let i = input.internship.as_ref();
        let e = input.exemption.as_ref();
        let a = input.apprenticeship.as_ref();
        let cc = input.continuing_contract.as_ref();
        let r = input.report.as_ref();
        let periods = i.and_then(|i| i.periods.as_deref()).unwrap_or_default();
        let employment = input.employment.as_deref().unwrap_or_default();
        // The records' invariants (`require end >= start`).
        for (n, p) in periods.iter().enumerate() {
            if let (Some(s), Some(e)) = (p.start, p.end)
                && e.0 < s.0
            {
                return Err(Invalid(format!(
                    "/internship/periods/{n}: la période de stage se termine avant de commencer"
                )));
            }
        }
        for (n, j) in employment.iter().enumerate() {
            if let (Some(s), Some(e)) = (j.start, j.end)
                && e.0 < s.0
            {
                return Err(Invalid(format!(
                    "/employment/{n}: l'emploi se termine avant de commencer"
                )));
            }
        }
        Ok(Facts {
            pathway: c.and_then(|c| c.pathway),
            situation: c.and_then(|c| c.continuing_education),
            periods,
            certificate_provided: i.and_then(|i| i.certificate_provided).unwrap_or(false),
            reduction_ground: i
                .and_then(|i| i.reduction_ground)
                .unwrap_or(ReductionGround::Aucun),
            rector_validated: i.and_then(|i| i.rector_validated).unwrap_or(false),
            exemption_ground: e.and_then(|e| e.ground).unwrap_or(ExemptionGround::Aucune),
            exemption_validated: e.and_then(|e| e.rector_validated).unwrap_or(false),
            special_work_contract: cc.and_then(|c| c.special_work_contract).unwrap_or(false),
            activities_consistent: cc.and_then(|c| c.activities_consistent),
            contract_attestation: cc.and_then(|c| c.employer_attestation).unwrap_or(false),
            contract_copy: a.and_then(|a| a.contract_copy).unwrap_or(false),
            employer_attestation: a.and_then(|a| a.employer_attestation).unwrap_or(false),
            employment,
            submitted_on: r.and_then(|r| r.submitted_on).map(|d| d.0),
            pages: r.and_then(|r| r.pages.as_ref()).map(|n| n.0),
            parts: r.and_then(|r| r.parts.as_deref()),
            legal_analysis_pages: r.and_then(|r| r.legal_analysis_pages),
            activities_analysed: r.and_then(|r| r.activities_analysed.as_ref()).map(|n| n.0),
            qsse_pages: r.and_then(|r| r.qsse_pages),
            endorsed_by_host: r.and_then(|r| r.endorsed_by_host).unwrap_or(false),
            dossier_provided: r.and_then(|r| r.dossier_provided).unwrap_or(false),
            failed: input
                .previous_attempt
                .as_ref()
                .and_then(|p| p.failed)
                .unwrap_or(false),
        })
    }

    fn pathway_is(&self, p: Pathway) -> T<bool> {
        self.pathway
            .map(|x| x == p)
            .ok_or_else(|| missing("candidate.pathway"))
    }

    fn situation_is(&self, s: Situation) -> T<bool> {
        self.situation
            .map(|x| x == s)
            .ok_or_else(|| missing("candidate.continuing_education"))
    }

    fn activities_consistent(&self) -> T<bool> {
        self.activities_consistent
            .ok_or_else(|| missing("continuing_contract.activities_consistent"))
    }

    fn pages(&self) -> T<i64> {
        self.pages.ok_or_else(|| missing("report.pages"))
    }

    fn parts(&self) -> T<&'i [Part]> {
        self.parts.ok_or_else(|| missing("report.parts"))
    }

    fn has_part(&self, p: Part) -> T<bool> {
        self.parts().map(|ps| ps.contains(&p))
    }

    fn legal_analysis_pages(&self) -> T<f64> {
        self.legal_analysis_pages
            .ok_or_else(|| missing("report.legal_analysis_pages"))
    }

    fn activities_analysed(&self) -> T<i64> {
        self.activities_analysed
            .ok_or_else(|| missing("report.activities_analysed"))
    }

    fn qsse_pages(&self) -> T<f64> {
        self.qsse_pages.ok_or_else(|| missing("report.qsse_pages"))
    }

    /// 2.1.1-3, 2.1.2-3: the weeks of the periods under a signed agreement, each period counting
    /// floor((days, both ends included, + 2) / 7).
    fn completed_weeks(&self) -> T<i64> {
        let mut sum = 0;
        let mut unknown = None;
        for (i, p) in self.periods.iter().enumerate() {
            let signed = p
                .agreement_signed
                .ok_or_else(|| missing_at("internship.periods", i, "agreement_signed"));
            let weeks = match signed {
                Ok(true) => both(
                    p.end
                        .ok_or_else(|| missing_at("internship.periods", i, "end")),
                    p.start
                        .ok_or_else(|| missing_at("internship.periods", i, "start")),
                )
                .map(|(e, s)| (e.0.signed_duration_since(s.0).num_days() + 3).div_euclid(7)),
                Ok(false) => Ok(0),
                Err(m) => Err(m),
            };
            match weeks {
                Ok(w) => sum += w,
                Err(m) => merge_into(&mut unknown, m),
            }
        }
        unknown.map_or(Ok(sum), Err)
    }

    /// 2.3.2-1: the employment in métrologie that qualifies a candidate in perfectionnement.
    fn qualifying_employment(&self) -> T<bool> {
        let certified = |i: usize, j: &Job| {
            and(
                j.field
                    .map(|f| f == JobField::Metrologie)
                    .ok_or_else(|| missing_at("employment", i, "field")),
                || {
                    j.certificate
                        .ok_or_else(|| missing_at("employment", i, "certificate"))
                },
            )
        };
        let days_within = |i: usize, j: &Job, window_start: NaiveDate| {
            both(
                j.end.ok_or_else(|| missing_at("employment", i, "end")),
                j.start.ok_or_else(|| missing_at("employment", i, "start")),
            )
            .map(|(e, s)| {
                let days =
                    e.0.min(LAST_DAY_BEFORE_EXAM)
                        .signed_duration_since(s.0.max(window_start))
                        .num_days();
                (days + 1).max(0)
            })
        };
        let mut any = Ok(false);
        for (i, j) in self.employment.iter().enumerate() {
            match certified(i, j) {
                Ok(true) => {
                    any = Ok(true);
                    break;
                }
                Ok(false) => {}
                Err(m) => any = Err(any.err().map_or(m.clone(), |a| merge(a, m))),
            }
        }
        let days = |full_time_only: bool, window_start: NaiveDate| {
            let mut sum = 0;
            let mut unknown = None;
            for (i, j) in self.employment.iter().enumerate() {
                let counted = if full_time_only {
                    and(certified(i, j), || {
                        j.full_time
                            .ok_or_else(|| missing_at("employment", i, "full_time"))
                    })
                } else {
                    certified(i, j)
                };
                match counted.and_then(|c| {
                    if c {
                        days_within(i, j, window_start)
                    } else {
                        Ok(0)
                    }
                }) {
                    Ok(d) => sum += d,
                    Err(m) => merge_into(&mut unknown, m),
                }
            }
            unknown.map_or(Ok(sum), Err)
        };
        and(any, || {
            or(
                days(true, FULL_TIME_WINDOW_START).map(|d| d >= FULL_TIME_DAYS_REQUIRED),
                || days(false, PART_TIME_WINDOW_START).map(|d| d >= PART_TIME_DAYS_REQUIRED),
            )
        })
    }

    /// `any j in employment where j.certificate`.
    fn any_work_certificate(&self) -> T<bool> {
        let mut unknown = None;
        for (i, j) in self.employment.iter().enumerate() {
            match j.certificate {
                Some(true) => return Ok(true),
                Some(false) => {}
                None => merge_into(&mut unknown, missing_at("employment", i, "certificate")),
            }
        }
        unknown.map_or(Ok(false), Err)
    }
}

// ------------------------------------------------------------------------- the output

#[derive(Serialize)]
struct Cite {
    clause: &'static str,
    section: &'static str,
    text: &'static str,
    /// The parameter that brought the clause, when the rule does not cite it.
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<&'static str>,
}

/// An interpretation a value rests on (`reading "…"` in the policy).
#[derive(Serialize)]
struct Note {
    of: &'static str,
    text: &'static str,
    clauses: &'static [&'static str],
}

/// A rule: its label, the clauses it cites, those of the parameters it reads, and the
/// interpretation notes of the rule and of the definitions it reads.
struct Rule(
    &'static str,
    &'static [&'static Cite],
    &'static [&'static Cite],
    &'static [&'static Note],
);

/// A conclusion's value.
enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Name(&'static str),
    /// A set: a bit per value of the enum, in the enum's order.
    Set(u16, &'static [&'static str]),
}

impl Serialize for Val {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Null => s.serialize_unit(),
            Val::Bool(b) => s.serialize_bool(*b),
            Val::Int(n) => s.serialize_i64(*n),
            Val::Name(n) => s.serialize_str(n),
            Val::Set(mask, names) => {
                let mut seq = s.serialize_seq(Some(mask.count_ones() as usize))?;
                for i in bits(*mask) {
                    seq.serialize_element(names[i])?;
                }
                seq.end()
            }
        }
    }
}

#[derive(Serialize)]
struct Conclusion {
    status: &'static str,
    value: Val,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'static str>,
    citations: Vec<&'static Cite>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    interpretations: Vec<&'static Note>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rules: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<Vec<Cow<'static, str>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<Miss>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

impl Conclusion {
    fn decided(value: Val, table: &[Rule], rules: u16, because: Because) -> Conclusion {
        let mut citations: Vec<&'static Cite> = Vec::new();
        let mut labels = Vec::new();
        for i in bits(rules) {
            labels.push(table[i].0);
            for c in table[i].1 {
                if !citations.iter().any(|x| std::ptr::eq(*x, *c)) {
                    citations.push(c);
                }
            }
        }
        // Then the clauses of the parameters the rules read, those not cited already.
        for i in bits(rules) {
            for c in table[i].2 {
                if !citations.iter().any(|x| x.clause == c.clause) {
                    citations.push(c);
                }
            }
        }
        let mut interpretations: Vec<&'static Note> = Vec::new();
        for i in bits(rules) {
            for n in table[i].3 {
                if !interpretations.iter().any(|x| std::ptr::eq(*x, *n)) {
                    interpretations.push(n);
                }
            }
        }
        Conclusion {
            status: "decided",
            value,
            unit: None,
            citations,
            interpretations,
            rules: labels,
            because: Some(because.0),
            missing: None,
            error: None,
        }
    }

    fn undetermined(missing: Miss) -> Conclusion {
        Conclusion {
            status: "undetermined",
            value: Val::Null,
            unit: None,
            citations: Vec::new(),
            interpretations: Vec::new(),
            rules: Vec::new(),
            because: None,
            missing: Some(missing),
            error: None,
        }
    }

    fn error() -> Conclusion {
        Conclusion {
            status: "error",
            value: Val::Null,
            unit: None,
            citations: Vec::new(),
            interpretations: Vec::new(),
            rules: Vec::new(),
            because: None,
            missing: None,
            error: Some("no rule applies, or rules conflict"),
        }
    }

    /// The conclusion with the unit of its number (`weeks`), when it has one.
    fn in_unit(mut self, unit: &'static str) -> Conclusion {
        if matches!(self.value, Val::Int(_)) {
            self.unit = Some(unit);
        }
        self
    }

    /// A scalar conclusion, with its `because` computed only when decided.
    fn scalar<V: Copy>(
        out: &Out<V>,
        table: &[Rule],
        value: impl FnOnce(V) -> Val,
        because: impl FnOnce(u16) -> Because,
    ) -> Conclusion {
        match out {
            Out::Decided(v, rules) => {
                Conclusion::decided(value(*v), table, *rules, because(*rules))
            }
            Out::Undetermined(m) => Conclusion::undetermined(m.clone()),
            Out::Error => Conclusion::error(),
        }
    }

    /// A set conclusion: the `because` of each member that applied.
    fn set(
        out: &SetOut,
        table: &[Rule],
        names: &'static [&'static str],
        mut reasons: impl FnMut(usize, &mut Because),
    ) -> Conclusion {
        match &out.missing {
            Some(m) => Conclusion::undetermined(m.clone()),
            None => {
                let mut b = Because::default();
                for i in bits(out.applied) {
                    reasons(i, &mut b);
                }
                Conclusion::decided(Val::Set(out.members, names), table, out.applied, b)
            }
        }
    }
}

#[derive(Serialize)]
struct PolicyRef {
    id: &'static str,
    version: &'static str,
    effective_from: &'static str,
    sha256: &'static str,
}

#[derive(Serialize)]
struct Conclusions {
    presence_proof: Conclusion,
    required_weeks: Conclusion,
    completed_weeks: Conclusion,
    internship_status: Conclusion,
    e61_admission: Conclusion,
    jury_informed: Conclusion,
    report_kind: Conclusion,
    nonconformity_details: Conclusion,
    nonconformity_causes: Conclusion,
    report_conformity: Conclusion,
    e61_mention: Conclusion,
    diploma_blocked: Conclusion,
    resit_options: Conclusion,
}

#[derive(Serialize)]
struct Decision {
    decision_id: String,
    policy: PolicyRef,
    conclusions: Conclusions,
}

/// One decision: the candidate's JSON bytes to the decision's JSON bytes.
pub fn decide(bytes: &[u8]) -> Result<Vec<u8>, Invalid> {
    let input: Input = serde_json::from_slice(bytes).map_err(|e| Invalid(e.to_string()))?;
    let facts = Facts::of(&input)?;
    let decision = Decision {
        decision_id: uuid::Uuid::new_v4().to_string(),
        policy: PolicyRef {
            id: "bts-metiers-de-la-mesure",
            version: "session-2027",
            effective_from: "2026-09-01",
            // The sources the rules were transcribed from (not compared by the tests).
            sha256: "8e3a15a88081782a6b8b141c05b27545348cd7f8ef69b06f2984b37e93e3dd9f",
        },
        conclusions: conclusions(&facts),
    };
    serde_json::to_vec(&decision).map_err(|e| Invalid(e.to_string()))
}
