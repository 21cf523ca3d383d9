//! The clauses the `native` peer ([`super`]) cites, as the policy quotes them, and the clauses
//! each rule cites.

use super::*;

// ------------------------------------------------------------------------- the rules' citations

pub(super) static PRESENCE_PROOF: [Rule; 6] = [
    Rule("certificate", &[&C_2_1_2_4, &C_2_4_1], &[], &[]),
    Rule("apprentice", &[&C_2_2_1], &[], &[]),
    Rule(
        "perfectionnement_employment",
        &[&C_2_3_2_1],
        &[&V_4_3_EXAM_DATE],
        &[&N_QUALIFYING_EMPLOYMENT, &N_LAST_DAY_BEFORE_EXAM],
    ),
    Rule("special_contract", &[&C_2_3_1_3], &[], &[]),
    Rule("experience", &[&C_2_5_1], &[], &[]),
    Rule("exempted", &[&C_3_1, &C_3_2], &[], &[]),
];
pub(super) static REQUIRED_WEEKS: [Rule; 6] = [
    Rule(
        "normal",
        &[&C_2_1_2_3, &C_2_3_1_1, &C_3_1],
        &NORMAL_WEEKS_VIA,
        &[],
    ),
    Rule(
        "reduced",
        &[&C_3_1, &C_3_2],
        &MINIMUM_REDUCED_WEEKS_VIA,
        &[&N_REDUCED],
    ),
    Rule("apprentice", &[&C_2_2_1], &[], &[]),
    Rule("work_certificates", &[&C_2_3_2_1, &C_2_5_1], &[], &[]),
    Rule("special_contract", &[&C_2_3_1_3], &[], &[]),
    Rule("exempted", &[&C_3_1, &C_3_2], &[], &[]),
];
pub(super) static COMPLETED_WEEKS: [Rule; 1] =
    [Rule("signed_periods", &[&C_2_1_1_3, &C_2_1_2_3], &[], &[])];
pub(super) static INTERNSHIP_STATUS: [Rule; 3] = [
    Rule("too_short", &[&C_3_1], &[], &[]),
    Rule("long_enough", &[&C_3_1], &[], &[]),
    Rule("not_required", &[&C_3_1], &[], &[]),
];
pub(super) static E61_ADMISSION: [Rule; 11] = [
    Rule("with_certificate", &[&C_2_1_2_4, &C_4_1], &[], &[]),
    Rule(
        "on_authorisation",
        &[&C_2_1_2_4, &C_4_2],
        &NORMAL_WEEKS_VIA,
        &[&N_ON_AUTHORISATION],
    ),
    Rule(
        "internship_too_short",
        &[&C_3_1],
        &[],
        &[&N_INTERNSHIP_TOO_SHORT],
    ),
    Rule("no_certificate", &[&C_2_1_2_4, &C_4_1], &[], &[]),
    Rule("with_contract", &[&C_2_2_1], &[], &[]),
    Rule("no_contract", &[&C_2_2_1], &[], &[]),
    Rule("with_work_certificates", &[&C_2_3_2_1, &C_2_5_1], &[], &[]),
    Rule(
        "no_work_certificate",
        &[&C_2_3_2_1, &C_2_5_1],
        &[],
        &[&N_NO_WORK_CERTIFICATE],
    ),
    Rule(
        "with_special_contract",
        &[&C_2_3_1_3],
        &[],
        &[&N_WITH_SPECIAL_CONTRACT],
    ),
    Rule(
        "no_employer_attestation",
        &[&C_2_3_1_3],
        &[],
        &[&N_NO_EMPLOYER_ATTESTATION],
    ),
    Rule("exempted", &[&C_3_1, &C_3_2], &[], &[]),
];
pub(super) static JURY_INFORMED: [Rule; 2] = [
    Rule("not_informed", &[&C_2_1_2_4, &C_4_2], &[], &[]),
    Rule("informed", &[&C_2_1_2_4, &C_4_2], &[], &[]),
];
pub(super) static REPORT_KIND: [Rule; 5] = [
    Rule("school", &[&C_2_1_3_1], &[], &[]),
    Rule("apprentice", &[&C_2_2_2], &[], &[]),
    Rule("continuing", &[&C_2_3_1], &[], &[&N_SAME_SPIRIT]),
    Rule(
        "perfectionnement_dossier",
        &[&C_2_3_2_2],
        &[],
        &[&N_SAME_SPIRIT_DOSSIER],
    ),
    Rule("experience", &[&C_2_5_2], &[], &[&N_SAME_SPIRIT_EXPERIENCE]),
];
pub(super) static NONCONFORMITY_DETAILS: [Rule; 12] = [
    Rule("pages_excedees", &[&C_2_1_3_1], &[], &[]),
    Rule("missing_presentation", &[&C_2_1_3_2], &[], &[]),
    Rule("missing_legal_analysis", &[&C_2_1_3_3], &[], &[]),
    Rule("missing_activities", &[&C_2_1_3_4], &[], &[]),
    Rule("missing_conclusion", &[&C_2_1_3_5], &[], &[]),
    Rule(
        "missing_english_summary",
        &[&C_2_1_3_7],
        &[],
        &[&N_MISSING_ENGLISH_SUMMARY],
    ),
    Rule("missing_qsse", &[&C_2_1_3_8], &[], &[]),
    Rule(
        "analyse_juridique_hors_bornes",
        &[&C_2_1_3_3],
        &[],
        &[&N_ANALYSE_JURIDIQUE_HORS_BORNES],
    ),
    Rule(
        "nombre_activites",
        &[&C_2_1_3_4],
        &[],
        &[&N_NOMBRE_ACTIVITES],
    ),
    Rule("qsse_trop_long", &[&C_2_1_3_8], &[], &[&N_QSSE_TROP_LONG]),
    Rule("rapport_non_vise", &[&C_2_1_3_10], &[], &[]),
    Rule("dossier_manquant", &[&C_2_3_2_2], &[], &[]),
];
pub(super) static NONCONFORMITY_CAUSES: [Rule; 3] = [
    Rule("absence_de_depot", &[&C_4_5], &[], &[]),
    Rule(
        "depot_hors_delai",
        &[&C_4_6],
        &[&V_4_3_REPORT_DEADLINE],
        &[],
    ),
    Rule("dossier_non_conforme", &[&C_4_7, &C_4_4], &[], &[]),
];
pub(super) static REPORT_CONFORMITY: [Rule; 2] = [
    Rule("conforming", &[&C_4_3, &C_4_4], &[], &[]),
    Rule(
        "not_conforming",
        &[&C_4_3, &C_4_4],
        &[],
        &[&N_NOT_CONFORMING],
    ),
];
pub(super) static E61_MENTION: [Rule; 2] = [
    Rule("no_mention", &[&C_4_3], &[], &[]),
    Rule("not_validated", &[&C_4_3], &[], &[]),
];
pub(super) static DIPLOMA_BLOCKED: [Rule; 2] = [
    Rule("not_blocked", &[&C_4_3], &[], &[]),
    Rule("blocked", &[&C_4_3], &[], &[]),
];
pub(super) static RESIT_OPTIONS: [Rule; 5] = [
    Rule("rapport_precedent", &[&C_5_1], &[], &[&N_RAPPORT_PRECEDENT]),
    Rule("rapport_modifie", &[&C_5_1], &[], &[]),
    Rule("nouveau_rapport_apres_nouveau_stage", &[&C_5_1], &[], &[]),
    Rule(
        "contrat_initial_proroge",
        &[&C_5_2, &C_5_3, &C_L6222_11],
        &[],
        &[],
    ),
    Rule(
        "nouveau_contrat_autre_employeur",
        &[&C_5_2, &C_5_4, &C_L6222_11],
        &[],
        &[],
    ),
];

// ---------------------------------------------------------- the clauses cited through parameters

// A rule's third list: the clauses of the parameters and definitions it reads, which a decision
// cites after the rule's own, `via` them, each clause once. Those a rule's own clauses always
// include are left out (the members on page counts read parameters of their own clause, the
// definitions of employment and of weeks cite the clauses of the rules that call them), but for
// `reduced`, whose parameter a layer amends.

static NORMAL_WEEKS_VIA: [&Cite; 3] = [
    &V_0_1_NORMAL_WEEKS,
    &V_2_1_2_3_NORMAL_WEEKS,
    &V_3_1_NORMAL_WEEKS,
];
static MINIMUM_REDUCED_WEEKS_VIA: [&Cite; 1] = [&V_3_1_MINIMUM_REDUCED_WEEKS];

/// `cite` brought by a parameter.
const fn via(cite: &Cite, via: &'static str) -> Cite {
    Cite {
        clause: cite.clause,
        section: cite.section,
        text: cite.text,
        via: Some(via),
    }
}

static V_0_1_NORMAL_WEEKS: Cite = via(&C_0_1, "parameter normal_weeks");
static V_2_1_2_3_NORMAL_WEEKS: Cite = via(&C_2_1_2_3, "parameter normal_weeks");
static V_3_1_NORMAL_WEEKS: Cite = via(&C_3_1, "parameter normal_weeks");
static V_3_1_MINIMUM_REDUCED_WEEKS: Cite = via(&C_3_1, "parameter minimum_reduced_weeks");
static V_4_3_EXAM_DATE: Cite = via(&C_4_3, "parameter exam_date");
static V_4_3_REPORT_DEADLINE: Cite = via(&C_4_3, "parameter report_deadline");

// ------------------------------------------------------------------------- the clauses cited

pub(super) static C_0_1: Cite = Cite {
    clause: "0-1",
    section: "0",
    text: "Une période de stage d’une durée minimale de douze semaines en milieu professionnel est obligatoire pour le candidat au brevet de technicien supérieur « Métiers de la Mesure ». Le stagiaire peut participer aux activités d’un laboratoire ou d’une entreprise mettant en œuvre des procédures de mesure et/ou de contrôle avec des activités liées à la métrologie.",
    via: None,
};

pub(super) static C_2_1_1_3: Cite = Cite {
    clause: "2.1.1-3",
    section: "2.1.1",
    text: "Chaque période de stage en entreprise fait l’objet d’une convention entre l’établissement fréquenté par l’étudiant et la ou les structure(s) d’accueil. La convention est établie conformément aux dispositions et décrets en vigueur.",
    via: None,
};
pub(super) static C_2_1_2_3: Cite = Cite {
    clause: "2.1.2-3",
    section: "2.1.2",
    text: "La période du stage en milieu professionnel, dont le positionnement en fin de première année est laissé à l’initiative de chaque établissement, est d’une durée de douze semaines. Les activités à conduire sont conjointement définies par l’enseignant et le stagiaire en accord avec les propositions du tuteur en entreprise et en phase avec les compétences à mobiliser. Ces éléments sont consignés dans l’annexe pédagogique de la convention de stage.",
    via: None,
};
pub(super) static C_2_1_2_4: Cite = Cite {
    clause: "2.1.2-4",
    section: "2.1.2",
    text: "À la fin de la période du stage en milieu professionnel, un certificat de stage est remis au stagiaire par le responsable de l’entreprise ou son représentant, attestant la présence de l’étudiant. Un candidat qui n’aura pas fourni cette pièce ne pourra être admis à se présenter à l’épreuve E6.1 « gestion et mise en œuvre d’instruments en milieu professionnel » (Unité U6.1). Un candidat, qui, pour une raison de force majeure dûment constatée, n’effectue qu’une partie de la durée obligatoire du stage prévue dans la convention, peut être autorisé par le Recteur à se présenter à l’examen, le jury étant tenu informé de sa situation.",
    via: None,
};
pub(super) static C_2_1_3_1: Cite = Cite {
    clause: "2.1.3-1",
    section: "2.1.3",
    text: "À l’issue du stage professionnel, les candidats scolaires rédigent, à titre individuel, un rapport de cinquante pages maximum (hors annexes), qui comporte obligatoirement les éléments suivants :",
    via: None,
};
pub(super) static C_2_1_3_2: Cite = Cite {
    clause: "2.1.3-2",
    section: "2.1.3",
    text: "une présentation de l’entreprise d’accueil, son domaine d’activités, sa structure et ses modes d’organisation ;",
    via: None,
};
pub(super) static C_2_1_3_3: Cite = Cite {
    clause: "2.1.3-3",
    section: "2.1.3",
    text: "l’analyse, au choix, du contexte juridique de la structure d’accueil et de l’activité professionnelle concernées, ou d’une situation professionnelle impliquant un ou plusieurs documents réglementaires normatifs ou juridiques. Cette analyse repose sur les compétences, méthodologies et savoirs développés dans le cours d’environnement juridique des métiers de la mesure (entre 2 et 4 pages hors documents juridiques annexés).",
    via: None,
};
pub(super) static C_2_1_3_4: Cite = Cite {
    clause: "2.1.3-4",
    section: "2.1.3",
    text: "la description et l’analyse d’une ou deux activités réalisées durant le stage en lien avec les compétences terminales évaluées. Cette description doit être structurée et permettre d’expliciter les objectifs assignés, les résultats obtenus, les contraintes prises en compte et être accompagnée de commentaires personnels ;",
    via: None,
};
pub(super) static C_2_1_3_5: Cite = Cite {
    clause: "2.1.3-5",
    section: "2.1.3",
    text: "une conclusion technique et personnelle du stage qui fait ressortir ce que le candidat en retient en liaison avec son projet professionnel.",
    via: None,
};
pub(super) static C_2_1_3_7: Cite = Cite {
    clause: "2.1.3-7",
    section: "2.1.3",
    text: "un résumé en anglais d’une demi-page concernant une activité analysée ;",
    via: None,
};
pub(super) static C_2_1_3_8: Cite = Cite {
    clause: "2.1.3-8",
    section: "2.1.3",
    text: "un exemple analysé de démarche QSSE dans un domaine de l’entreprise où s’effectue le stage (4 pages maximum) ;",
    via: None,
};
pub(super) static C_2_1_3_10: Cite = Cite {
    clause: "2.1.3-10",
    section: "2.1.3",
    text: "Le rapport du stage en milieu professionnel, visé par la structure d’accueil, est transmis selon un calendrier et une procédure définis dans la circulaire d’organisation de l’examen.",
    via: None,
};
pub(super) static C_2_2_1: Cite = Cite {
    clause: "2.2-1",
    section: "2.2",
    text: "Pour les apprentis, les certificats de stage sont remplacés par la photocopie du contrat de travail ou par une attestation de l’employeur confirmant le statut du candidat comme apprenti dans son entreprise.",
    via: None,
};
pub(super) static C_2_2_2: Cite = Cite {
    clause: "2.2-2",
    section: "2.2",
    text: "Les objectifs pédagogiques ainsi que les supports (rapport d’activité et grille d’évaluation) de la sous-épreuve E6.1 « gestion et mise en œuvre d’instruments en milieu professionnel » (Unité U6.1) et les conditions d’évaluation associées sont les mêmes que ceux qui concernent les candidats de la voie scolaire.",
    via: None,
};
pub(super) static C_2_3_1: Cite = Cite {
    clause: "2.3-1",
    section: "2.3",
    text: "Les candidats qui se préparent au brevet de technicien supérieur « Métiers de la Mesure » par la voie de la formation continue rédigent un rapport numérique sur leurs activités professionnelles dans le même esprit que le rapport du stage en milieu professionnel des candidats de la voie scolaire et des candidats par apprentissage.",
    via: None,
};
pub(super) static C_2_3_1_1: Cite = Cite {
    clause: "2.3.1-1",
    section: "2.3.1",
    text: "La durée de stage est de 12 semaines.",
    via: None,
};
pub(super) static C_2_3_1_3: Cite = Cite {
    clause: "2.3.1-3",
    section: "2.3.1",
    text: "Lorsque cette préparation s’effectue dans le cadre d’un contrat de travail de type particulier, le stage obligatoire est inclus dans la période de formation dispensée en milieu professionnel si les activités effectuées sont en cohérence avec les exigences du référentiel du brevet de technicien supérieur préparé et conformes aux objectifs définis ci-dessus.",
    via: None,
};
pub(super) static C_2_3_2_1: Cite = Cite {
    clause: "2.3.2-1",
    section: "2.3.2",
    text: "Le certificat de stage peut être remplacé par un ou plusieurs certificats de travail attestant que l’intéressé a travaillé dans le domaine de la métrologie en qualité de salarié à temps plein pendant six mois au cours de l’année précédant l’examen ou à temps partiel pendant un an au cours des deux années précédant l’examen. Les activités effectuées doivent être en cohérence avec les exigences du référentiel du BTS « Métiers de la Mesure ».",
    via: None,
};
pub(super) static C_2_3_2_2: Cite = Cite {
    clause: "2.3.2-2",
    section: "2.3.2",
    text: "Les candidats rédigent un rapport numérique et un dossier sur leurs activités professionnelles dans le même esprit que le rapport du stage en milieu professionnel.",
    via: None,
};
pub(super) static C_2_4_1: Cite = Cite {
    clause: "2.4-1",
    section: "2.4",
    text: "Les candidats relèvent, selon leur statut (scolaire, apprenti, formation continue), de l’un des cas précédents.",
    via: None,
};
pub(super) static C_2_5_1: Cite = Cite {
    clause: "2.5-1",
    section: "2.5",
    text: "Le certificat de stage peut être remplacé par un ou plusieurs certificats de travail justifiant la nature et la durée de l’emploi occupé.",
    via: None,
};
pub(super) static C_2_5_2: Cite = Cite {
    clause: "2.5-2",
    section: "2.5",
    text: "Ces candidats rédigent un rapport numérique sur leurs activités professionnelles dans le même esprit que le rapport du stage en milieu professionnel.",
    via: None,
};
pub(super) static C_3_1: Cite = Cite {
    clause: "3-1",
    section: "3",
    text: "La durée normale du stage en milieu professionnel est de douze semaines. Pour une raison de force majeure dûment constatée ou dans le cadre d’une formation aménagée ou d’une décision de positionnement, la durée de stage peut être réduite, mais ne peut être inférieure à 8 semaines. Toutefois, les candidats qui produisent une dispense (notamment au titre de la validation des acquis de l’expérience) ne sont pas tenus d’effectuer ce stage.",
    via: None,
};
pub(super) static C_3_2: Cite = Cite {
    clause: "3-2",
    section: "3",
    text: "Le recteur est seul autorisé à valider les aménagements de la durée de stage ou les dispenses.",
    via: None,
};
pub(super) static C_4_1: Cite = Cite {
    clause: "4-1",
    section: "4",
    text: "En fin de stage ou de période d’apprentissage, un certificat attestant de la présence de l’étudiant et précisant les périodes concernées est délivré par le responsable de l’entreprise. Ce certificat est obligatoire pour s’inscrire à l’examen.",
    via: None,
};
pub(super) static C_4_2: Cite = Cite {
    clause: "4-2",
    section: "4",
    text: "Un candidat qui, pour des raisons de force majeure, n’a pu effectuer la totalité de son stage peut néanmoins être autorisé par le recteur à se présenter à l’examen. Le président du jury sera informé de la situation de ce candidat.",
    via: None,
};
pub(super) static C_4_3: Cite = Cite {
    clause: "4-3",
    section: "4",
    text: "Le rapport d’activité réalisé par le candidat est transmis selon une procédure mise en place par l’académie pilote de l’examen et à une date fixée dans la circulaire d’organisation de l’examen. Le contrôle de conformité du rapport est effectué selon des modalités définies par les autorités académiques avant l’interrogation. La constatation de non-conformité du rapport entraîne l’attribution de la mention « non validé » à l’épreuve correspondante. En conséquence, le diplôme ne peut lui être délivré.",
    via: None,
};
pub(super) static C_4_4: Cite = Cite {
    clause: "4-4",
    section: "4",
    text: "La non-conformité du rapport peut être prononcée dès lors qu’une des situations suivantes est constatée :",
    via: None,
};
pub(super) static C_4_5: Cite = Cite {
    clause: "4-5",
    section: "4",
    text: "absence de dépôt du rapport ;",
    via: None,
};
pub(super) static C_4_6: Cite = Cite {
    clause: "4-6",
    section: "4",
    text: "dépôt du rapport au-delà de la date fixée par la circulaire d’organisation de l’examen ou de l’autorité organisatrice ;",
    via: None,
};
pub(super) static C_4_7: Cite = Cite {
    clause: "4-7",
    section: "4",
    text: "dossier non conforme aux attendus définis dans l’annexe IV B intitulée « stage en milieu professionnel ».",
    via: None,
};
pub(super) static C_5_1: Cite = Cite {
    clause: "5-1",
    section: "5",
    text: "Les candidats ayant échoué à une session antérieure de l’examen ont le choix entre présenter le précédent rapport numérique du stage en milieu professionnel, modifier ce rapport ou en élaborer un autre après avoir effectué à nouveau la période de stage correspondante.",
    via: None,
};
pub(super) static C_5_2: Cite = Cite {
    clause: "5-2",
    section: "5",
    text: "Les candidats apprentis redoublants peuvent présenter à la session suivante :",
    via: None,
};
pub(super) static C_5_3: Cite = Cite {
    clause: "5-3",
    section: "5",
    text: "soit leur contrat d’apprentissage initial prorogé d’un an ;",
    via: None,
};
pub(super) static C_5_4: Cite = Cite {
    clause: "5-4",
    section: "5",
    text: "soit un nouveau contrat conclu avec un autre employeur (en application des dispositions de l’article L6222-11 du code du travail).",
    via: None,
};
pub(super) static C_L6222_11: Cite = Cite {
    clause: "L6222-11",
    section: "code du travail",
    text: "En cas d'échec à l'obtention du diplôme ou du titre professionnel visé, l'apprentissage peut être prolongé pour une durée d'un an au plus : 1° Soit par prorogation du contrat initial ou de la période d'apprentissage ; 2° Soit par conclusion d'un nouveau contrat avec un autre employeur dans des conditions fixées par décret.",
    via: None,
};

// ------------------------------------------------------------------------- the interpretations

// A rule's fourth list: the interpretation notes (`reading "…"`) a decision shows when the rule
// applies: the rule's own, then those of the definitions it reads (the employment windows).
// The week count of `weeks_of` is added where a signed period was counted (`completed_weeks`).

/// The three numeric reports, read « dans le même esprit » (2.3-1, 2.3.2-2, 2.5-2).
const SAME_SPIRIT: &str = "Écrit « dans le même esprit » que le rapport de stage, le rapport numérique en suit les exigences de contenu (pages, parties, longueurs, activités) ; le visa de la structure d'accueil (2.1.3-10) reste propre au rapport de stage.";
/// The lengths of the legal analysis and of the QSSE part.
const PART_LENGTH: &str = "La longueur d'une partie n'est contrôlée que si la partie figure au rapport : une partie absente est signalée comme manquante, non comme hors bornes.";

pub(super) static N_REDUCED: Note = Note {
    of: "exception reduced",
    text: "Le texte fixe un plancher, non la durée réduite elle-même : faute de connaître la durée que le recteur a validée, la politique exige ce plancher.",
    clauses: &["3-1", "3-2"],
};
pub(super) static N_ON_AUTHORISATION: Note = Note {
    of: "exception on_authorisation",
    text: "La réduction pour force majeure validée par le recteur (3-2) vaut son autorisation de se présenter à l'examen ; « une partie de la durée » s'entend de moins que la durée normale.",
    clauses: &["2.1.2-4", "4-2"],
};
pub(super) static N_INTERNSHIP_TOO_SHORT: Note = Note {
    of: "exception internship_too_short",
    text: "Le texte ne dit pas en ces termes qu'un stage trop court ferme l'épreuve : la politique le déduit de la durée obligatoire (0-1, 3-1) et de l'autorisation que seule la force majeure ouvre (2.1.2-4).",
    clauses: &["3-1"],
};
pub(super) static N_NO_WORK_CERTIFICATE: Note = Note {
    of: "exception no_work_certificate",
    text: "Les certificats de travail remplacent le certificat de stage : sans aucun, le candidat n'a pas la pièce exigée ; 2.5-1 ne fixe pas de durée d'emploi minimale.",
    clauses: &["2.3.2-1", "2.5-1"],
};
pub(super) static N_WITH_SPECIAL_CONTRACT: Note = Note {
    of: "rule with_special_contract",
    text: "Le texte ne nomme aucune pièce : par analogie avec le contrat d'apprentissage (2.2-1) et le certificat de stage (2.1.2-4), l'attestation de l'employeur prouve la période en entreprise.",
    clauses: &["2.3.1-3"],
};
pub(super) static N_NO_EMPLOYER_ATTESTATION: Note = Note {
    of: "exception no_employer_attestation",
    text: "Le texte ne nomme aucune pièce : par analogie avec le contrat d'apprentissage (2.2-1) et le certificat de stage (2.1.2-4), sans l'attestation de l'employeur le candidat n'est pas admis.",
    clauses: &["2.3.1-3"],
};
pub(super) static N_SAME_SPIRIT: Note = Note {
    of: "rule continuing",
    text: SAME_SPIRIT,
    clauses: &["2.3-1"],
};
pub(super) static N_SAME_SPIRIT_DOSSIER: Note = Note {
    of: "exception perfectionnement_dossier",
    text: SAME_SPIRIT,
    clauses: &["2.3.2-2"],
};
pub(super) static N_SAME_SPIRIT_EXPERIENCE: Note = Note {
    of: "rule experience",
    text: SAME_SPIRIT,
    clauses: &["2.5-2"],
};
pub(super) static N_MISSING_ENGLISH_SUMMARY: Note = Note {
    of: "member missing_english_summary",
    text: "Seule la présence du résumé en anglais est contrôlée, non sa longueur d'une demi-page.",
    clauses: &["2.1.3-7"],
};
pub(super) static N_ANALYSE_JURIDIQUE_HORS_BORNES: Note = Note {
    of: "member analyse_juridique_hors_bornes",
    text: PART_LENGTH,
    clauses: &["2.1.3-3"],
};
pub(super) static N_NOMBRE_ACTIVITES: Note = Note {
    of: "member nombre_activites",
    text: "Le nombre d'activités n'est contrôlé que si la partie qui les décrit figure au rapport : une partie absente est signalée comme manquante.",
    clauses: &["2.1.3-4"],
};
pub(super) static N_QSSE_TROP_LONG: Note = Note {
    of: "member qsse_trop_long",
    text: PART_LENGTH,
    clauses: &["2.1.3-8"],
};
pub(super) static N_NOT_CONFORMING: Note = Note {
    of: "exception not_conforming",
    text: "La non-conformité « peut être prononcée » (4-4) : la politique la retient dès qu'une des situations est constatée ; la décision des autorités académiques reste la leur.",
    clauses: &["4-3", "4-4"],
};
pub(super) static N_RAPPORT_PRECEDENT: Note = Note {
    of: "member rapport_precedent",
    text: "5-1 dit « les candidats », sous le titre de la section 5 qui vise les candidats scolaires : ses trois choix sont ouverts aux seuls candidats scolaires.",
    clauses: &["5-1"],
};
pub(super) static N_WEEKS_OF: Note = Note {
    of: "definition weeks_of",
    text: "Le texte compte le stage en semaines sans dire comment les jours d'une période en font : ses jours, début et fin compris, plus deux, divisés par sept et arrondis à l'entier inférieur, pour qu'une période du lundi au vendredi de n semaines compte n semaines.",
    clauses: &["2.1.1-3", "2.1.2-3"],
};
pub(super) static N_QUALIFYING_EMPLOYMENT: Note = Note {
    of: "definition qualifying_employment",
    text: "Six mois et un an sont comptés en jours de calendrier, ceux qui précèdent la date de l'épreuve ; seuls comptent les emplois en métrologie prouvés par un certificat de travail.",
    clauses: &["2.3.2-1"],
};
pub(super) static N_LAST_DAY_BEFORE_EXAM: Note = Note {
    of: "definition last_day_before_exam",
    text: "« L'année précédant l'examen » et « les deux années précédant l'examen » se terminent la veille de l'épreuve (exam_date) : un emploi n'y compte que jusqu'à ce jour.",
    clauses: &["2.3.2-1"],
};
