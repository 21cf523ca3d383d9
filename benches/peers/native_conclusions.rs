//! The conclusions of the `native` peer ([`super`]), in the policy's order, each from its rules
//! and exceptions, with the facts behind them as reviewers read them.

use super::*;

// ------------------------------------------------------------------------- facts as reviewers read them

pub(super) fn pathway_fact(p: Pathway) -> &'static str {
    match p {
        Pathway::Scolaire => "candidate.pathway = scolaire",
        Pathway::Apprentissage => "candidate.pathway = apprentissage",
        Pathway::FormationContinue => "candidate.pathway = formation_continue",
        Pathway::ExperienceProfessionnelle => "candidate.pathway = experience_professionnelle",
    }
}

pub(super) fn situation_fact(s: Situation) -> &'static str {
    match s {
        Situation::PremiereFormation => "candidate.continuing_education = premiere_formation",
        Situation::Reconversion => "candidate.continuing_education = reconversion",
        Situation::Perfectionnement => "candidate.continuing_education = perfectionnement",
    }
}

pub(super) fn reduction_fact(g: ReductionGround) -> &'static str {
    match g {
        ReductionGround::Aucun => "internship.reduction_ground = aucun",
        ReductionGround::ForceMajeure => "internship.reduction_ground = force_majeure",
        ReductionGround::FormationAmenagee => "internship.reduction_ground = formation_amenagee",
        ReductionGround::DecisionDePositionnement => {
            "internship.reduction_ground = decision_de_positionnement"
        }
    }
}

pub(super) fn exemption_fact(g: ExemptionGround) -> &'static str {
    match g {
        ExemptionGround::Aucune => "exemption.ground = aucune",
        ExemptionGround::Vae => "exemption.ground = vae",
        ExemptionGround::Autre => "exemption.ground = autre",
    }
}

pub(super) fn date_text(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

// ------------------------------------------------------------------------- the conclusions

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Proof {
    CertificatDeStage,
    ContratApprentissage,
    CertificatsDeTravail,
    ContratDeTravailParticulier,
    Dispense,
}

impl Proof {
    fn name(self) -> &'static str {
        match self {
            Proof::CertificatDeStage => "certificat_de_stage",
            Proof::ContratApprentissage => "contrat_apprentissage",
            Proof::CertificatsDeTravail => "certificats_de_travail",
            Proof::ContratDeTravailParticulier => "contrat_de_travail_particulier",
            Proof::Dispense => "dispense",
        }
    }

    fn fact(self) -> &'static str {
        match self {
            Proof::CertificatDeStage => "presence_proof = certificat_de_stage",
            Proof::ContratApprentissage => "presence_proof = contrat_apprentissage",
            Proof::CertificatsDeTravail => "presence_proof = certificats_de_travail",
            Proof::ContratDeTravailParticulier => "presence_proof = contrat_de_travail_particulier",
            Proof::Dispense => "presence_proof = dispense",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Outcome {
    Satisfait,
    Insuffisant,
    NonRequis,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Satisfait => "satisfait",
            Outcome::Insuffisant => "insuffisant",
            Outcome::NonRequis => "non_requis",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Admission {
    Admis,
    AdmisSurAutorisation,
    Refuse,
}

impl Admission {
    fn name(self) -> &'static str {
        match self {
            Admission::Admis => "admis",
            Admission::AdmisSurAutorisation => "admis_sur_autorisation",
            Admission::Refuse => "refuse",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
#[expect(
    clippy::enum_variant_names,
    reason = "the names of the policy's values"
)]
pub(super) enum ReportKind {
    RapportDeStage,
    RapportNumerique,
    RapportNumeriqueEtDossier,
}

impl ReportKind {
    fn name(self) -> &'static str {
        match self {
            ReportKind::RapportDeStage => "rapport_de_stage",
            ReportKind::RapportNumerique => "rapport_numerique",
            ReportKind::RapportNumeriqueEtDossier => "rapport_numerique_et_dossier",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Conformity {
    Conforme,
    NonConforme,
}

impl Conformity {
    fn name(self) -> &'static str {
        match self {
            Conformity::Conforme => "conforme",
            Conformity::NonConforme => "non_conforme",
        }
    }
}

pub(super) const DEFECTS: &[&str] = &[
    "pages_excedees",
    "partie_manquante",
    "analyse_juridique_hors_bornes",
    "nombre_activites",
    "qsse_trop_long",
    "rapport_non_vise",
    "dossier_manquant",
];
pub(super) const CAUSES: &[&str] = &[
    "absence_de_depot",
    "depot_hors_delai",
    "dossier_non_conforme",
];
pub(super) const RESITS: &[&str] = &[
    "rapport_precedent",
    "rapport_modifie",
    "nouveau_rapport_apres_nouveau_stage",
    "contrat_initial_proroge",
    "nouveau_contrat_autre_employeur",
];

/// Every conclusion, in the policy's order.
pub(super) fn conclusions(f: &Facts<'_>) -> Conclusions {
    use Pathway::*;

    // presence_proof (2.1.2-4, 2.2-1, 2.3.2-1, 2.3.1-3, 2.5-1, 3-1, 3-2)
    let not_perfectionnement = || f.situation_is(Situation::Perfectionnement).map(|p| !p);
    let special_first = || and(f.pathway_is(FormationContinue), not_perfectionnement);
    let special_contract = || and(special_first(), || Ok(f.special_work_contract));
    let pp_conds = [
        Ok(true),
        f.pathway_is(Apprentissage),
        and(
            and(f.pathway_is(FormationContinue), || {
                f.situation_is(Situation::Perfectionnement)
            }),
            || f.qualifying_employment(),
        ),
        and(special_contract(), || f.activities_consistent()),
        f.pathway_is(ExperienceProfessionnelle),
        Ok(f.exemption_ground != ExemptionGround::Aucune && f.exemption_validated),
    ];
    let pp_over = [0, 0b1, 0b1, 0b1, 0b1, 0b11111];
    let pp = resolve(
        &pp_conds,
        [
            Ok(Proof::CertificatDeStage),
            Ok(Proof::ContratApprentissage),
            Ok(Proof::CertificatsDeTravail),
            Ok(Proof::ContratDeTravailParticulier),
            Ok(Proof::CertificatsDeTravail),
            Ok(Proof::Dispense),
        ],
        &pp_over,
    );
    let presence_proof = Conclusion::scalar(
        &pp,
        &PRESENCE_PROOF,
        |v| Val::Name(v.name()),
        |rules| {
            explain(&pp_conds, &pp_over, 0b1, rules, |i, b| match i {
                1 | 4 => b.add(pathway_fact(f.pathway.unwrap())),
                2 => {
                    let fc = f.pathway_is(FormationContinue);
                    let first = and(fc.clone(), || f.situation_is(Situation::Perfectionnement));
                    if pp_conds[2] == Ok(true) {
                        b.add(pathway_fact(f.pathway.unwrap()));
                        b.add(situation_fact(f.situation.unwrap()));
                        b.add("qualifying_employment = true");
                    } else if is_false(&first) {
                        if is_false(&fc) {
                            b.add(pathway_fact(f.pathway.unwrap()));
                        } else {
                            b.add(situation_fact(f.situation.unwrap()));
                        }
                    } else {
                        b.add("qualifying_employment = false");
                    }
                }
                3 => {
                    // `((pathway and situation) and contract) and consistent`: every fact when
                    // true, else the leftmost side that made it false.
                    if pp_conds[3] == Ok(true) {
                        b.add(pathway_fact(f.pathway.unwrap()));
                        b.add(situation_fact(f.situation.unwrap()));
                        b.add("continuing_contract.special_work_contract = true");
                        b.add("continuing_contract.activities_consistent = true");
                    } else if is_false(&special_contract()) {
                        if is_false(&special_first()) {
                            if is_false(&f.pathway_is(FormationContinue)) {
                                b.add(pathway_fact(f.pathway.unwrap()));
                            } else {
                                b.add(situation_fact(f.situation.unwrap()));
                            }
                        } else {
                            b.add("continuing_contract.special_work_contract = false");
                        }
                    } else {
                        b.add("continuing_contract.activities_consistent = false");
                    }
                }
                _ => {
                    // `ground != aucune and rector_validated`: both sides when true, else the
                    // side that made it false.
                    if f.exemption_ground == ExemptionGround::Aucune {
                        b.add(exemption_fact(f.exemption_ground));
                    } else if f.exemption_validated {
                        b.add(exemption_fact(f.exemption_ground));
                        b.add("exemption.rector_validated = true");
                    } else {
                        b.add("exemption.rector_validated = false");
                    }
                }
            })
        },
    );

    // required_weeks (2.1.2-3, 2.3.1-1, 3-1, 3-2, 2.2-1, 2.3.2-1, 2.5-1)
    let proof_is = |p: Proof| pp.get().map(|x| x == p);
    let reduced = f.reduction_ground != ReductionGround::Aucun && f.rector_validated;
    let rw_conds = [
        Ok(true),
        Ok(reduced),
        proof_is(Proof::ContratApprentissage),
        proof_is(Proof::CertificatsDeTravail),
        proof_is(Proof::ContratDeTravailParticulier),
        proof_is(Proof::Dispense),
    ];
    let rw_over = [0, 0b1, 0b11, 0b11, 0b11, 0b11];
    let rw = resolve(
        &rw_conds,
        [
            Ok(Some(NORMAL_WEEKS)),
            Ok(Some(MINIMUM_REDUCED_WEEKS)),
            Ok(None),
            Ok(None),
            Ok(None),
            Ok(None),
        ],
        &rw_over,
    );
    let proof_fact = || pp.get().map_or("", Proof::fact);
    let required_weeks = Conclusion::scalar(
        &rw,
        &REQUIRED_WEEKS,
        |v| v.map_or(Val::Null, Val::Int),
        |rules| {
            explain(&rw_conds, &rw_over, 0b1, rules, |i, b| match i {
                1 => {
                    if f.reduction_ground == ReductionGround::Aucun {
                        b.add(reduction_fact(f.reduction_ground));
                    } else if f.rector_validated {
                        b.add(reduction_fact(f.reduction_ground));
                        b.add("internship.rector_validated = true");
                    } else {
                        b.add("internship.rector_validated = false");
                    }
                }
                _ => b.add(proof_fact()),
            })
        },
    )
    .in_unit("weeks");
    let rw_fact = |v: Option<i64>| match v {
        Some(n) => Cow::Owned(format!("required_weeks = {n} weeks")),
        None => Cow::Borrowed("required_weeks = none"),
    };

    // completed_weeks (2.1.1-3, 2.1.2-3)
    let cw = match f.completed_weeks() {
        Ok(n) => Out::Decided(n, 0b1),
        Err(m) => Out::Undetermined(m),
    };
    let mut completed_weeks =
        Conclusion::scalar(&cw, &COMPLETED_WEEKS, Val::Int, |_| Because::default())
            .in_unit("weeks");
    // The week count of a period is a reading: shown when a signed period was counted.
    if completed_weeks.status == "decided"
        && f.periods.iter().any(|p| p.agreement_signed == Some(true))
    {
        completed_weeks.interpretations.push(&N_WEEKS_OF);
    }
    let cw_fact = |n: i64| format!("completed_weeks = {n} weeks");

    // internship_status (3-1)
    let is_conds = [
        Ok(true),
        and(rw.get().map(|r| r.is_some()), || {
            both(cw.get(), rw.get()).map(|(c, r)| r.is_some_and(|r| c >= r))
        }),
        rw.get().map(|r| r.is_none()),
    ];
    let is_over = [0, 0b1, 0b11];
    let is = resolve(
        &is_conds,
        [
            Ok(Outcome::Insuffisant),
            Ok(Outcome::Satisfait),
            Ok(Outcome::NonRequis),
        ],
        &is_over,
    );
    let internship_status = Conclusion::scalar(
        &is,
        &INTERNSHIP_STATUS,
        |v| Val::Name(v.name()),
        |rules| {
            explain(&is_conds, &is_over, 0b1, rules, |i, b| {
                let (Ok(r), c) = (rw.get(), cw.get()) else {
                    return;
                };
                if i == 1 && r.is_some() {
                    if is_conds[1] == Ok(true) {
                        b.add(rw_fact(r));
                    }
                    if let Ok(c) = c {
                        b.add(cw_fact(c));
                    }
                }
                b.add(rw_fact(r));
            })
        },
    );

    // e61_admission (2.1.2-4, 4-1, 4-2, 3-1, 2.2-1, 2.3.2-1, 2.5-1)
    let force_majeure = f.reduction_ground == ReductionGround::ForceMajeure;
    let with_certificate = proof_is(Proof::CertificatDeStage);
    let authorisation_base = || {
        and(and(with_certificate.clone(), || Ok(force_majeure)), || {
            Ok(f.rector_validated)
        })
    };
    let short = || cw.get().map(|c| c < NORMAL_WEEKS);
    let no_contract_base = || {
        and(proof_is(Proof::ContratApprentissage), || {
            Ok(!f.contract_copy)
        })
    };
    let e61_conds = [
        with_certificate.clone(),
        and(authorisation_base(), short),
        is.get().map(|s| s == Outcome::Insuffisant),
        and(with_certificate.clone(), || Ok(!f.certificate_provided)),
        proof_is(Proof::ContratApprentissage),
        and(no_contract_base(), || Ok(!f.employer_attestation)),
        proof_is(Proof::CertificatsDeTravail),
        and(proof_is(Proof::CertificatsDeTravail), || {
            f.any_work_certificate().map(|a| !a)
        }),
        proof_is(Proof::ContratDeTravailParticulier),
        and(proof_is(Proof::ContratDeTravailParticulier), || {
            Ok(!f.contract_attestation)
        }),
        proof_is(Proof::Dispense),
    ];
    let e61_over = [0, 0b1, 0b11, 0b111, 0, 1 << 4, 0, 1 << 6, 0, 1 << 8, 0];
    let e61 = resolve(
        &e61_conds,
        [
            Ok(Admission::Admis),
            Ok(Admission::AdmisSurAutorisation),
            Ok(Admission::Refuse),
            Ok(Admission::Refuse),
            Ok(Admission::Admis),
            Ok(Admission::Refuse),
            Ok(Admission::Admis),
            Ok(Admission::Refuse),
            Ok(Admission::Admis),
            Ok(Admission::Refuse),
            Ok(Admission::Admis),
        ],
        &e61_over,
    );
    // `any j in employment where j.certificate`, as the engine names what it read: the first
    // job with a certificate alone, else every job's certificate, else the empty list.
    let employment_facts = |b: &mut Because| {
        if f.employment.is_empty() {
            return b.add("employment = []");
        }
        match f
            .employment
            .iter()
            .position(|j| j.certificate == Some(true))
        {
            Some(i) => b.add(format!("employment[{i}].certificate = true")),
            None => {
                for (i, j) in f.employment.iter().enumerate() {
                    if let Some(c) = j.certificate {
                        b.add(format!("employment[{i}].certificate = {c}"));
                    }
                }
            }
        }
    };
    let e61_admission = Conclusion::scalar(
        &e61,
        &E61_ADMISSION,
        |v| Val::Name(v.name()),
        |rules| {
            explain(&e61_conds, &e61_over, 0, rules, |i, b| match i {
                1 => {
                    if e61_conds[1] == Ok(true) {
                        b.add(proof_fact());
                        b.add(reduction_fact(f.reduction_ground));
                        b.add("internship.rector_validated = true");
                        b.add(cw_fact(cw.get().unwrap_or_default()));
                        b.add("normal_weeks = 12 weeks");
                    } else if is_false(&authorisation_base()) {
                        let pair = and(with_certificate.clone(), || Ok(force_majeure));
                        if !is_false(&pair) {
                            b.add("internship.rector_validated = false");
                        } else if is_false(&with_certificate) {
                            b.add(proof_fact());
                        } else {
                            b.add(reduction_fact(f.reduction_ground));
                        }
                    } else {
                        b.add(cw_fact(cw.get().unwrap_or_default()));
                        b.add("normal_weeks = 12 weeks");
                    }
                }
                2 => b.add(match is.get() {
                    Ok(Outcome::Satisfait) => "internship_status = satisfait",
                    Ok(Outcome::Insuffisant) => "internship_status = insuffisant",
                    _ => "internship_status = non_requis",
                }),
                3 => {
                    if e61_conds[3] == Ok(true) {
                        b.add(proof_fact());
                        b.add("internship.certificate_provided = false");
                    } else if is_false(&with_certificate) {
                        b.add(proof_fact());
                    } else {
                        b.add("internship.certificate_provided = true");
                    }
                }
                5 => {
                    if e61_conds[5] == Ok(true) {
                        b.add(proof_fact());
                        b.add("apprenticeship.contract_copy = false");
                        b.add("apprenticeship.employer_attestation = false");
                    } else if is_false(&no_contract_base()) {
                        if is_false(&proof_is(Proof::ContratApprentissage)) {
                            b.add(proof_fact());
                        } else {
                            b.add("apprenticeship.contract_copy = true");
                        }
                    } else {
                        b.add("apprenticeship.employer_attestation = true");
                    }
                }
                7 => {
                    if is_false(&e61_conds[7]) && is_false(&proof_is(Proof::CertificatsDeTravail)) {
                        b.add(proof_fact());
                    } else {
                        if e61_conds[7] == Ok(true) {
                            b.add(proof_fact());
                        }
                        employment_facts(b);
                    }
                }
                9 => {
                    if e61_conds[9] == Ok(true) {
                        b.add(proof_fact());
                        b.add("continuing_contract.employer_attestation = false");
                    } else if is_false(&e61_conds[8]) {
                        b.add(proof_fact());
                    } else {
                        b.add("continuing_contract.employer_attestation = true");
                    }
                }
                _ => b.add(proof_fact()),
            })
        },
    );

    // jury_informed (2.1.2-4, 4-2)
    let jury_conds = [
        Ok(true),
        e61.get().map(|a| a == Admission::AdmisSurAutorisation),
    ];
    let jury_over = [0, 0b1];
    let jury = resolve(&jury_conds, [Ok(false), Ok(true)], &jury_over);
    let jury_informed = Conclusion::scalar(&jury, &JURY_INFORMED, Val::Bool, |rules| {
        explain(&jury_conds, &jury_over, 0b1, rules, |_, b| {
            b.add(match e61.get() {
                Ok(Admission::Admis) => "e61_admission = admis",
                Ok(Admission::AdmisSurAutorisation) => "e61_admission = admis_sur_autorisation",
                _ => "e61_admission = refuse",
            });
        })
    });

    // report_kind (2.1.3-1, 2.2-2, 2.3-1, 2.3.2-2, 2.5-2)
    let rk_conds = [
        f.pathway_is(Scolaire),
        f.pathway_is(Apprentissage),
        f.pathway_is(FormationContinue),
        and(f.pathway_is(FormationContinue), || {
            f.situation_is(Situation::Perfectionnement)
        }),
        f.pathway_is(ExperienceProfessionnelle),
    ];
    let rk_over = [0, 0, 0, 1 << 2, 0];
    let rk = resolve(
        &rk_conds,
        [
            Ok(ReportKind::RapportDeStage),
            Ok(ReportKind::RapportDeStage),
            Ok(ReportKind::RapportNumerique),
            Ok(ReportKind::RapportNumeriqueEtDossier),
            Ok(ReportKind::RapportNumerique),
        ],
        &rk_over,
    );
    let report_kind = Conclusion::scalar(
        &rk,
        &REPORT_KIND,
        |v| Val::Name(v.name()),
        |rules| {
            explain(&rk_conds, &rk_over, 0, rules, |i, b| {
                if i == 3 && f.pathway == Some(FormationContinue) {
                    if rk_conds[3] == Ok(true) {
                        b.add(pathway_fact(FormationContinue));
                    }
                    b.add(situation_fact(f.situation.unwrap()));
                } else {
                    b.add(pathway_fact(f.pathway.unwrap()));
                }
            })
        },
    );

    // nonconformity_details (2.1.3-1…10, 2.3.2-2)
    let submitted = Ok(f.submitted_on.is_some());
    let lacks = |p: Part| and(submitted.clone(), || f.has_part(p).map(|h| !h));
    let legal_low = || {
        f.legal_analysis_pages()
            .map(|x| x < LEGAL_ANALYSIS_MIN_PAGES)
    };
    let activities_low = || f.activities_analysed().map(|x| x < MIN_ACTIVITIES_ANALYSED);
    let kind_is = |k: ReportKind| rk.get().map(|x| x == k);
    let details = SetOut::of(
        [
            and(submitted.clone(), || {
                f.pages().map(|p| p > MAX_REPORT_PAGES)
            }),
            lacks(Part::PresentationEntreprise),
            lacks(Part::AnalyseJuridique),
            lacks(Part::Activites),
            lacks(Part::Conclusion),
            lacks(Part::ResumeAnglais),
            lacks(Part::DemarcheQsse),
            and(
                and(submitted.clone(), || f.has_part(Part::AnalyseJuridique)),
                || {
                    or(legal_low(), || {
                        f.legal_analysis_pages()
                            .map(|x| x > LEGAL_ANALYSIS_MAX_PAGES)
                    })
                },
            ),
            and(
                and(submitted.clone(), || f.has_part(Part::Activites)),
                || {
                    or(activities_low(), || {
                        f.activities_analysed().map(|x| x > MAX_ACTIVITIES_ANALYSED)
                    })
                },
            ),
            and(
                and(submitted.clone(), || f.has_part(Part::DemarcheQsse)),
                || f.qsse_pages().map(|x| x > MAX_QSSE_PAGES),
            ),
            and(
                and(submitted.clone(), || kind_is(ReportKind::RapportDeStage)),
                || Ok(!f.endorsed_by_host),
            ),
            and(
                and(submitted.clone(), || {
                    kind_is(ReportKind::RapportNumeriqueEtDossier)
                }),
                || Ok(!f.dossier_provided),
            ),
        ],
        &[0, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6],
    );
    let submitted_fact = || match f.submitted_on {
        Some(d) => Cow::Owned(format!("report.submitted_on = {}", date_text(d))),
        None => Cow::Borrowed("report.submitted_on = none"),
    };
    let parts_fact = || {
        let mut s = String::from("report.parts = [");
        for (i, p) in f.parts.unwrap_or_default().iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(p.name());
        }
        s.push(']');
        s
    };
    let nonconformity_details =
        Conclusion::set(&details, &NONCONFORMITY_DETAILS, DEFECTS, |i, b| {
            b.add(submitted_fact());
            match i {
                0 => {
                    b.add(format!(
                        "report.pages = {} pages",
                        f.pages.unwrap_or_default()
                    ));
                    b.add("max_report_pages = 50 pages");
                }
                1..=6 => b.add(parts_fact()),
                7 => {
                    b.add(parts_fact());
                    let x = f.legal_analysis_pages.unwrap_or_default();
                    b.add(format!("report.legal_analysis_pages = {x} pages"));
                    b.add(if legal_low() == Ok(true) {
                        "legal_analysis_min_pages = 2 pages"
                    } else {
                        "legal_analysis_max_pages = 4 pages"
                    });
                }
                8 => {
                    b.add(parts_fact());
                    let n = f.activities_analysed.unwrap_or_default();
                    b.add(format!("report.activities_analysed = {n}"));
                    b.add(if activities_low() == Ok(true) {
                        "min_activities_analysed = 1"
                    } else {
                        "max_activities_analysed = 2"
                    });
                }
                9 => {
                    b.add(parts_fact());
                    let x = f.qsse_pages.unwrap_or_default();
                    b.add(format!("report.qsse_pages = {x} pages"));
                    b.add("max_qsse_pages = 4 pages");
                }
                10 => {
                    b.add("report_kind = rapport_de_stage");
                    b.add("report.endorsed_by_host = false");
                }
                _ => {
                    b.add("report_kind = rapport_numerique_et_dossier");
                    b.add("report.dossier_provided = false");
                }
            }
        });

    // nonconformity_causes (4-4…4-7)
    let causes = SetOut::of(
        [
            Ok(f.submitted_on.is_none()),
            Ok(f.submitted_on.is_some_and(|d| d > REPORT_DEADLINE)),
            details.is_empty().map(|e| !e),
        ],
        &[0, 1, 2],
    );
    let nonconformity_causes =
        Conclusion::set(&causes, &NONCONFORMITY_CAUSES, CAUSES, |i, b| match i {
            0 => b.add("report.submitted_on = none"),
            1 => {
                b.add(submitted_fact());
                b.add("report_deadline = 2027-04-16");
            }
            _ => b.add(details.fact("nonconformity_details", DEFECTS)),
        });

    // report_conformity (4-3, 4-4)
    let rc_conds = [Ok(true), causes.is_empty().map(|e| !e)];
    let rc_over = [0, 0b1];
    let rc = resolve(
        &rc_conds,
        [Ok(Conformity::Conforme), Ok(Conformity::NonConforme)],
        &rc_over,
    );
    let report_conformity = Conclusion::scalar(
        &rc,
        &REPORT_CONFORMITY,
        |v| Val::Name(v.name()),
        |rules| {
            explain(&rc_conds, &rc_over, 0b1, rules, |_, b| {
                b.add(causes.fact("nonconformity_causes", CAUSES));
            })
        },
    );
    let rc_fact = || match rc.get() {
        Ok(Conformity::NonConforme) => "report_conformity = non_conforme",
        _ => "report_conformity = conforme",
    };

    // e61_mention and diploma_blocked (4-3)
    let nc_conds = [Ok(true), rc.get().map(|c| c == Conformity::NonConforme)];
    let nc_over = [0, 0b1];
    let mention = resolve(&nc_conds, [Ok(None), Ok(Some("non_valide"))], &nc_over);
    let e61_mention = Conclusion::scalar(
        &mention,
        &E61_MENTION,
        |v| v.map_or(Val::Null, Val::Name),
        |rules| explain(&nc_conds, &nc_over, 0b1, rules, |_, b| b.add(rc_fact())),
    );
    let blocked = resolve(&nc_conds, [Ok(false), Ok(true)], &nc_over);
    let diploma_blocked = Conclusion::scalar(&blocked, &DIPLOMA_BLOCKED, Val::Bool, |rules| {
        explain(&nc_conds, &nc_over, 0b1, rules, |_, b| b.add(rc_fact()))
    });

    // resit_options (5-1…5-4, L6222-11)
    let resit = |p: Pathway| and(Ok(f.failed), || f.pathway_is(p));
    let resits = SetOut::of(
        [
            resit(Scolaire),
            resit(Scolaire),
            resit(Scolaire),
            resit(Apprentissage),
            resit(Apprentissage),
        ],
        &[0, 1, 2, 3, 4],
    );
    let resit_options = Conclusion::set(&resits, &RESIT_OPTIONS, RESITS, |_, b| {
        b.add("previous_attempt.failed = true");
        b.add(pathway_fact(f.pathway.unwrap()));
    });

    Conclusions {
        presence_proof,
        required_weeks,
        completed_weeks,
        internship_status,
        e61_admission,
        jury_informed,
        report_kind,
        nonconformity_details,
        nonconformity_causes,
        report_conformity,
        e61_mention,
        diploma_blocked,
        resit_options,
    }
}
