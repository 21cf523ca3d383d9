// The words of the reviewer page, in French (the source) and English, and the page's language.
// Every text the page writes itself goes through t(); the texts the service writes (`because`
// lines, problems, questions, hints) come in the language sent as `Accept-Language` (see api()).
//
// The language: `lang=fr` or `lang=en` in the page's own query (`/ui/?lang=en#/p/…`), which
// every link between views keeps, since they change the hash only; else English when the
// browser lists English before French (`navigator.languages`); else French.
"use strict";

const LANGS = ["fr", "en"];

function chooseLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(asked)) return asked;
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const primary = String(tag).toLowerCase().split("-")[0];
    if (LANGS.includes(primary)) return primary;
  }
  return "fr";
}

const LANG = chooseLang();
document.documentElement.lang = LANG;

// Each entry in both languages: a text, a function of the values it shows, or a table of
// texts by code (with the same codes in both).
const WORDS = {
  // index.html
  "page.title": { fr: "clausier — relecture des règlements", en: "clausier — policy review" },
  tagline: { fr: "relecture des règlements", en: "policy review" },
  "nav.label": { fr: "Navigation principale", en: "Main navigation" },
  loading: { fr: "Chargement…", en: "Loading…" },
  footer: { fr: "Servi par clausier, sans aucune ressource externe. API :", en: "Served by clausier, with no external resource. API:" },
  "switch.label": { fr: "Langue de la page", en: "Language of the page" },
  skip: { fr: "Aller au contenu", en: "Skip to the content" },
  "footer.a11y": { fr: "Accessibilité : partiellement conforme", en: "Accessibility: partially compliant" },

  // shared
  error: { fr: "Erreur", en: "Error" },
  colon: { fr: " : ", en: ": " },
  "not-found": { fr: "Introuvable", en: "Not found" },
  "no-policy": { fr: (id) => `aucun règlement « ${id} »`, en: (id) => `no policy “${id}”` },
  "value.none": { fr: "aucune valeur", en: "no value" },
  "value.true": { fr: "vrai", en: "true" },
  "value.false": { fr: "faux", en: "false" },
  "value.empty": { fr: "aucun (ensemble vide)", en: "none (empty set)" },
  breadcrumb: { fr: "Fil d’Ariane", en: "Breadcrumb" },
  policies: { fr: "Règlements", en: "Policies" },
  "option.from": { fr: (date) => ` (à partir du ${date})`, en: (date) => ` (from ${date})` },
  "option.undated": { fr: " (sans date)", en: " (undated)" },
  "invalid-json": { fr: "JSON invalide", en: "Invalid JSON" },
  "json.empty": {
    fr: "le champ est vide : saisissez un objet JSON, par exemple {\"candidate\": {\"pathway\": \"scolaire\"}}",
    en: "the field is empty: type a JSON object, for example {\"candidate\": {\"pathway\": \"scolaire\"}}",
  },
  "json.unfinished": {
    fr: (line, col) => `le texte s’arrête avant la fin du JSON (ligne ${line}, colonne ${col}) : une accolade, un crochet ou un guillemet n’est pas fermé`,
    en: (line, col) => `the text ends before the JSON does (line ${line}, column ${col}): a brace, a bracket or a quote is not closed`,
  },
  "json.unexpected": {
    fr: (line, col, ch) => `caractère inattendu « ${ch} » ligne ${line}, colonne ${col} : vérifiez les guillemets, les virgules et les deux-points qui précèdent`,
    en: (line, col, ch) => `unexpected character “${ch}” at line ${line}, column ${col}: check the quotes, commas and colons before it`,
  },
  deciding: { fr: "Décision en cours…", en: "Deciding…" },
  version: { fr: "Version", en: "Version" },
  "in-force-from": { fr: "En vigueur à partir du", en: "In force from" },
  "planned-from": { fr: "Prévue à partir du (une fois publiée)", en: "Planned from (once published)" },
  extends: { fr: "Étend", en: "Extends" },
  title: { fr: "Titre", en: "Title" },
  source: { fr: "Source", en: "Source" },
  hash: { fr: "Empreinte", en: "Hash" },
  clause: { fr: (id) => `Clause ${id}`, en: (id) => `Clause ${id}` },
  // What brought a clause that no rule cites: `parameter normal_weeks`, `definition weeks_of`.
  via: {
    fr: (kind, name) => (kind === "definition" ? `via la définition ${name}` : `via le paramètre ${name}`),
    en: (kind, name) => `via ${kind === "definition" ? "definition" : "parameter"} ${name}`,
  },
  clauses: { fr: (list) => ` (clauses ${list})`, en: (list) => ` (clauses ${list})` },
  section: { fr: (s) => `Section ${s}`, en: (s) => `Section ${s}` },
  "clause-section": { fr: (c, s) => `Clause ${c}, section ${s}`, en: (c, s) => `Clause ${c}, section ${s}` },
  "compare-with": { fr: (v) => `Comparer à ${v}`, en: (v) => `Compare with ${v}` },
  "candidate-file": { fr: "Dossier d’un candidat", en: "A candidate’s file" },
  "test-json": { fr: "Tester un dossier (JSON)", en: "Test a record (JSON)" },
  undated: { fr: "sans date (choisie par son nom)", en: "undated (chosen by its name)" },
  "not-set": { fr: "non défini", en: "not set" },
  absent: { fr: "absent", en: "absent" },
  none: { fr: "aucun", en: "none" },
  field: { fr: "Champ", en: "Field" },
  "record-fields": { fr: "Champs du dossier", en: "Record fields" },
  status: {
    fr: { decided: "décidée", undetermined: "indéterminée", error: "en erreur" },
    en: { decided: "decided", undetermined: "undetermined", error: "failed" },
  },

  // the policies
  load: {
    fr: { ok: "chargé", stale: "en erreur : la dernière version valide reste servie", error: "en erreur : rien n’est servi" },
    en: { ok: "loaded", stale: "failing: the last valid version is still served", error: "failing: nothing is served" },
  },
  "policies.title": { fr: "Règlements et versions", en: "Policies and versions" },
  "policies.lead": {
    fr: "Chaque règlement, ses versions avec leur date d’entrée en vigueur, et l’état de chargement de ses fichiers. "
      + "Ouvrez une version pour lire ses clauses à côté des règles qui les appliquent, comparez deux versions, ou testez un dossier de candidat.",
    en: "Each policy, its versions with the date each comes into force, and the load status of its files. "
      + "Open a version to read its clauses beside the rules that apply them, compare two versions, or test a candidate’s record.",
  },
  "policies.none": { fr: "Aucun règlement n’est servi.", en: "No policy is served." },
  "files.valid": { fr: "tous les fichiers sont valides", en: "all files are valid" },
  "files.failing": { fr: (n) => `${n} fichier(s) en erreur`, en: (n) => `${n} failing file(s)` },
  "files.fail-check": { fr: "Fichiers qui ne passent pas la vérification", en: "Files that fail the check" },
  "files.see-below": {
    fr: " (le détail des diagnostics est dans le tableau des fichiers, plus bas) :",
    en: " (the diagnostics in full are in the table of files, below):",
  },
  versions: { fr: "Versions", en: "Versions" },
  "to-review": { fr: "Pour relire", en: "To review" },
  "in-force-today": { fr: "en vigueur aujourd’hui", en: "in force today" },
  "draft": { fr: "projet", en: "draft" },
  "statement.contact": { fr: "Contact accessibilité de ce service : ", en: "This service’s accessibility contact: " },
  "option.draft": { fr: " — projet", en: " — draft" },
  "draft.version": {
    fr: "Cette version est un projet : elle est vérifiée, testée et comparée, mais n’est jamais en vigueur. Une décision ne la suit que si on la choisit expressément.",
    en: "This version is a draft: it is checked, tested and compared, but never in force. A decision follows it only when it is chosen expressly.",
  },
  "draft.decision": {
    fr: "Décision rendue selon un projet, qui n’est pas en vigueur : elle ne vaut pas décision.",
    en: "Decided under a draft, which is not in force: this is not a decision that holds.",
  },
  "stale": { fr: "périmée", en: "stale" },
  "stale.decision": {
    fr: "Le fichier de cette version ne passe plus la vérification : la dernière version valide a décidé, mais le texte sur le disque dit autre chose.",
    en: "This version’s file no longer passes the check: its last good version decided, but the text on disk says something else.",
  },
  "read-clauses": { fr: "Lire les clauses", en: "Read the clauses" },
  "compare.from": { fr: "Comparer la version", en: "Compare version" },
  "compare.to": { fr: "à la version", en: "with version" },
  "compare.go": { fr: "Comparer", en: "Compare" },
  "files.label": { fr: (id) => `Fichiers de ${id}`, en: (id) => `Files of ${id}` },
  "diagnostic-of": { fr: (file) => `Diagnostic de ${file}`, en: (file) => `Diagnostic of ${file}` },
  "files.summary": { fr: (n, k) => `Fichiers : ${n}, dont ${k} en erreur`, en: (n, k) => `Files: ${n}, ${k} failing` },
  file: { fr: "Fichier", en: "File" },
  state: { fr: "État", en: "Status" },
  diagnostics: { fr: "Diagnostics", en: "Diagnostics" },

  // a version
  "rule-kind": {
    fr: { rule: "règle", exception: "exception", member: "membre", row: "ligne" },
    en: { rule: "rule", exception: "exception", member: "member", row: "row" },
  },
  "toc.label": { fr: "Sections du texte", en: "Sections of the text" },
  "toc.sections": { fr: "Sections : ", en: "Sections: " },
  "toc.all": { fr: "toutes", en: "all" },
  "other-version": { fr: "Autre version : ", en: "Other version: " },
  "show-version": { fr: "Afficher", en: "Show" },
  "candidate-file-here": { fr: "Dossier d’un candidat sur cette version", en: "A candidate’s file on this version" },
  "clauses.summary": {
    fr: (n) => `${n} clauses, dans l’ordre du texte, chacune à côté de ce qui la cite (paramètres, champs du dossier, définitions, règles) : `,
    en: (n) => `${n} clauses, in the order of the text, each beside what cites it (parameters, record fields, definitions, rules): `,
  },
  "clauses.cited": { fr: (n) => `${n} citées, `, en: (n) => `${n} cited, ` },
  "clauses.informative": { fr: (n) => `${n} informatives`, en: (n) => `${n} informative` },
  "clauses.informative-why": { fr: " (elles ne fondent aucune règle), ", en: " (they ground no rule), " },
  "clauses.uncited": { fr: (n) => `${n} non citées`, en: (n) => `${n} uncited` },
  "clauses.none-in": { fr: (s) => `Aucune clause dans la section « ${s} ».`, en: (s) => `No clause in section “${s}”.` },
  informative: { fr: "informative", en: "informative" },
  uncited: { fr: "non citée", en: "uncited" },
  "cites.label": { fr: (id) => `Ce qui cite la clause ${id}`, en: (id) => `What cites clause ${id}` },
  "cites.nothing": {
    fr: "Rien ne cite cette clause : ni règle, ni paramètre, ni champ du dossier, ni définition.",
    en: "Nothing cites this clause: no rule, parameter, record field or definition.",
  },
  "kind.parameter": { fr: "paramètre", en: "parameter" },
  "kind.field": { fr: "champ", en: "field" },
  "kind.definition": { fr: "définition", en: "definition" },
  "of-conclusion": { fr: " de la conclusion ", en: " of conclusion " },
  // An interpretation note (`reading "…"`), and why a clause is informative.
  reading: { fr: "Interprétation", en: "Reading" },
  "reading.of": {
    fr: (of) => {
      const [kind, ...name] = String(of).split(" ");
      const words = { rule: "règle", exception: "exception", member: "membre", row: "ligne", definition: "définition", parameter: "paramètre" };
      return ` (${words[kind] || kind} ${name.join(" ")})`;
    },
    en: (of) => ` (${of})`,
  },
  interpretations: { fr: "Interprétations du texte", en: "Readings of the text" },
  reason: { fr: "Pourquoi informative", en: "Why informative" },
  overrides: { fr: (list) => ` (déroge à ${list})`, en: (list) => ` (overrides ${list})` },

  // the diff
  "change.m": {
    fr: { added: "ajouté", removed: "supprimé", changed: "modifié" },
    en: { added: "added", removed: "removed", changed: "changed" },
  },
  "change.f": {
    fr: { added: "ajoutée", removed: "supprimée", changed: "modifiée" },
    en: { added: "added", removed: "removed", changed: "changed" },
  },
  aspect: {
    fr: { kind: "nature", overrides: "exceptions", condition: "condition", cells: "cellules", value: "valeur", citations: "clauses citées", reading: "interprétation", definition: "calcul" },
    en: { kind: "kind", overrides: "exceptions", condition: "condition", cells: "cells", value: "value", citations: "cited clauses", reading: "reading", definition: "computation" },
  },
  "diff.crumb": { fr: "comparaison", en: "comparison" },
  "diff.h1": { fr: (id) => `Comparer deux versions de ${id}`, en: (id) => `Compare two versions of ${id}` },
  "diff.title": { fr: (id) => `Comparer ${id}`, en: (id) => `Compare ${id}` },
  "diff.choose": { fr: "Choisissez les deux versions à comparer.", en: "Choose the two versions to compare." },
  "diff.h2": { fr: (a, b) => `Ce qui change de sens, de ${a} à ${b}`, en: (a, b) => `What changes in meaning, from ${a} to ${b}` },
  "diff.count": {
    fr: (n, m) => `${n} changement(s) de sens, ${m} changement(s) d’en-tête.`,
    en: (n, m) => `${n} change(s) in meaning, ${m} change(s) to the header.`,
  },
  "diff.same": {
    fr: "Aucun changement de sens : les deux versions disent la même chose.",
    en: "No change in meaning: the two versions say the same.",
  },
  "part.clauses": { fr: "Clauses", en: "Clauses" },
  "part.parameters": { fr: "Paramètres", en: "Parameters" },
  parameter: { fr: "Paramètre", en: "Parameter" },
  "part.rules": { fr: "Règles", en: "Rules" },
  "part.definitions": { fr: "Définitions", en: "Definitions" },
  definition: { fr: "Définition ", en: "Definition " },
  "part.types": { fr: "Types", en: "Types" },
  type: { fr: (kind) => `Type (${kind}) `, en: (kind) => `Type (${kind}) ` },
  conclusion: { fr: "Conclusion", en: "Conclusion" },
  "moved-section": { fr: (a, b) => `section ${a} → ${b}`, en: (a, b) => `section ${a} → ${b}` },
  "now-informative": { fr: "désormais informative", en: "now informative" },
  "no-longer-informative": { fr: "n’est plus informative", en: "no longer informative" },
  "reason-changed": {
    fr: (a, b) => `raison d’être informative : ${a ? `« ${a} »` : "aucune"} → ${b ? `« ${b} »` : "aucune"}`,
    en: (a, b) => `reason for being informative: ${a ? `“${a}”` : "none"} → ${b ? `“${b}”` : "none"}`,
  },
  before: { fr: "avant", en: "before" },
  after: { fr: "après", en: "after" },
  "line.changed": {
    fr: { removed: "ligne supprimée", added: "ligne ajoutée", changed: "ligne modifiée" },
    en: { removed: "line removed", added: "line added", changed: "line changed" },
  },
  "line.from": { fr: (file, n) => `${file}, à partir de la ligne ${n}`, en: (file, n) => `${file}, from line ${n}` },
  "files.title": { fr: "Texte des fichiers, côte à côte", en: "The files’ text, side by side" },
  "files.how": {
    fr: "Les lignes qui diffèrent, avec trois lignes de contexte ; les couches communes n’apparaissent pas. "
      + "Fond rouge et signe − : ligne retirée ou remplacée ; fond vert et signe + : ligne ajoutée ou qui la remplace.",
    en: "The lines that differ, with three lines of context; the layers in common are left out. "
      + "Red and −: a line removed or replaced; green and +: a line added or replacing it.",
  },
  "files.same": { fr: "Les fichiers sont identiques.", en: "The files are identical." },
  "files.caption": {
    fr: (a, af, b, bf) => `${a} (${af}) à gauche, ${b} (${bf}) à droite`,
    en: (a, af, b, bf) => `${a} (${af}) on the left, ${b} (${bf}) on the right`,
  },
  "impact.placeholder": {
    fr: "[ {\"candidate\": {…}, …}, … ]  ou  {\"nom du dossier\": {…}, …}",
    en: "[ {\"candidate\": {…}, …}, … ]  or  {\"record name\": {…}, …}",
  },
  "impact.title": { fr: "Impact sur des dossiers", en: "Impact on records" },
  "impact.label": {
    fr: "Dossiers de candidats à décider sous les deux versions : un tableau JSON de dossiers, ou un objet « nom → dossier »",
    en: "Candidates’ records to decide under both versions: a JSON array of records, or an object “name → record”",
  },
  "impact.replay": { fr: "Rejouer", en: "Replay" },
  "impact.absent": { fr: "absente", en: "absent" },
  "impact.count": {
    fr: (n, c, u, i) => `${n} dossier(s) : ${c} dont la décision change, ${u} inchangé(s), ${i} invalide(s).`,
    en: (n, c, u, i) => `${n} record(s): ${c} with a changed decision, ${u} unchanged, ${i} invalid.`,
  },
  "impact.one-sided": {
    fr: (a, r) => `Conclusions ajoutées par la nouvelle version : ${a} ; supprimées : ${r}. Elles ne comptent pas comme des décisions qui changent.`,
    en: (a, r) => `Conclusions added by the new version: ${a}; removed: ${r}. They do not count as changed decisions.`,
  },
  "impact.changed": { fr: "Décisions qui changent de valeur", en: "Decisions whose value changes" },
  "impact.added": { fr: (v) => `Conclusions ajoutées par ${v}`, en: (v) => `Conclusions added by ${v}` },
  "impact.removed": { fr: (v) => `Conclusions supprimées par ${v}`, en: (v) => `Conclusions removed by ${v}` },
  "impact.not-counted": {
    fr: "Une seule des deux versions les a : aucune décision n’en change de valeur.",
    en: "Only one of the two versions has them: no decision changes value because of them.",
  },
  "impact.values-under": { fr: (v) => `Valeurs sous ${v}`, en: (v) => `Values under ${v}` },
  "impact.cases": { fr: (n) => ` — ${n} dossier(s) : `, en: (n) => ` — ${n} record(s): ` },
  "report.download": { fr: "Télécharger le rapport (markdown)", en: "Download the report (markdown)" },
  "report.what": {
    fr: "la comparaison et, une fois des dossiers rejoués ci-dessous, leur impact : un fichier .md à joindre à la circulaire.",
    en: "the comparison and, once records are replayed below, their impact: a .md file to attach to the circular.",
  },
  "report.saved": { fr: "Rapport enregistré.", en: "Report saved." },
  record: { fr: "Dossier", en: "Record" },
  "impact.refused": { fr: "Dossiers refusés par une version (non comparés)", en: "Records refused by a version (not compared)" },
  "impact.refused-by": { fr: (c) => `${c} : refusé par `, en: (c) => `${c}: refused by ` },
  and: { fr: " et ", en: " and " },

  // deciding a record (the expert tab)
  "decide.fields": {
    fr: (v, n) => `Champs du dossier attendus par ${v} (${n})`,
    en: (v, n) => `Record fields expected by ${v} (${n})`,
  },
  presence: { fr: "Présence", en: "Presence" },
  "decide.title": { fr: (id) => `Tester un dossier — ${id}`, en: (id) => `Test a record — ${id}` },
  "decide.crumb": { fr: "tester un dossier", en: "test a record" },
  "decide.h1": { fr: (id) => `Tester un dossier de candidat — ${id}`, en: (id) => `Test a candidate’s record — ${id}` },
  "decide.record": { fr: "Dossier du candidat (JSON)", en: "The candidate’s record (JSON)" },
  "decide.go": { fr: "Décider", en: "Decide" },
  decision: { fr: "Décision", en: "Decision" },
  "in-force-from-paren": { fr: (d) => ` (en vigueur à partir du ${d})`, en: (d) => ` (in force from ${d})` },
  "planned-from-paren": { fr: (d) => ` (prévue à partir du ${d} une fois publiée)`, en: (d) => ` (planned from ${d} once published)` },
  "meta.hash": { fr: " · empreinte ", en: " · hash " },
  "meta.decision": { fr: " · décision ", en: " · decision " },
  "decision.count": {
    fr: (n, a, b, c) => `${n} conclusions : ${a} décidée(s), ${b} indéterminée(s), ${c} en erreur.`,
    en: (n, a, b, c) => `${n} conclusions: ${a} decided, ${b} undetermined, ${c} failed.`,
  },
  "decision.brief": { fr: "En bref (le détail, avec les clauses citées, suit)", en: "In brief (the details, with the clauses cited, follow)" },
  value: { fr: "Valeur", en: "Value" },
  "value.is": { fr: "Valeur : ", en: "Value: " },
  missing: { fr: (list) => `manque : ${list}`, en: (list) => `missing: ${list}` },
  "by-rules": { fr: (list) => ` — règle(s) ${list}`, en: (list) => ` — rule(s) ${list}` },
  because: { fr: "Parce que", en: "Because" },
  "missing-information": { fr: "Informations manquantes", en: "Missing information" },
  "cited-clauses": { fr: "Clauses citées", en: "Clauses cited" },

  // the router
  "page-not-found": { fr: "Page introuvable", en: "Page not found" },
  "back-home": { fr: "Retour aux règlements", en: "Back to the policies" },
  "not-loaded": { fr: "La page n’a pas pu être chargée", en: "The page could not be loaded" },

  // the candidate page
  units: {
    fr: { weeks: "semaines", days: "jours", months: "mois", years: "ans", pages: "pages" },
    en: { weeks: "weeks", days: "days", months: "months", years: "years", pages: "pages" },
  },
  yes: { fr: "oui", en: "yes" },
  no: { fr: "non", en: "no" },
  nil: { fr: "néant", en: "none" },
  "no-item": { fr: "aucun élément", en: "no item" },
  items: { fr: (n) => `${n} élément(s)`, en: (n) => `${n} item(s)` },
  "ask.yes-no": { fr: "choisissez oui ou non", en: "choose yes or no" },
  "ask.choice": { fr: "choisissez une valeur", en: "choose a value" },
  "ask.number": { fr: "indiquez un nombre", en: "enter a number" },
  "bad-number": { fr: "nombre invalide", en: "invalid number" },
  "ask.date": { fr: "indiquez une date", en: "enter a date" },
  "item.legend": { fr: (label, n) => `${label} n° ${n}`, en: (label, n) => `${label} no. ${n}` },
  remove: { fr: "Retirer", en: "Remove" },
  add: { fr: (label) => `Ajouter : ${label}`, en: (label) => `Add: ${label}` },
  validate: { fr: "Valider", en: "Confirm" },
  "not-applicable": { fr: "Sans objet", en: "Not applicable" },
  "question-mark": { fr: (label) => `${label} ?`, en: (label) => `${label}?` },
  "dont-know": { fr: "Je ne sais pas", en: "I don’t know" },
  "asked-under": { fr: "Posée au titre de : ", en: "Asked under: " },
  "clause.lower": { fr: (c) => `clause ${c}`, en: (c) => `clause ${c}` },
  "answers.title": { fr: "Réponses données", en: "Answers given" },
  "answers.none": { fr: "Aucune pour l’instant.", en: "None yet." },
  unknown: { fr: "inconnu", en: "unknown" },
  change: { fr: "Modifier", en: "Change" },
  "change.label": { fr: (label) => `Modifier : ${label}`, en: (label) => `Change: ${label}` },
  questions: { fr: "Questions", en: "Questions" },
  "questions.done": { fr: "Toutes les questions utiles ont reçu une réponse.", en: "Every question that matters has been answered." },
  "questions.left": {
    fr: (n) => `${n} question(s) peuvent encore changer la décision ; la plus décisive d’abord.`,
    en: (n) => `${n} question(s) can still change the decision; the most decisive first.`,
  },
  "decide-now": { fr: "Établir la décision avec les réponses données", en: "Decide with the answers given" },
  "candidate.title": { fr: (id) => `Dossier d’un candidat — ${id}`, en: (id) => `A candidate’s file — ${id}` },
  "candidate.crumb": { fr: "dossier d’un candidat", en: "a candidate’s file" },
  "version-of": { fr: (v) => `Version ${v}`, en: (v) => `Version ${v}` },
  "in-force-from-comma": { fr: (d) => `, en vigueur à partir du ${d}`, en: (d) => `, in force from ${d}` },
  "candidate.lead": {
    fr: ". Répondez aux questions : seules celles qui peuvent encore changer la décision sont posées. ",
    en: ". Answer the questions: only those that can still change the decision are asked. ",
  },
  "expert-mode": { fr: "Mode expert : saisir le dossier en JSON", en: "Expert mode: enter the record as JSON" },
  "report.title": { fr: "Rapport de décision", en: "Decision report" },
  "report.hash": { fr: "Empreinte des sources (sha256) ", en: "Hash of the sources (sha256) " },
  "report.decision": { fr: "Décision n° ", en: "Decision no. " },
  "report.made-on": { fr: (d) => ` · établie le ${d}`, en: (d) => ` · made on ${d}` },
  "report.print": { fr: "Imprimer le rapport", en: "Print the report" },
  "report.brief": { fr: "En bref", en: "In brief" },
  "report.see-hints": { fr: " — voir ce qui permettrait une issue favorable", en: " — see what would permit a favourable outcome" },
  "report.reasons": { fr: "Motifs", en: "Reasons" },
  "report.clauses": { fr: "Clauses appliquées", en: "Clauses applied" },
  "report.hints": { fr: "Ce qui permettrait une issue favorable", en: "What would permit a favourable outcome" },

  // the accessibility statement (RGAA): blocks `[tag, text]`, a list's items in an array
  "statement.title": { fr: "Déclaration d’accessibilité", en: "Accessibility statement" },
  statement: {
    fr: [
      ["p", "L’organisme qui exploite ce service s’engage à rendre ses services numériques accessibles, conformément à "
        + "l’article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration s’applique à clausier : la page de "
        + "relecture des règlements (toutes ses vues, sous /ui/) et la documentation de l’API (/docs/)."],
      ["h2", "État de conformité"],
      ["p", "clausier est partiellement conforme au référentiel général d’amélioration de l’accessibilité (RGAA) "
        + "version 4.1.2, qui reprend les critères de niveaux A et AA des WCAG 2.1, pour les raisons dites plus bas."],
      ["h2", "Résultats des tests"],
      ["p", "Cette déclaration repose sur une auto-évaluation, refaite par les tests automatiques du service à chacune de ses modifications :"],
      ["ul", [
        "les règles WCAG 2.0 et 2.1 de niveaux A et AA d’axe-core 4.14 (wcag2a, wcag2aa, wcag21a, wcag21aa), sur chaque vue "
          + "avec ses données et après les actions principales (une décision affichée, une erreur affichée, une section dépliée) : "
          + "aucune non-conformité ;",
        "l’usage au seul clavier (Tab, flèches, Entrée) du formulaire de décision et du questionnaire du candidat : le résultat "
          + "prend le focus, et aucune touche fléchée ne change de vue ;",
        "la visibilité du focus : chaque élément atteint par Tab montre un contour d’au moins 2 pixels, d’un contraste d’au "
          + "moins 3:1 avec le fond qui l’entoure, calculé dans le navigateur ;",
        "la redistribution : à 320 pixels de large (400 % de zoom), aucune page ne défile horizontalement, sauf les tableaux "
          + "et les blocs de code qui le doivent, atteignables au clavier et nommés.",
      ]],
      ["p", "Un audit complet des 106 critères du RGAA, avec des technologies d’assistance (NVDA, JAWS, VoiceOver), n’a pas "
        + "encore été réalisé : le taux de conformité n’est donc pas publié."],
      ["h2", "Contenus non accessibles"],
      ["ul", [
        "Les descriptions des opérations et des schémas de l’API, tirées du document OpenAPI, sont en anglais ; la "
          + "documentation les signale comme telles (attribut lang), le reste est en français.",
        "Dans la page en anglais, les textes des règlements, cités en français, ne sont pas signalés comme tels.",
        "Sur un écran étroit, les diagnostics de vérification défilent horizontalement, dans une zone atteignable au "
          + "clavier : ce sont des lignes de code dont l’alignement porte le sens. Les fichiers comparés côte à côte y "
          + "restent en deux colonnes étroites.",
      ]],
      ["h2", "Établissement de cette déclaration"],
      ["p", "Cette déclaration a été établie le 30 novembre 2026."],
      ["ul", [
        "Technologies utilisées : HTML5, CSS, JavaScript, WAI-ARIA ; les pages ne chargent aucune ressource externe.",
        "Environnement de test : Chromium 148 sans interface, piloté par le protocole DevTools, avec axe-core 4.14.1 "
          + "(les tests sont dans tests/integration/accessibility.rs du code source).",
        "Pages vérifiées : la liste des règlements, une version et ses clauses, la comparaison de deux versions et le rejeu "
          + "d’impact, le test d’un dossier (JSON), le questionnaire du candidat et son rapport de décision imprimable, cette "
          + "déclaration et la documentation de l’API, en français et en anglais.",
      ]],
      ["h2", "Retour d’information et contact"],
      ["p", "Si vous n’arrivez pas à accéder à un contenu ou à un service, signalez-le à l’équipe qui exploite ce service "
        + "dans votre organisme (le service informatique de votre académie) : elle vous orientera vers une alternative "
        + "accessible ou vous fournira le contenu sous une autre forme."],
      ["contact"],
      ["h2", "Voies de recours"],
      ["p", "Si vous avez signalé un défaut d’accessibilité qui vous empêche d’accéder à un contenu ou à un service sans "
        + "obtenir de réponse satisfaisante, vous pouvez :"],
      ["ul", [
        "écrire au Défenseur des droits (formulaire en ligne sur defenseurdesdroits.fr) ;",
        "contacter le délégué du Défenseur des droits dans votre région ;",
        "envoyer un courrier, gratuit et sans timbre : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.",
      ]],
    ],
    en: [
      ["p", "The organisation that runs this service is committed to making its digital services accessible, under "
        + "article 47 of French law no. 2005-102 of 11 February 2005. This statement covers clausier: the policy review "
        + "page (all its views, under /ui/) and the API documentation (/docs/)."],
      ["h2", "Compliance status"],
      ["p", "clausier is partially compliant with the RGAA (the French accessibility framework) version 4.1.2, which "
        + "takes up the level A and AA criteria of WCAG 2.1, for the reasons given below."],
      ["h2", "Test results"],
      ["p", "This statement rests on a self-assessment, run again by the service’s automated tests on every change:"],
      ["ul", [
        "axe-core 4.14’s WCAG 2.0 and 2.1 level A and AA rules (wcag2a, wcag2aa, wcag21a, wcag21aa), on every view with "
          + "its data and after the main actions (a decision shown, an error shown, a section opened): no violation;",
        "the decision form and the candidate’s questionnaire used with the keyboard alone (Tab, arrows, Enter): the "
          + "result takes the focus, and no arrow key changes the view;",
        "visible focus: every element Tab reaches shows an outline at least 2 pixels wide, with a contrast of at least "
          + "3:1 against the background around it, computed in the browser;",
        "reflow: at 320 pixels wide (400 % zoom), no page scrolls sideways, except the tables and code blocks that must, "
          + "which the keyboard reaches and which are named.",
      ]],
      ["p", "A full audit of the RGAA’s 106 criteria, with assistive technologies (NVDA, JAWS, VoiceOver), has not been "
        + "carried out yet, so no compliance rate is published."],
      ["h2", "Non-accessible content"],
      ["ul", [
        "The descriptions of the API’s operations and schemas, taken from the OpenAPI document, are in English; the "
          + "documentation marks them as such (lang attribute), the rest of it is in French.",
        "In the English page, the texts of the regulations, quoted in French, are not marked as French.",
        "On a narrow screen, check diagnostics scroll sideways, in a region the keyboard reaches: they are lines of "
          + "code whose alignment carries meaning. Files compared side by side stay in two narrow columns there.",
      ]],
      ["h2", "Preparation of this statement"],
      ["p", "This statement was prepared on 30 November 2026."],
      ["ul", [
        "Technologies used: HTML5, CSS, JavaScript, WAI-ARIA; the pages load no external resource.",
        "Test environment: headless Chromium 148 driven over the DevTools protocol, with axe-core 4.14.1 (the tests are "
          + "in tests/integration/accessibility.rs of the source code).",
        "Pages checked: the list of policies, a version and its clauses, the comparison of two versions and the impact "
          + "replay, testing a record (JSON), the candidate’s questionnaire and its printable decision report, this "
          + "statement and the API documentation, in French and in English.",
      ]],
      ["h2", "Feedback and contact"],
      ["p", "If you cannot reach a content or a service, tell the team that runs this service in your organisation (the IT "
        + "department of your académie): they will direct you to an accessible alternative or give you the content in "
        + "another form."],
      ["contact"],
      ["h2", "Remedies"],
      ["p", "If you reported an accessibility defect that keeps you from a content or a service and got no satisfactory "
        + "answer, you may:"],
      ["ul", [
        "write to the Défenseur des droits (online form on defenseurdesdroits.fr);",
        "contact the Défenseur des droits’ delegate in your region;",
        "send a letter, free of charge and without a stamp: Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.",
      ]],
    ],
  },
};

/** The words of `key` in the page's language (a function entry is given `args`). An unknown
 * key is a mistake in the page, thrown rather than shown. */
function t(key, ...args) {
  const entry = WORDS[key];
  if (!entry) throw new Error(`no words for \`${key}\``);
  const words = entry[LANG];
  return typeof words === "function" ? words(...args) : words;
}

/** A date (`2026-09-01`) in words: « 1er septembre 2026 », "1 September 2026". */
function dateWords(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return iso;
  const options = { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" };
  if (LANG === "en") return d.toLocaleDateString("en-GB", options);
  const text = d.toLocaleDateString("fr-FR", options);
  // The first of a month is written « 1er ».
  return d.getUTCDate() === 1 ? text.replace(/^1 /, "1er ") : text;
}

/** Today, as an ISO date in the local calendar. */
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The page's own words in index.html (`data-w`), and the switch to the other language: a link
 * to the same view, so it can be followed, bookmarked and opened with the keyboard. */
function localisePage() {
  document.title = t("page.title");
  for (const el of document.querySelectorAll("[data-w]")) el.textContent = t(el.dataset.w);
  for (const el of document.querySelectorAll("[data-w-label]")) el.setAttribute("aria-label", t(el.dataset.wLabel));
  const other = LANG === "fr" ? "en" : "fr";
  const link = document.getElementById("lang-switch");
  if (!link) return;
  link.textContent = other === "en" ? "English" : "Français";
  link.lang = other;
  link.hreflang = other;
  const follow = () => { link.href = `?lang=${other}${location.hash}`; };
  follow();
  window.addEventListener("hashchange", follow);
}

localisePage();
