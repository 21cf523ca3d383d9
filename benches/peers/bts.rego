# The BTS « Métiers de la Mesure » rules of SPEC §4.2, with the session-2027 parameters, in Rego:
# the `regorus` peer of benches/decide.rs. `data.bts.decision` gives every conclusion with its
# status, value, the labels of the rules that gave it and the clauses they cite (clause, section,
# text), then those of the parameters they read (`via`), like clausier's decision (without
# `because`, `missing` and `unit`).
#
# Missing facts follow SPEC §4: a fact absent from the input (or null) that has no default is
# unknown, and makes undetermined only the conclusions that need it. Unknown truth values are
# `null` here, and `and3`/`or3` keep the engine's rules (`false and unknown` is false, `true or
# unknown` is true). Each conclusion is an `else` chain in the order of the regulation's
# exceptions, with the undetermined cases spelled out where they arise.
#
# tests/integration/peers.rs asserts that this gives the same statuses, values, rules and
# citations as clausier on the BTS examples and on the generated mix of the benches.
package bts

# ------------------------------------------------------------------------------ the parameters

normal_weeks := 12

minimum_reduced_weeks := 8

max_report_pages := 50

legal_analysis_min_pages := 2

legal_analysis_max_pages := 4

min_activities_analysed := 1

max_activities_analysed := 2

max_qsse_pages := 4

report_deadline := "2027-04-16"

exam_date := "2027-05-18"

day_ns := 86400000000000

ns(d) := time.parse_ns("2006-01-02", d)

exam_ns := ns(exam_date)

# 2.3.2-1: the periods before the exam end the day before it
last_day_ns := exam_ns - day_ns

full_time_window_ns := time.add_date(exam_ns, -1, 0, 0)

part_time_window_ns := time.add_date(exam_ns, -2, 0, 0)

full_time_days_required := (exam_ns - time.add_date(exam_ns, 0, -6, 0)) / day_ns

part_time_days_required := (exam_ns - time.add_date(exam_ns, -1, 0, 0)) / day_ns

# ------------------------------------------------------------------------------ the facts

# A group of the input (`candidate`, `report`…), `{}` when absent or null.
group(name) := g if {
	g := input[name]
	is_object(g)
} else := {}

# A fact, `null` when absent.
fact(name, key) := object.get(group(name), key, null)

field(record, key) := object.get(record, key, null)

or_default(x, d) := d if {
	x == null
} else := x

pathway := fact("candidate", "pathway")

situation := fact("candidate", "continuing_education")

periods := or_default(fact("internship", "periods"), [])

certificate_provided := or_default(fact("internship", "certificate_provided"), false)

reduction_ground := or_default(fact("internship", "reduction_ground"), "aucun")

rector_validated := or_default(fact("internship", "rector_validated"), false)

exemption_ground := or_default(fact("exemption", "ground"), "aucune")

exemption_validated := or_default(fact("exemption", "rector_validated"), false)

special_work_contract := or_default(fact("continuing_contract", "special_work_contract"), false)

activities_consistent := fact("continuing_contract", "activities_consistent")

contract_attestation := or_default(fact("continuing_contract", "employer_attestation"), false)

contract_copy := or_default(fact("apprenticeship", "contract_copy"), false)

employer_attestation := or_default(fact("apprenticeship", "employer_attestation"), false)

employment := or_default(object.get(input, "employment", null), [])

submitted_on := fact("report", "submitted_on")

pages := fact("report", "pages")

parts := fact("report", "parts")

legal_analysis_pages := fact("report", "legal_analysis_pages")

activities_analysed := fact("report", "activities_analysed")

qsse_pages := fact("report", "qsse_pages")

endorsed_by_host := or_default(fact("report", "endorsed_by_host"), false)

dossier_provided := or_default(fact("report", "dossier_provided"), false)

failed := or_default(fact("previous_attempt", "failed"), false)

# ------------------------------------------------------------------------------ three-valued logic

and3(a, b) := false if {
	a == false
} else := false if {
	b == false
} else := true if {
	a == true
	b == true
} else := null

or3(a, b) := true if {
	a == true
} else := true if {
	b == true
} else := false if {
	a == false
	b == false
} else := null

not3(a) := null if {
	a == null
} else := false if {
	a == true
} else := true

eq3(x, v) := null if {
	x == null
} else := true if {
	x == v
} else := false

lt3(x, n) := null if {
	x == null
} else := true if {
	x < n
} else := false

gt3(x, n) := null if {
	x == null
} else := true if {
	x > n
} else := false

ge3(x, n) := null if {
	x == null
} else := true if {
	x >= n
} else := false

in3(v, list) := null if {
	list == null
} else := true if {
	v in list
} else := false

# ------------------------------------------------------------------------------ outcomes

undetermined := {"status": "undetermined", "value": null}

decided(conclusion, value, rules) := {
	"status": "decided",
	"value": value,
	"rules": rules,
	"citations": citations(conclusion, rules),
}

# The clauses of the rules, each once, in order; then those of the parameters the rules read
# that the rules do not cite, each once, with the parameter that brought it (`via`).
citations(conclusion, rules) := array.concat(own, brought) if {
	ids := [id | some rule in rules; some id in rule_clauses[conclusion][rule]]
	own := [clauses[id] | some i, id in ids; not seen(ids, i, id)]
	vias := [v | some rule in rules; some v in via_of(conclusion, rule)]
	brought := [{"clause": c.clause, "section": c.section, "text": c.text, "via": v[1]} |
		some i, v in vias
		not listed(ids, v[0])
		not seen_clause(vias, i, v[0])
		c := clauses[v[0]]
	]
}

via_of(conclusion, rule) := v if {
	v := rule_via[conclusion][rule]
} else := []

listed(ids, id) if {
	some x in ids
	x == id
}

seen_clause(vias, i, id) if {
	some j, x in vias
	j < i
	x[0] == id
}

seen(ids, i, id) if {
	some j, x in ids
	j < i
	x == id
}

# A set conclusion from its members (`rule`, `value`, `holds`): undetermined while a member is
# unknown, with the members known so far.
set_of(conclusion, order, members) := {
	"status": "undetermined",
	"value": null,
	"known": known_members(order, members),
} if {
	some m in members
	m.holds == null
} else := decided(conclusion, known_members(order, members), [m.rule | some m in members; m.holds == true])

known_members(order, members) := [v | some v in order; v in {m.value | some m in members; m.holds == true}]

# `is empty` of a set conclusion: a set known to hold a member is not empty.
is_empty3(set) := false if {
	set.status == "undetermined"
	count(set.known) > 0
} else := null if {
	set.status == "undetermined"
} else := true if {
	count(set.value) == 0
} else := false

# ------------------------------------------------------------------------------ presence_proof

# 3-1, 3-2: an exemption validated by the recteur replaces any proof
exempted if {
	exemption_ground != "aucune"
	exemption_validated == true
}

presence_proof := decided("presence_proof", "dispense", ["exempted"]) if {
	exempted
} else := undetermined if {
	pathway == null
} else := decided("presence_proof", "contrat_apprentissage", ["apprentice"]) if {
	pathway == "apprentissage"
} else := decided("presence_proof", "certificats_de_travail", ["experience"]) if {
	pathway == "experience_professionnelle"
} else := decided("presence_proof", "certificats_de_travail", ["perfectionnement_employment"]) if {
	pathway == "formation_continue"
	perfectionnement_employment == true
} else := decided("presence_proof", "contrat_de_travail_particulier", ["special_contract"]) if {
	pathway == "formation_continue"
	special_contract == true
} else := undetermined if {
	pathway == "formation_continue"
	perfectionnement_employment == null
} else := undetermined if {
	pathway == "formation_continue"
	special_contract == null
} else := decided("presence_proof", "certificat_de_stage", ["certificate"])

perfectionnement_employment := and3(eq3(situation, "perfectionnement"), qualifying_employment)

# 2.3.1-3: première formation or reconversion under a work contract of a particular type whose
# activities are consistent with the référentiel
special_contract := and3(
	and3(not3(eq3(situation, "perfectionnement")), special_work_contract),
	activities_consistent,
)

# 2.3.2-1: only jobs in métrologie proven by a certificat de travail count
certified(job) := and3(eq3(field(job, "field"), "metrologie"), field(job, "certificate"))

any_certified := true if {
	some job in employment
	certified(job) == true
} else := null if {
	some job in employment
	certified(job) == null
} else := false

# 2.3.2-1: the days of a job, both ends included, clipped to the window that ends the day before
# the exam
days_within(job, window_start) := null if {
	field(job, "end") == null
} else := null if {
	field(job, "start") == null
} else := max([0, ((min([ns(job.end), last_day_ns]) - max([ns(job.start), window_start])) / day_ns) + 1])

counted(job, full_time_only) := and3(certified(job), field(job, "full_time")) if {
	full_time_only
} else := certified(job)

counted_days(full_time_only, window_start) := null if {
	some job in employment
	counted(job, full_time_only) == null
} else := null if {
	some job in employment
	counted(job, full_time_only) == true
	days_within(job, window_start) == null
} else := sum([days_within(job, window_start) | some job in employment; counted(job, full_time_only) == true])

# six months full time within the year before the exam, or one year part time within the two
# years before it
qualifying_employment := and3(any_certified, or3(
	ge3(counted_days(true, full_time_window_ns), full_time_days_required),
	ge3(counted_days(false, part_time_window_ns), part_time_days_required),
))

# ------------------------------------------------------------------------------ the internship

required_weeks := undetermined if {
	presence_proof.status == "undetermined"
} else := decided("required_weeks", null, ["apprentice"]) if {
	presence_proof.value == "contrat_apprentissage"
} else := decided("required_weeks", null, ["work_certificates"]) if {
	presence_proof.value == "certificats_de_travail"
} else := decided("required_weeks", null, ["special_contract"]) if {
	presence_proof.value == "contrat_de_travail_particulier"
} else := decided("required_weeks", null, ["exempted"]) if {
	presence_proof.value == "dispense"
} else := decided("required_weeks", minimum_reduced_weeks, ["reduced"]) if {
	reduction_ground != "aucun"
	rector_validated == true
} else := decided("required_weeks", normal_weeks, ["normal"])

# 2.1.1-3, 2.1.2-3: the weeks of a period, counted floor((days, both ends included, + 2) / 7)
weeks_of(p) := floor((((ns(p.end) - ns(p.start)) / day_ns) + 3) / 7)

signed_periods_unknown if {
	some p in periods
	field(p, "agreement_signed") == null
}

signed_periods_unknown if {
	some p in periods
	field(p, "agreement_signed") == true
	some key in ["start", "end"]
	field(p, key) == null
}

completed_weeks := undetermined if {
	signed_periods_unknown
} else := decided(
	"completed_weeks",
	sum([weeks_of(p) | some p in periods; p.agreement_signed == true]),
	["signed_periods"],
)

internship_status := undetermined if {
	required_weeks.status == "undetermined"
} else := decided("internship_status", "non_requis", ["not_required"]) if {
	required_weeks.value == null
} else := undetermined if {
	completed_weeks.status == "undetermined"
} else := decided("internship_status", "satisfait", ["long_enough"]) if {
	completed_weeks.value >= required_weeks.value
} else := decided("internship_status", "insuffisant", ["too_short"])

# ------------------------------------------------------------------------------ admission to E6.1

e61_admission := undetermined if {
	presence_proof.status == "undetermined"
} else := admission_with_certificate if {
	presence_proof.value == "certificat_de_stage"
} else := decided("e61_admission", "refuse", ["no_contract"]) if {
	presence_proof.value == "contrat_apprentissage"
	contract_copy == false
	employer_attestation == false
} else := decided("e61_admission", "admis", ["with_contract"]) if {
	presence_proof.value == "contrat_apprentissage"
} else := admission_with_work_certificates if {
	presence_proof.value == "certificats_de_travail"
} else := decided("e61_admission", "refuse", ["no_employer_attestation"]) if {
	presence_proof.value == "contrat_de_travail_particulier"
	contract_attestation == false
} else := decided("e61_admission", "admis", ["with_special_contract"]) if {
	presence_proof.value == "contrat_de_travail_particulier"
} else := decided("e61_admission", "admis", ["exempted"])

admission_with_certificate := decided("e61_admission", "refuse", ["no_certificate"]) if {
	certificate_provided == false
} else := undetermined if {
	internship_status.status == "undetermined"
} else := decided("e61_admission", "refuse", ["internship_too_short"]) if {
	internship_status.value == "insuffisant"
} else := decided("e61_admission", "admis_sur_autorisation", ["on_authorisation"]) if {
	reduction_ground == "force_majeure"
	rector_validated == true
	completed_weeks.value < normal_weeks
} else := decided("e61_admission", "admis", ["with_certificate"])

any_work_certificate := true if {
	some job in employment
	field(job, "certificate") == true
} else := null if {
	some job in employment
	field(job, "certificate") == null
} else := false

admission_with_work_certificates := decided("e61_admission", "admis", ["with_work_certificates"]) if {
	any_work_certificate == true
} else := undetermined if {
	any_work_certificate == null
} else := decided("e61_admission", "refuse", ["no_work_certificate"])

jury_informed := undetermined if {
	e61_admission.status == "undetermined"
} else := decided("jury_informed", true, ["informed"]) if {
	e61_admission.value == "admis_sur_autorisation"
} else := decided("jury_informed", false, ["not_informed"])

# ------------------------------------------------------------------------------ the report

report_kind := undetermined if {
	pathway == null
} else := decided("report_kind", "rapport_de_stage", ["school"]) if {
	pathway == "scolaire"
} else := decided("report_kind", "rapport_de_stage", ["apprentice"]) if {
	pathway == "apprentissage"
} else := decided("report_kind", "rapport_numerique", ["experience"]) if {
	pathway == "experience_professionnelle"
} else := undetermined if {
	situation == null
} else := decided("report_kind", "rapport_numerique_et_dossier", ["perfectionnement_dossier"]) if {
	situation == "perfectionnement"
} else := decided("report_kind", "rapport_numerique", ["continuing"])

kind_is(kind) := null if {
	report_kind.status == "undetermined"
} else := true if {
	report_kind.value == kind
} else := false

defects := [
	"pages_excedees", "partie_manquante", "analyse_juridique_hors_bornes", "nombre_activites",
	"qsse_trop_long", "rapport_non_vise", "dossier_manquant",
]

# The content of a submitted report (2.1.3); the length of a part is checked when it is there.
detail_members := [
	{"rule": "pages_excedees", "value": "pages_excedees", "holds": gt3(pages, max_report_pages)},
	{"rule": "missing_presentation", "value": "partie_manquante", "holds": not3(in3("presentation_entreprise", parts))},
	{"rule": "missing_legal_analysis", "value": "partie_manquante", "holds": not3(in3("analyse_juridique", parts))},
	{"rule": "missing_activities", "value": "partie_manquante", "holds": not3(in3("activites", parts))},
	{"rule": "missing_conclusion", "value": "partie_manquante", "holds": not3(in3("conclusion", parts))},
	{"rule": "missing_english_summary", "value": "partie_manquante", "holds": not3(in3("resume_anglais", parts))},
	{"rule": "missing_qsse", "value": "partie_manquante", "holds": not3(in3("demarche_qsse", parts))},
	{"rule": "analyse_juridique_hors_bornes", "value": "analyse_juridique_hors_bornes", "holds": and3(
		in3("analyse_juridique", parts),
		or3(lt3(legal_analysis_pages, legal_analysis_min_pages), gt3(legal_analysis_pages, legal_analysis_max_pages)),
	)},
	{"rule": "nombre_activites", "value": "nombre_activites", "holds": and3(
		in3("activites", parts),
		or3(lt3(activities_analysed, min_activities_analysed), gt3(activities_analysed, max_activities_analysed)),
	)},
	{"rule": "qsse_trop_long", "value": "qsse_trop_long", "holds": and3(in3("demarche_qsse", parts), gt3(qsse_pages, max_qsse_pages))},
	{"rule": "rapport_non_vise", "value": "rapport_non_vise", "holds": and3(kind_is("rapport_de_stage"), not3(endorsed_by_host))},
	{"rule": "dossier_manquant", "value": "dossier_manquant", "holds": and3(kind_is("rapport_numerique_et_dossier"), not3(dossier_provided))},
]

nonconformity_details := decided("nonconformity_details", [], []) if {
	submitted_on == null
} else := set_of("nonconformity_details", defects, detail_members)

causes := ["absence_de_depot", "depot_hors_delai", "dossier_non_conforme"]

not_submitted := true if {
	submitted_on == null
} else := false

late := true if {
	submitted_on != null
	submitted_on > report_deadline
} else := false

nonconformity_causes := set_of("nonconformity_causes", causes, [
	{"rule": "absence_de_depot", "value": "absence_de_depot", "holds": not_submitted},
	{"rule": "depot_hors_delai", "value": "depot_hors_delai", "holds": late},
	{"rule": "dossier_non_conforme", "value": "dossier_non_conforme", "holds": not3(is_empty3(nonconformity_details))},
])

not_conforming := not3(is_empty3(nonconformity_causes))

report_conformity := undetermined if {
	not_conforming == null
} else := decided("report_conformity", "non_conforme", ["not_conforming"]) if {
	not_conforming == true
} else := decided("report_conformity", "conforme", ["conforming"])

e61_mention := undetermined if {
	report_conformity.status == "undetermined"
} else := decided("e61_mention", "non_valide", ["not_validated"]) if {
	report_conformity.value == "non_conforme"
} else := decided("e61_mention", null, ["no_mention"])

diploma_blocked := undetermined if {
	report_conformity.status == "undetermined"
} else := decided("diploma_blocked", true, ["blocked"]) if {
	report_conformity.value == "non_conforme"
} else := decided("diploma_blocked", false, ["not_blocked"])

# ------------------------------------------------------------------------------ resits (5)

resits := [
	"rapport_precedent", "rapport_modifie", "nouveau_rapport_apres_nouveau_stage",
	"contrat_initial_proroge", "nouveau_contrat_autre_employeur",
]

school_resit := and3(failed, eq3(pathway, "scolaire"))

apprentice_resit := and3(failed, eq3(pathway, "apprentissage"))

resit_options := set_of("resit_options", resits, [
	{"rule": "rapport_precedent", "value": "rapport_precedent", "holds": school_resit},
	{"rule": "rapport_modifie", "value": "rapport_modifie", "holds": school_resit},
	{"rule": "nouveau_rapport_apres_nouveau_stage", "value": "nouveau_rapport_apres_nouveau_stage", "holds": school_resit},
	{"rule": "contrat_initial_proroge", "value": "contrat_initial_proroge", "holds": apprentice_resit},
	{"rule": "nouveau_contrat_autre_employeur", "value": "nouveau_contrat_autre_employeur", "holds": apprentice_resit},
])

# ------------------------------------------------------------------------------ the decision

decision := {"conclusions": {
	"presence_proof": presence_proof,
	"required_weeks": required_weeks,
	"completed_weeks": completed_weeks,
	"internship_status": internship_status,
	"e61_admission": e61_admission,
	"jury_informed": jury_informed,
	"report_kind": report_kind,
	"nonconformity_details": nonconformity_details,
	"nonconformity_causes": nonconformity_causes,
	"report_conformity": report_conformity,
	"e61_mention": e61_mention,
	"diploma_blocked": diploma_blocked,
	"resit_options": resit_options,
}}

# ------------------------------------------------------------------------------ the citations

# The clauses of the parameters that rules read, as [clause, via], when the rule may not cite
# them itself (the parameters of the page counts cite their member's own clause).
rule_via := {
	"presence_proof": {"perfectionnement_employment": [["4-3", "parameter exam_date"]]},
	"required_weeks": {
		"normal": [
			["0-1", "parameter normal_weeks"],
			["2.1.2-3", "parameter normal_weeks"],
			["3-1", "parameter normal_weeks"],
		],
		"reduced": [["3-1", "parameter minimum_reduced_weeks"]],
	},
	"e61_admission": {"on_authorisation": [
		["0-1", "parameter normal_weeks"],
		["2.1.2-3", "parameter normal_weeks"],
		["3-1", "parameter normal_weeks"],
	]},
	"nonconformity_causes": {"depot_hors_delai": [["4-3", "parameter report_deadline"]]},
}

rule_clauses := {
	"presence_proof": {
		"certificate": ["2.1.2-4", "2.4-1"],
		"apprentice": ["2.2-1"],
		"perfectionnement_employment": ["2.3.2-1"],
		"special_contract": ["2.3.1-3"],
		"experience": ["2.5-1"],
		"exempted": ["3-1", "3-2"],
	},
	"required_weeks": {
		"normal": ["2.1.2-3", "2.3.1-1", "3-1"],
		"reduced": ["3-1", "3-2"],
		"apprentice": ["2.2-1"],
		"work_certificates": ["2.3.2-1", "2.5-1"],
		"special_contract": ["2.3.1-3"],
		"exempted": ["3-1", "3-2"],
	},
	"completed_weeks": {"signed_periods": ["2.1.1-3", "2.1.2-3"]},
	"internship_status": {"too_short": ["3-1"], "long_enough": ["3-1"], "not_required": ["3-1"]},
	"e61_admission": {
		"with_certificate": ["2.1.2-4", "4-1"],
		"on_authorisation": ["2.1.2-4", "4-2"],
		"internship_too_short": ["3-1"],
		"no_certificate": ["2.1.2-4", "4-1"],
		"with_contract": ["2.2-1"],
		"no_contract": ["2.2-1"],
		"with_work_certificates": ["2.3.2-1", "2.5-1"],
		"no_work_certificate": ["2.3.2-1", "2.5-1"],
		"with_special_contract": ["2.3.1-3"],
		"no_employer_attestation": ["2.3.1-3"],
		"exempted": ["3-1", "3-2"],
	},
	"jury_informed": {"not_informed": ["2.1.2-4", "4-2"], "informed": ["2.1.2-4", "4-2"]},
	"report_kind": {
		"school": ["2.1.3-1"],
		"apprentice": ["2.2-2"],
		"continuing": ["2.3-1"],
		"perfectionnement_dossier": ["2.3.2-2"],
		"experience": ["2.5-2"],
	},
	"nonconformity_details": {
		"pages_excedees": ["2.1.3-1"],
		"missing_presentation": ["2.1.3-2"],
		"missing_legal_analysis": ["2.1.3-3"],
		"missing_activities": ["2.1.3-4"],
		"missing_conclusion": ["2.1.3-5"],
		"missing_english_summary": ["2.1.3-7"],
		"missing_qsse": ["2.1.3-8"],
		"analyse_juridique_hors_bornes": ["2.1.3-3"],
		"nombre_activites": ["2.1.3-4"],
		"qsse_trop_long": ["2.1.3-8"],
		"rapport_non_vise": ["2.1.3-10"],
		"dossier_manquant": ["2.3.2-2"],
	},
	"nonconformity_causes": {
		"absence_de_depot": ["4-5"],
		"depot_hors_delai": ["4-6"],
		"dossier_non_conforme": ["4-7", "4-4"],
	},
	"report_conformity": {"conforming": ["4-3", "4-4"], "not_conforming": ["4-3", "4-4"]},
	"e61_mention": {"no_mention": ["4-3"], "not_validated": ["4-3"]},
	"diploma_blocked": {"not_blocked": ["4-3"], "blocked": ["4-3"]},
	"resit_options": {
		"rapport_precedent": ["5-1"],
		"rapport_modifie": ["5-1"],
		"nouveau_rapport_apres_nouveau_stage": ["5-1"],
		"contrat_initial_proroge": ["5-2", "5-3", "L6222-11"],
		"nouveau_contrat_autre_employeur": ["5-2", "5-4", "L6222-11"],
	},
}

clauses := {
	"0-1": {"clause": "0-1", "section": "0", "text": "Une période de stage d’une durée minimale de douze semaines en milieu professionnel est obligatoire pour le candidat au brevet de technicien supérieur « Métiers de la Mesure ». Le stagiaire peut participer aux activités d’un laboratoire ou d’une entreprise mettant en œuvre des procédures de mesure et/ou de contrôle avec des activités liées à la métrologie."},
	"2.1.1-3": {"clause": "2.1.1-3", "section": "2.1.1", "text": "Chaque période de stage en entreprise fait l’objet d’une convention entre l’établissement fréquenté par l’étudiant et la ou les structure(s) d’accueil. La convention est établie conformément aux dispositions et décrets en vigueur."},
	"2.1.2-3": {"clause": "2.1.2-3", "section": "2.1.2", "text": "La période du stage en milieu professionnel, dont le positionnement en fin de première année est laissé à l’initiative de chaque établissement, est d’une durée de douze semaines. Les activités à conduire sont conjointement définies par l’enseignant et le stagiaire en accord avec les propositions du tuteur en entreprise et en phase avec les compétences à mobiliser. Ces éléments sont consignés dans l’annexe pédagogique de la convention de stage."},
	"2.1.2-4": {"clause": "2.1.2-4", "section": "2.1.2", "text": "À la fin de la période du stage en milieu professionnel, un certificat de stage est remis au stagiaire par le responsable de l’entreprise ou son représentant, attestant la présence de l’étudiant. Un candidat qui n’aura pas fourni cette pièce ne pourra être admis à se présenter à l’épreuve E6.1 « gestion et mise en œuvre d’instruments en milieu professionnel » (Unité U6.1). Un candidat, qui, pour une raison de force majeure dûment constatée, n’effectue qu’une partie de la durée obligatoire du stage prévue dans la convention, peut être autorisé par le Recteur à se présenter à l’examen, le jury étant tenu informé de sa situation."},
	"2.1.3-1": {"clause": "2.1.3-1", "section": "2.1.3", "text": "À l’issue du stage professionnel, les candidats scolaires rédigent, à titre individuel, un rapport de cinquante pages maximum (hors annexes), qui comporte obligatoirement les éléments suivants :"},
	"2.1.3-2": {"clause": "2.1.3-2", "section": "2.1.3", "text": "une présentation de l’entreprise d’accueil, son domaine d’activités, sa structure et ses modes d’organisation ;"},
	"2.1.3-3": {"clause": "2.1.3-3", "section": "2.1.3", "text": "l’analyse, au choix, du contexte juridique de la structure d’accueil et de l’activité professionnelle concernées, ou d’une situation professionnelle impliquant un ou plusieurs documents réglementaires normatifs ou juridiques. Cette analyse repose sur les compétences, méthodologies et savoirs développés dans le cours d’environnement juridique des métiers de la mesure (entre 2 et 4 pages hors documents juridiques annexés)."},
	"2.1.3-4": {"clause": "2.1.3-4", "section": "2.1.3", "text": "la description et l’analyse d’une ou deux activités réalisées durant le stage en lien avec les compétences terminales évaluées. Cette description doit être structurée et permettre d’expliciter les objectifs assignés, les résultats obtenus, les contraintes prises en compte et être accompagnée de commentaires personnels ;"},
	"2.1.3-5": {"clause": "2.1.3-5", "section": "2.1.3", "text": "une conclusion technique et personnelle du stage qui fait ressortir ce que le candidat en retient en liaison avec son projet professionnel."},
	"2.1.3-7": {"clause": "2.1.3-7", "section": "2.1.3", "text": "un résumé en anglais d’une demi-page concernant une activité analysée ;"},
	"2.1.3-8": {"clause": "2.1.3-8", "section": "2.1.3", "text": "un exemple analysé de démarche QSSE dans un domaine de l’entreprise où s’effectue le stage (4 pages maximum) ;"},
	"2.1.3-10": {"clause": "2.1.3-10", "section": "2.1.3", "text": "Le rapport du stage en milieu professionnel, visé par la structure d’accueil, est transmis selon un calendrier et une procédure définis dans la circulaire d’organisation de l’examen."},
	"2.2-1": {"clause": "2.2-1", "section": "2.2", "text": "Pour les apprentis, les certificats de stage sont remplacés par la photocopie du contrat de travail ou par une attestation de l’employeur confirmant le statut du candidat comme apprenti dans son entreprise."},
	"2.2-2": {"clause": "2.2-2", "section": "2.2", "text": "Les objectifs pédagogiques ainsi que les supports (rapport d’activité et grille d’évaluation) de la sous-épreuve E6.1 « gestion et mise en œuvre d’instruments en milieu professionnel » (Unité U6.1) et les conditions d’évaluation associées sont les mêmes que ceux qui concernent les candidats de la voie scolaire."},
	"2.3-1": {"clause": "2.3-1", "section": "2.3", "text": "Les candidats qui se préparent au brevet de technicien supérieur « Métiers de la Mesure » par la voie de la formation continue rédigent un rapport numérique sur leurs activités professionnelles dans le même esprit que le rapport du stage en milieu professionnel des candidats de la voie scolaire et des candidats par apprentissage."},
	"2.3.1-1": {"clause": "2.3.1-1", "section": "2.3.1", "text": "La durée de stage est de 12 semaines."},
	"2.3.1-3": {"clause": "2.3.1-3", "section": "2.3.1", "text": "Lorsque cette préparation s’effectue dans le cadre d’un contrat de travail de type particulier, le stage obligatoire est inclus dans la période de formation dispensée en milieu professionnel si les activités effectuées sont en cohérence avec les exigences du référentiel du brevet de technicien supérieur préparé et conformes aux objectifs définis ci-dessus."},
	"2.3.2-1": {"clause": "2.3.2-1", "section": "2.3.2", "text": "Le certificat de stage peut être remplacé par un ou plusieurs certificats de travail attestant que l’intéressé a travaillé dans le domaine de la métrologie en qualité de salarié à temps plein pendant six mois au cours de l’année précédant l’examen ou à temps partiel pendant un an au cours des deux années précédant l’examen. Les activités effectuées doivent être en cohérence avec les exigences du référentiel du BTS « Métiers de la Mesure »."},
	"2.3.2-2": {"clause": "2.3.2-2", "section": "2.3.2", "text": "Les candidats rédigent un rapport numérique et un dossier sur leurs activités professionnelles dans le même esprit que le rapport du stage en milieu professionnel."},
	"2.4-1": {"clause": "2.4-1", "section": "2.4", "text": "Les candidats relèvent, selon leur statut (scolaire, apprenti, formation continue), de l’un des cas précédents."},
	"2.5-1": {"clause": "2.5-1", "section": "2.5", "text": "Le certificat de stage peut être remplacé par un ou plusieurs certificats de travail justifiant la nature et la durée de l’emploi occupé."},
	"2.5-2": {"clause": "2.5-2", "section": "2.5", "text": "Ces candidats rédigent un rapport numérique sur leurs activités professionnelles dans le même esprit que le rapport du stage en milieu professionnel."},
	"3-1": {"clause": "3-1", "section": "3", "text": "La durée normale du stage en milieu professionnel est de douze semaines. Pour une raison de force majeure dûment constatée ou dans le cadre d’une formation aménagée ou d’une décision de positionnement, la durée de stage peut être réduite, mais ne peut être inférieure à 8 semaines. Toutefois, les candidats qui produisent une dispense (notamment au titre de la validation des acquis de l’expérience) ne sont pas tenus d’effectuer ce stage."},
	"3-2": {"clause": "3-2", "section": "3", "text": "Le recteur est seul autorisé à valider les aménagements de la durée de stage ou les dispenses."},
	"4-1": {"clause": "4-1", "section": "4", "text": "En fin de stage ou de période d’apprentissage, un certificat attestant de la présence de l’étudiant et précisant les périodes concernées est délivré par le responsable de l’entreprise. Ce certificat est obligatoire pour s’inscrire à l’examen."},
	"4-2": {"clause": "4-2", "section": "4", "text": "Un candidat qui, pour des raisons de force majeure, n’a pu effectuer la totalité de son stage peut néanmoins être autorisé par le recteur à se présenter à l’examen. Le président du jury sera informé de la situation de ce candidat."},
	"4-3": {"clause": "4-3", "section": "4", "text": "Le rapport d’activité réalisé par le candidat est transmis selon une procédure mise en place par l’académie pilote de l’examen et à une date fixée dans la circulaire d’organisation de l’examen. Le contrôle de conformité du rapport est effectué selon des modalités définies par les autorités académiques avant l’interrogation. La constatation de non-conformité du rapport entraîne l’attribution de la mention « non validé » à l’épreuve correspondante. En conséquence, le diplôme ne peut lui être délivré."},
	"4-4": {"clause": "4-4", "section": "4", "text": "La non-conformité du rapport peut être prononcée dès lors qu’une des situations suivantes est constatée :"},
	"4-5": {"clause": "4-5", "section": "4", "text": "absence de dépôt du rapport ;"},
	"4-6": {"clause": "4-6", "section": "4", "text": "dépôt du rapport au-delà de la date fixée par la circulaire d’organisation de l’examen ou de l’autorité organisatrice ;"},
	"4-7": {"clause": "4-7", "section": "4", "text": "dossier non conforme aux attendus définis dans l’annexe IV B intitulée « stage en milieu professionnel »."},
	"5-1": {"clause": "5-1", "section": "5", "text": "Les candidats ayant échoué à une session antérieure de l’examen ont le choix entre présenter le précédent rapport numérique du stage en milieu professionnel, modifier ce rapport ou en élaborer un autre après avoir effectué à nouveau la période de stage correspondante."},
	"5-2": {"clause": "5-2", "section": "5", "text": "Les candidats apprentis redoublants peuvent présenter à la session suivante :"},
	"5-3": {"clause": "5-3", "section": "5", "text": "soit leur contrat d’apprentissage initial prorogé d’un an ;"},
	"5-4": {"clause": "5-4", "section": "5", "text": "soit un nouveau contrat conclu avec un autre employeur (en application des dispositions de l’article L6222-11 du code du travail)."},
	"L6222-11": {"clause": "L6222-11", "section": "code du travail", "text": "En cas d'échec à l'obtention du diplôme ou du titre professionnel visé, l'apprentissage peut être prolongé pour une durée d'un an au plus : 1° Soit par prorogation du contrat initial ou de la période d'apprentissage ; 2° Soit par conclusion d'un nouveau contrat avec un autre employeur dans des conditions fixées par décret."},
}
