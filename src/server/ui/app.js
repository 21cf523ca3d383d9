// The reviewer page of clausier: five views over the service's JSON API, chosen by the URL
// hash (the candidate page is in candidate.js). No framework and no external file; every text from the API is inserted as text (h()).
// The page's own words are in words.js (t()), in French or English.
//
//   #/                                   the policies, their versions and load status
//   #/p/{id}/v/{version}                 a version: each clause beside what cites it
//   #/p/{id}/diff?from=A&to=B&cases=J    the semantic diff of two versions, the files side by side,
//                                        the impact on the cases J (JSON, optional), the report
//   #/p/{id}/decide?version=V&input=J    a candidate's decision (input J prefilled and decided)
//   #/p/{id}/candidat?version=V          a candidate's questionnaire and decision report
//   #/accessibilite                      the accessibility statement
"use strict";

const main = document.getElementById("main");
const enc = encodeURIComponent;

/** An element with attributes (`on…` are listeners) and children (strings become text). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/**
 * The JSON (or text) of an API call; a problem+json answer is thrown with its fields. `path` is
 * relative to the page (`../v1/…`), so the page works wherever a proxy mounts the service.
 */
async function api(path, options) {
  // The service answers in the page's language (its `because` lines, problems, questions, hints).
  const headers = { "Accept-Language": LANG, ...((options && options.headers) || {}) };
  const response = await fetch(path, { ...options, headers });
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const problem = typeof body === "object" ? body : { title: response.statusText, detail: body };
    throw Object.assign(new Error(problem.detail || problem.title), { problem });
  }
  return body;
}

const link = {
  home: () => "#/",
  /** `only`: `{ section }` or `{ clause }` (shown with the other clauses of its section). */
  version: (id, v, only = {}) => {
    const query = new URLSearchParams(Object.entries(only).filter(([, x]) => x)).toString();
    return `#/p/${enc(id)}/v/${enc(v)}${query ? `?${query}` : ""}`;
  },
  diff: (id, from, to) => `#/p/${enc(id)}/diff?from=${enc(from)}&to=${enc(to)}`,
  decide: (id, v) => `#/p/${enc(id)}/decide?version=${enc(v)}`,
  candidate: (id, v) => `#/p/${enc(id)}/candidat?version=${enc(v)}`,
};

function render(title, ...nodes) {
  document.title = `${title} — clausier`;
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  window.scrollTo(0, 0);
}

function problemBox(error, id) {
  const p = error.problem || { title: t("error"), detail: error.message };
  return h("div", { class: "problem", role: "alert", id },
    h("strong", {}, p.title), p.detail ? `${t("colon")}${p.detail}` : "",
    p.errors && h("ul", {}, p.errors.map((e) => h("li", {}, h("code", {}, e.pointer), ` ${e.message}`))));
}

/** Moves the focus to the element `id` (a heading, a conclusion) and brings it into view: an
 * in-page link cannot use the URL's hash, which routes the page. */
function jumpTo(id) {
  const target = document.getElementById(id);
  if (!target) return;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
  target.scrollIntoView();
}

/** A link within the view, to the element `id`. */
const jumpLink = (id, ...children) => h("a", { href: `#${id}`, onclick: (e) => { e.preventDefault(); jumpTo(id); } }, children);

/** A box that scrolls sideways when its content (a wide table, a diagnostic) cannot be
 * narrower than the window: Tab reaches it, so it can be scrolled with the arrows, and it has
 * a name (RGAA 10.11). */
const scrollBox = (label, ...content) => h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": label }, content);

/**
 * The JSON typed in `area`, or nothing after saying in `out` why it is not JSON: the field is
 * then marked invalid, described by the message, and given the focus back.
 */
function readJson(area, out) {
  const said = `${area.id}-problem`;
  let parsed;
  try {
    parsed = JSON.parse(area.value);
  } catch (err) {
    out.replaceChildren(problemBox({ problem: { title: t("invalid-json"), detail: jsonMistake(area.value, err) } }, said));
    markInvalid(area, said);
    area.focus();
    return { ok: false };
  }
  markInvalid(area, null);
  return { ok: true, value: parsed };
}

/** Marks `field` invalid and described by the element `said`, or valid again (`said` null). */
function markInvalid(field, said) {
  if (said) {
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", said);
  } else {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  }
}

/** Where the JSON `text` goes wrong, in the page's words (the browser's message is in its
 * own language and counts characters): line and column, and what is likely missing. */
function jsonMistake(text, err) {
  if (!text.trim()) return t("json.empty");
  const at = /position (\d+)/.exec(err.message);
  const offset = at ? Number(at[1]) : text.length;
  const before = text.slice(0, offset).split("\n");
  const line = before.length;
  const column = before[before.length - 1].length + 1;
  return offset >= text.trimEnd().length ? t("json.unfinished", line, column) : t("json.unexpected", line, column, text[offset]);
}

const badge = (kind, text) => h("span", { class: `badge ${kind}` }, text);
const code = (text) => h("code", {}, text);
/** A date in the page's words, keeping its ISO form for machines. */
const dateNode = (iso) => h("time", { datetime: iso }, dateWords(iso));
const short = (sha) => (sha || "").slice(0, 12);
const slug = (text) => String(text).replace(/[^A-Za-z0-9_.-]/g, "_");

function showValue(v) {
  if (v === null || v === undefined) return t("value.none");
  if (v === true) return t("value.true");
  if (v === false) return t("value.false");
  if (Array.isArray(v)) return v.length ? v.map(showValue).join(", ") : t("value.empty");
  return String(v);
}

/** A conclusion's value, with its unit when it is a quantity: « 12 semaines ». */
function showResult(c) {
  return c.unit ? `${showValue(c.value)} ${unit(c.unit)}` : showValue(c.value);
}

/** An interpretation note: what the text leaves open and what the policy chose. `of` names
 * what carries it (`rule with_special_contract`, `definition weeks_of`) when it is not shown beside. */
function readingNote(text, of) {
  return h("aside", { class: "reading", role: "note" },
    h("span", { class: "reading-label" }, t("reading")), of ? h("span", { class: "muted" }, t("reading.of", of)) : "",
    h("p", {}, text));
}

/** A decision's interpretations, under a heading (nothing when there is none). */
const interpretations = (c) => (c.interpretations || []).length > 0 && h("div", { class: "interpretations" },
  h("h4", {}, t("interpretations")), c.interpretations.map((i) => readingNote(i.text, i.of)));

/** What brought a clause into a conclusion (`parameter normal_weeks`), in words. */
function viaWords(via) {
  const [kind, ...name] = String(via).split(" ");
  return t("via", kind, name.join(" "));
}

function crumbs(...items) {
  return h("nav", { class: "crumbs", "aria-label": t("breadcrumb") },
    h("ol", {}, h("li", {}, h("a", { href: link.home() }, t("policies"))), items.map((i) => h("li", {}, i))));
}

/** The versions of a policy as `<option>`s, `selected` chosen. */
function versionOptions(policy, selected) {
  return policy.versions.map((v) => h("option", { value: v.version, selected: v.version === selected },
    v.version, v.effective_from ? t("option.from", dateWords(v.effective_from)) : t("option.undated"),
    v.draft ? t("option.draft") : ""));
}

/** The version in force today, else the last one listed. */
const defaultVersion = (policy) =>
  (policy.versions.find((v) => v.in_force) || policy.versions[policy.versions.length - 1] || {}).version;

/** The dated version just before `label` (versions are listed by effective date). */
function previousVersion(policy, label) {
  const dated = policy.versions.filter((v) => v.effective_from);
  const at = dated.findIndex((v) => v.version === label);
  return at > 0 ? dated[at - 1].version : undefined;
}

async function findPolicy(id) {
  const list = await api("../v1/policies");
  const policy = list.policies.find((p) => p.id === id);
  if (!policy) throw Object.assign(new Error(), { problem: { title: t("not-found"), detail: t("no-policy", id) } });
  return policy;
}

// ------------------------------------------------------------------------------- policies

const LOAD_KIND = { ok: "ok", stale: "warn", error: "error" };
const loadBadge = (status) => badge(LOAD_KIND[status] || "warn", t("load")[status] || status);

async function policiesView() {
  const list = await api("../v1/policies");
  render(t("policies"),
    h("h1", {}, t("policies.title")),
    h("p", { class: "lead" }, t("policies.lead")),
    list.policies.length ? list.policies.map(policyCard) : h("p", {}, t("policies.none")));
}

function policyCard(p) {
  const failed = p.files.filter((f) => f.status !== "ok");
  return h("section", { class: "card", "aria-labelledby": `p-${slug(p.id)}` },
    h("h2", { id: `p-${slug(p.id)}` }, p.id, " ",
      p.status === "ok" ? badge("ok", t("files.valid")) : badge("error", t("files.failing", failed.length))),
    failed.length > 0 && h("div", { class: "problem" },
      h("p", {}, h("strong", {}, t("files.fail-check")), t("files.see-below")),
      h("ul", {}, failed.map((f) => h("li", {}, code(f.file), ` — ${t("load")[f.status] || f.status} — `,
        f.diagnostics.filter((d) => d.severity === "error").map((d) => d.message).join(" ; "))))),
    scrollBox(t("versions"), h("table", {},
      h("caption", {}, t("versions")),
      h("thead", {}, h("tr", {}, [t("version"), t("in-force-from"), t("extends"), t("title"), t("to-review")].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, p.versions.map((v) => h("tr", {},
        h("th", { scope: "row" }, h("a", { href: link.version(p.id, v.version) }, v.version), " ", v.in_force && badge("ok", t("in-force-today")),
          v.draft && badge("warn", t("draft"))),
        h("td", {}, v.effective_from ? dateNode(v.effective_from) : h("span", { class: "muted" }, t("undated"))),
        h("td", { class: "nowrap" }, v.extends || "—"),
        h("td", {}, v.title || "—"),
        h("td", { class: "actions" },
          h("a", { href: link.version(p.id, v.version) }, t("read-clauses")),
          previousVersion(p, v.version) && h("a", { href: link.diff(p.id, previousVersion(p, v.version), v.version) },
            t("compare-with", previousVersion(p, v.version))),
          v.extends && v.extends !== previousVersion(p, v.version) && h("a", { href: link.diff(p.id, v.extends, v.version) }, t("compare-with", v.extends)),
          h("a", { href: link.candidate(p.id, v.version) }, t("candidate-file")), " · ",
          h("a", { href: link.decide(p.id, v.version) }, t("test-json")))))))),
    compareForm(p),
    filesTable(p, failed.length > 0));
}

function compareForm(policy, from, to) {
  const target = to || defaultVersion(policy);
  const fromSel = h("select", { id: `from-${slug(policy.id)}`, name: "from" },
    versionOptions(policy, from || previousVersion(policy, target) || policy.versions[0]?.version));
  const toSel = h("select", { id: `to-${slug(policy.id)}`, name: "to" }, versionOptions(policy, target));
  return h("form", {
    class: "compare",
    onsubmit: (e) => { e.preventDefault(); location.hash = link.diff(policy.id, fromSel.value, toSel.value); },
  },
  h("label", { for: fromSel.id }, t("compare.from")), fromSel,
  h("label", { for: toSel.id }, t("compare.to")), toSel,
  h("button", { type: "submit" }, t("compare.go")));
}

function filesTable(p, open) {
  return h("details", { class: "files", open },
    h("summary", {}, t("files.summary", p.files.length, p.files.filter((f) => f.status !== "ok").length)),
    scrollBox(t("files.label", p.id), h("table", {},
      h("thead", {}, h("tr", {}, [t("file"), t("version"), t("state"), t("diagnostics")].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, p.files.map((f) => h("tr", { class: `load-${f.status}` },
        h("td", { class: "nowrap" }, code(f.file)),
        h("td", { class: "nowrap" }, f.version || "—"),
        h("td", {}, loadBadge(f.status)),
        h("td", { class: "diags" }, f.diagnostics.length
          ? f.diagnostics.map((d) => h("pre", { class: `diag ${d.severity}`, tabindex: "0", role: "region", "aria-label": t("diagnostic-of", f.file) }, d.rendered))
          : h("span", { class: "muted" }, t("none")))))))));
}

// -------------------------------------------------------------------------------- version


async function versionView(id, label, only) {
  const [v, policy] = await Promise.all([
    api(`../v1/policies/${enc(id)}/versions/${enc(label)}`), findPolicy(id)]);
  // What cites each clause: parameters, input fields, definitions, rules.
  const uses = new Map(v.clauses.map((c) => [c.id, { params: [], inputs: [], definitions: [], rules: [] }]));
  const cite = (kind, item, citations) => { for (const c of new Set(citations)) uses.get(c)?.[kind].push(item); };
  for (const p of v.parameters) cite("params", p, p.citations);
  for (const i of v.inputs) cite("inputs", i, i.citations);
  for (const d of v.definitions) cite("definitions", d, d.citations);
  for (const conclusion of v.conclusions) {
    for (const rule of conclusion.rules) cite("rules", { conclusion, rule }, rule.citations);
  }
  const count = (use) => use.params.length + use.inputs.length + use.definitions.length + use.rules.length;
  const cited = (c) => count(uses.get(c.id)) > 0;
  const informative = v.clauses.filter((c) => !cited(c) && c.informative).length;
  const uncited = v.clauses.filter((c) => !cited(c) && !c.informative).length;
  // Choosing a version in the menu changes nothing until its button is pressed (RGAA 7.4).
  const switcher = h("select", { id: "version-switch", name: "version" }, versionOptions(policy, label));
  const switchForm = h("form", { class: "switch", onsubmit: (e) => { e.preventDefault(); location.hash = link.version(id, switcher.value); } },
    h("label", { for: "version-switch" }, t("other-version")), switcher, " ", h("button", { type: "submit" }, t("show-version")));

  // One section only, with `?section=…`, or the section of `?clause=…`.
  const sections = [...new Set(v.clauses.map((c) => c.section))];
  const shown = only.section ?? v.clauses.find((c) => c.id === only.clause)?.section;
  const toc = h("nav", { class: "toc", "aria-label": t("toc.label") }, t("toc.sections"),
    h("a", { href: link.version(id, label), "aria-current": shown === undefined ? "page" : false }, t("toc.all")),
    sections.map((x) => [" · ", h("a", { href: link.version(id, label, { section: x }), "aria-current": x === shown ? "page" : false }, x)]));
  const body = [];
  let section = null;
  for (const clause of v.clauses) {
    if (shown !== undefined && clause.section !== shown) continue;
    if (clause.section !== section) {
      section = clause.section;
      body.push(h("h2", { class: "section" }, t("section", section)));
    }
    body.push(clauseArticle(clause, uses.get(clause.id), count(uses.get(clause.id)) === 0));
  }
  render(`${id} ${label}`,
    crumbs(id, label),
    h("h1", {}, v.title || `${id} — ${label}`),
    v.draft && h("p", { class: "notice" }, badge("warn", t("draft")), " ", t("draft.version")),
    h("dl", { class: "meta" },
      h("dt", {}, t("version")), h("dd", {}, code(v.version)),
      h("dt", {}, t(v.draft ? "planned-from" : "in-force-from")), h("dd", {}, v.effective_from ? dateNode(v.effective_from) : t("undated")),
      h("dt", {}, t("extends")), h("dd", {}, v.extends || "—"),
      h("dt", {}, t("source")), h("dd", {}, v.legal_source || "—"),
      h("dt", {}, t("hash")), h("dd", {}, code(short(v.sha256)))),
    h("div", { class: "toolbar" }, switchForm,
      h("a", { href: link.candidate(id, label) }, t("candidate-file-here")), " ",
      h("a", { href: link.decide(id, label) }, t("test-json")), " ",
      v.extends && h("a", { href: link.diff(id, v.extends, label) }, t("compare-with", v.extends))),
    h("p", { class: "summary" },
      t("clauses.summary", v.clauses.length),
      t("clauses.cited", v.clauses.length - informative - uncited),
      badge("info", t("clauses.informative", informative)), t("clauses.informative-why"),
      badge(uncited ? "warn" : "ok", t("clauses.uncited", uncited)), "."),
    toc,
    body.length ? body : h("p", { class: "problem" }, t("clauses.none-in", shown)));
  // `?clause=3-1` marks that clause, and brings it into view if it is below the fold.
  const target = only.clause && document.getElementById(`c-${slug(only.clause)}`)?.closest("article");
  if (target) {
    target.classList.add("focused");
    if (target.getBoundingClientRect().top > window.innerHeight - 200) target.scrollIntoView();
  }
}

function clauseArticle(clause, use, none) {
  const mark = none && (clause.informative ? badge("info", t("informative")) : badge("warn", t("uncited")));
  const headingId = `c-${slug(clause.id)}`;
  const kind = (text) => h("span", { class: "kind" }, text);
  return h("article", { class: `clause${none ? (clause.informative ? " informative" : " uncited") : ""}`, "aria-labelledby": headingId },
    h("div", { class: "clause-text" },
      h("h3", { id: headingId }, h("span", { class: "ref" }, t("clause", clause.id)), " ", mark),
      h("blockquote", {}, clause.text),
      clause.informative && clause.reason && h("p", { class: "reason" }, h("span", { class: "reading-label" }, t("reason")), " ", clause.reason)),
    // An informative clause that nothing cites is shown alone: there is nothing to put beside it.
    !(none && clause.informative) && h("div", { class: "clause-uses", role: "group", "aria-label": t("cites.label", clause.id) },
      none && h("p", { class: "muted" }, t("cites.nothing")),
      use.params.map((p) => h("div", { class: "use param" },
        h("p", {}, kind(t("kind.parameter")), " ", code(p.name), " = ",
          h("strong", {}, p.display ?? t("not-set")), " ", h("span", { class: "muted" }, `(${p.type})`)),
        p.reading && readingNote(p.reading))),
      use.inputs.map((i) => h("div", { class: "use input" },
        h("p", {}, kind(t("kind.field")), " ", code(i.path), " ", h("span", { class: "muted" }, `(${i.type}, ${i.presence})`)))),
      use.definitions.map((d) => h("div", { class: "use definition" },
        h("p", {}, kind(t("kind.definition")), " ", code(d.name)), h("pre", {}, dedent(d.source)),
        d.reading && readingNote(d.reading))),
      use.rules.map(({ conclusion, rule }) => h("div", { class: "use rule" },
        h("p", {}, kind(t("rule-kind")[rule.kind] || rule.kind), " ", code(rule.label),
          t("of-conclusion"), code(conclusion.name),
          // A row's place in its table says what it overrides: its source shows the table.
          rule.overrides.length && rule.kind !== "row" ? t("overrides", rule.overrides.join(", ")) : ""),
        h("pre", {}, dedent(withoutReading(rule.source))),
        rule.reading && readingNote(rule.reading)))));
}

/** A rule's source without its `reading` lines, which the page shows as a note beside it (a
 * rule's note is its last part). */
function withoutReading(source) {
  const lines = source.split("\n");
  const at = lines.findIndex((l, i) => i > 0 && /^\s*reading "/.test(l));
  return (at < 0 ? lines : lines.slice(0, at)).join("\n");
}

/** A declaration cut from its file: its first line lost its indentation, so the others lose
 * theirs too, keeping two spaces of nesting. */
function dedent(text) {
  const [first, ...rest] = text.split("\n");
  const indent = Math.min(...rest.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return [first, ...rest.map((l) => `  ${l.slice(Number.isFinite(indent) ? indent : 0)}`)].join("\n");
}

// ----------------------------------------------------------------------------------- diff

// A change as the word for a masculine (`change.m`) or a feminine (`change.f`) French noun.
const changed = (gender, change) => t(gender)[change] || change;
const FIELD = { effective_from: "in-force-from", title: "title", source: "source" };
const metaValue = (field, value) => (value == null ? "—" : field === "effective_from" ? dateNode(value) : value);

async function diffView(id, from, to, cases) {
  const policy = await findPolicy(id);
  const head = [crumbs(id, t("diff.crumb")), h("h1", {}, t("diff.h1", id)), compareForm(policy, from, to)];
  if (!from || !to) return render(t("diff.title", id), head, h("p", {}, t("diff.choose")));
  const d = await api(`../v1/policies/${enc(id)}/diff?from=${enc(from)}&to=${enc(to)}&sources=true`);
  const changes = d.clauses.length + d.parameters.length + d.definitions.length + d.inputs.length + d.types.length
    + d.conclusions.reduce((n, c) => n + c.rules.length + (c.change !== "changed" || c.old?.type !== c.new?.type ? 1 : 0), 0);
  // What the report saves: the diff, and the impact of the cases last replayed.
  const review = { impact: null };
  render(`${from} → ${to}`, head,
    h("h2", {}, t("diff.h2", from, to)),
    h("p", { class: "summary" }, changes || d.metadata.length ? t("diff.count", changes, d.metadata.length) : t("diff.same")),
    reportButton(id, from, to, review),
    d.warnings.map((w) => h("p", { class: "problem" }, w)),
    d.metadata.length > 0 && part(t("version"), table(["", from, to],
      d.metadata.map((m) => [FIELD[m.field] ? t(FIELD[m.field]) : m.field, metaValue(m.field, m.old), metaValue(m.field, m.new)]))),
    d.clauses.length > 0 && part(t("part.clauses"), d.clauses.map(clauseChange)),
    d.parameters.length > 0 && part(t("part.parameters"), table([t("parameter"), from, to, t("part.clauses")], d.parameters.map((p) => [
      code(p.name), [sideValue(p.old), p.old?.reading && readingNote(p.old.reading)],
      [sideValue(p.new), p.new?.reading && readingNote(p.new.reading)], (p.new || p.old).citations.join(", ")]))),
    d.conclusions.length > 0 && part(t("part.rules"), d.conclusions.map(conclusionChange)),
    d.definitions.length > 0 && part(t("part.definitions"), d.definitions.map((x) =>
      h("div", {}, h("h3", {}, t("definition"), code(x.name), ` ${changed("change.f", x.change)}`,
        x.aspects?.length ? ` (${x.aspects.map((a) => t("aspect")[a] || a).join(", ")})` : ""), sideBySide(x.old, x.new, from, to)))),
    d.inputs.length > 0 && part(t("record-fields"), table([t("field"), from, to], d.inputs.map((i) => [code(i.path), inputSide(i.old), inputSide(i.new)]))),
    d.types.length > 0 && part(t("part.types"), d.types.map((x) =>
      h("div", {}, h("h3", {}, t("type", x.kind), code(x.name), ` ${changed("change.m", x.change)}`), sideBySide(x.old, x.new, from, to)))),
    sourceTable(d.source_diff, from, to),
    impactForm(id, from, to, cases, review));
}

const part = (title, ...content) => h("section", { class: "part" }, h("h3", { class: "part-title" }, title), content);

function table(headers, rows) {
  return h("table", {},
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))));
}

const sideValue = (side) => (side ? h("span", {}, side.value ?? h("em", {}, t("not-set"))) : h("em", {}, t("absent")));
const inputSide = (s) => (s ? `${s.type}, ${s.presence}${s.default != null ? ` = ${s.default}` : ""}` : h("em", {}, t("absent")));

function clauseChange(c) {
  const text = c.text_diff.length
    ? c.text_diff.map((s) => [s.op === "equal" ? s.text : h(s.op === "added" ? "ins" : "del", {}, s.text), " "])
    : (c.new || c.old).text;
  const notes = [];
  if (c.old && c.new && c.old.section !== c.new.section) notes.push(t("moved-section", c.old.section, c.new.section));
  if (c.old && c.new && c.old.informative !== c.new.informative) notes.push(t(c.new.informative ? "now-informative" : "no-longer-informative"));
  if (c.old && c.new && c.new.informative && c.old.reason !== c.new.reason) notes.push(t("reason-changed", c.old.reason, c.new.reason));
  return h("div", { class: "clause-change" },
    h("h4", {}, `${t("clause", c.id)} ${changed("change.f", c.change)}`, notes.length ? ` (${notes.join(", ")})` : ""),
    h("blockquote", { class: `worddiff ${c.change}` }, text));
}

function conclusionChange(c) {
  return h("div", { class: "conclusion-change" },
    h("h4", {}, `${t("conclusion")} `, code(c.name), c.change === "changed" ? "" : ` ${changed("change.f", c.change)}`,
      c.old && c.new && c.old.type !== c.new.type ? ` : type ${c.old.type} → ${c.new.type}` : ""),
    c.rules.map((r) => h("div", { class: "rule-change" },
      h("p", {}, h("span", { class: "kind" }, t("rule-kind")[(r.new || r.old).kind]), " ", code(r.label), ` ${changed("change.f", r.change)}`,
        r.aspects.length ? ` (${r.aspects.map((a) => t("aspect")[a] || a).join(", ")})` : ""),
      ruleSides(r))));
}

/** A changed rule's two texts side by side, each with its changed words marked: struck out on
 * the old side, underlined on the new one (a change of layout alone is not marked). */
function ruleSides(r) {
  if (!r.text_diff?.length) return sideBySide(r.old?.text, r.new?.text);
  const side = (kept, mark) => r.text_diff.filter((s) => s.op === "equal" || s.op === kept)
    .map((s) => (s.op === "equal" ? s.text : marked(s.text, mark)));
  return sideBySide(side("removed", "del"), side("added", "ins"));
}

/** `text` in a `<del>` or `<ins>`, the spaces and line breaks around its words left outside. */
function marked(text, mark) {
  const [, before, words, after] = /^(\s*)([\s\S]*?)(\s*)$/.exec(text);
  return [before, words && h(mark, {}, words), after];
}

function sideBySide(old, neu, from = t("before"), to = t("after")) {
  return h("div", { class: "sbs-pre" },
    h("div", {}, h("p", { class: "side" }, from), old != null ? h("pre", { class: "old" }, old) : h("p", { class: "muted" }, t("absent"))),
    h("div", {}, h("p", { class: "side" }, to), neu != null ? h("pre", { class: "new" }, neu) : h("p", { class: "muted" }, t("absent"))));
}

function sourceTable(sd, from, to) {
  if (!sd) return null;
  const cell = (line, op, side) => {
    if (!line) return [h("td", { class: "ln" }), h("td", { class: "code empty" })];
    const mark = op === "equal" ? null : side === "old" ? "del" : "ins";
    const sign = { del: "− ", ins: "+ " }[mark] || "";
    return [h("td", { class: "ln", title: line.file }, sign, line.line),
      h("td", { class: `code ${op}` }, mark ? h(mark, { title: t("line.changed")[op] }, line.text) : line.text)];
  };
  // A heading row opens each hunk, and again wherever a side passes into another file.
  const where = (l) => (l ? t("line.from", l.file, l.line) : "");
  const rows = sd.hunks.flatMap((hunk) => {
    let files = [undefined, undefined];
    return hunk.rows.flatMap((r) => {
      const now = [r.old ? r.old.file : files[0], r.new ? r.new.file : files[1]];
      const heading = now[0] !== files[0] || now[1] !== files[1];
      files = now;
      return [heading && h("tr", { class: "hunk" }, h("td", { colspan: 2 }, where(r.old)), h("td", { colspan: 2 }, where(r.new))),
        h("tr", {}, cell(r.old, r.op, "old"), cell(r.new, r.op, "new"))];
    });
  });
  return h("section", { class: "part" },
    h("h3", { class: "part-title" }, t("files.title")),
    h("p", { class: "muted" }, t("files.how")),
    sd.hunks.length === 0 ? h("p", {}, t("files.same")) : h("table", { class: "sbs" },
      h("caption", {}, t("files.caption", from, sd.old_files.join(", "), to, sd.new_files.join(", "))),
      h("colgroup", {}, h("col", { class: "ln" }), h("col"), h("col", { class: "ln" }), h("col")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", colspan: 2 }, from), h("th", { scope: "col", colspan: 2 }, to))),
      h("tbody", {}, rows)));
}

/** The box to replay candidate records under both versions; `cases` (JSON, from the address)
 * fills it and replays at once. The last body replayed is kept in `review.impact` for the
 * report. */
function impactForm(id, from, to, cases, review) {
  const area = h("textarea", { id: "impact-input", rows: 6, spellcheck: "false",
    placeholder: t("impact.placeholder") });
  const out = h("div", { id: "impact-result", "aria-live": "polite" });
  const run = async (e) => {
    if (e) e.preventDefault();
    const json = readJson(area, out);
    if (!json.ok) return;
    const parsed = json.value;
    const body = Array.isArray(parsed)
      ? { from, to, inputs: parsed }
      : { from, to, cases: Object.entries(parsed).map(([name, input]) => ({ name, input })) };
    try {
      const impact = await api(`../v1/policies/${enc(id)}/impact`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      review.impact = body;
      out.replaceChildren(impactResult(impact));
    } catch (err) {
      out.replaceChildren(problemBox(err));
    }
  };
  if (cases) {
    area.value = cases;
    run();
  }
  return h("section", { class: "part" },
    h("h3", { class: "part-title" }, t("impact.title")),
    h("form", { onsubmit: run },
      h("label", { for: area.id }, t("impact.label")),
      area, h("button", { type: "submit" }, t("impact.replay"))),
    out);
}

/** The button that saves the review as a markdown file: the diff, and the impact of the cases
 * last replayed, as the service writes them. */
function reportButton(id, from, to, review) {
  const status = h("span", { class: "muted", role: "status" });
  const save = async () => {
    status.textContent = "";
    try {
      const text = await reportMarkdown(id, from, to, review.impact);
      const url = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
      const a = h("a", { href: url, download: `${slug(id)}_${slug(from)}_${slug(to)}.md` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      status.textContent = t("report.saved");
    } catch (err) {
      status.replaceChildren(problemBox(err));
    }
  };
  return h("div", { class: "report-download" },
    h("button", { type: "button", id: "report-download", onclick: save }, t("report.download")),
    h("span", { class: "muted" }, t("report.what")), " ", status);
}

/** The review in markdown: the diff alone, or with `impact` (the body of an impact request)
 * the diff followed by the impact of those cases. */
function reportMarkdown(id, from, to, impact) {
  return impact
    ? api(`../v1/policies/${enc(id)}/impact?format=markdown&with_diff=true`, { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify(impact) })
    : api(`../v1/policies/${enc(id)}/diff?from=${enc(from)}&to=${enc(to)}&format=markdown`);
}

function impactResult(i) {
  const outcome = (o) => (o ? [h("strong", {}, o.status === "decided" ? showValue(o.value) : t("status")[o.status]),
    o.citations.length ? t("clauses", o.citations.join(", ")) : ""] : h("em", {}, t("impact.absent")));
  const c = i.counts;
  const added = i.added || [];
  const removed = i.removed || [];
  return h("div", {},
    h("p", { class: "summary", id: "impact-counts" }, t("impact.count", c.cases, c.changed, c.unchanged, c.invalid)),
    (added.length > 0 || removed.length > 0) && h("p", { class: "summary", id: "impact-one-sided" },
      t("impact.one-sided", added.length, removed.length)),
    i.changed.length > 0 && h("h4", {}, t("impact.changed")),
    i.changed.length > 0 && table([t("record"), t("conclusion"), i.from.version, i.to.version],
      i.changed.flatMap((x) => x.conclusions.map((k) => [x.case, code(k.conclusion), outcome(k.old), outcome(k.new)]))),
    [[added, "impact.added", i.to.version], [removed, "impact.removed", i.from.version]].map(([list, key, version]) =>
      list.length > 0 && h("div", { class: `one-sided ${key.slice(7)}` },
        h("h4", {}, t(key, i.to.version)),
        h("p", { class: "muted" }, t("impact.not-counted")),
        table([t("conclusion"), t("impact.values-under", version)],
          list.map((k) => [code(k.conclusion), outcomeCounts(k.outcomes)])))),
    i.invalid.length > 0 && h("h4", {}, t("impact.refused")),
    i.invalid.length > 0 && h("ul", {}, i.invalid.map((x) => h("li", {}, t("impact.refused-by", x.case),
      [x.old && i.from.version, x.new && i.to.version].filter(Boolean).join(t("and")), " — ",
      (x.old || x.new).map((e) => `${e.pointer} ${e.message}`).join(" ; ")))));
}

/** What a conclusion only one version has gives the cases: each result once, with its cases
 * (« 50 — 2 dossier(s) : a, b »). */
function outcomeCounts(outcomes) {
  const groups = new Map();
  for (const { case: name, outcome: o } of outcomes) {
    const said = o.status === "decided" ? showValue(o.value) : t("status")[o.status];
    groups.set(said, [...(groups.get(said) || []), name]);
  }
  return h("ul", { class: "plain" }, [...groups].map(([said, names]) =>
    h("li", {}, h("strong", {}, said), t("impact.cases", names.length), h("span", { class: "muted" }, names.join(", ")))));
}

// --------------------------------------------------------------------------------- decide

const statusWords = (status) => t("status")[status] || status;
const STATUS_KIND = { decided: "ok", undetermined: "warn", error: "error" };

async function decideView(id, version, input) {
  const policy = await findPolicy(id);
  const select = h("select", { id: "decide-version", name: "version" }, versionOptions(policy, version || defaultVersion(policy)));
  const area = h("textarea", { id: "candidate", name: "input", rows: 12, spellcheck: "false", required: true,
    placeholder: "{\"candidate\": {…}, …}" });
  const said = "candidate-problem";
  const fields = h("div", { class: "fields" });
  const out = h("div", { id: "decision", "aria-live": "polite" });
  const loadFields = async () => {
    try {
      const v = await api(`../v1/policies/${enc(id)}/versions/${enc(select.value)}`);
      fields.replaceChildren(h("details", {}, h("summary", {}, t("decide.fields", v.version, v.inputs.length)),
        scrollBox(t("record-fields"), table([t("field"), "Type", t("presence")], v.inputs.map((i) => [code(i.path), i.type, i.presence])))));
    } catch (err) {
      fields.replaceChildren(problemBox(err));
    }
  };
  // `e` is the form's submission: the focus then moves to what it gives (a decision, or the
  // field in error); a decision shown on opening the page leaves the focus where it is.
  const run = async (e) => {
    if (e) e.preventDefault();
    const json = readJson(area, out);
    if (!json.ok) return;
    out.replaceChildren(h("p", { class: "loading" }, t("deciding")));
    try {
      // A draft decides only when asked in so many words: choosing it in the menu, where it is
      // marked « projet », is asking.
      const draft = policy.versions.find((v) => v.version === select.value)?.draft ? "?draft=true" : "";
      const decision = await api(`../v1/policies/${enc(id)}/decisions${draft}`, { method: "POST",
        headers: { "content-type": "application/json" }, body: JSON.stringify({ version: select.value, input: json.value }) });
      out.replaceChildren(decisionView(decision));
      if (e) document.getElementById("decision-title").focus();
    } catch (err) {
      // A record the service refuses (422) names what is wrong in it: the field is invalid.
      out.replaceChildren(problemBox(err, said));
      if (err.problem?.status === 422) {
        markInvalid(area, said);
        if (e) area.focus();
      }
    }
  };
  select.addEventListener("change", loadFields);
  render(t("decide.title", id),
    crumbs(id, t("decide.crumb")),
    h("h1", {}, t("decide.h1", id)),
    h("form", { class: "decide", onsubmit: run, novalidate: true },
      h("p", {}, h("label", { for: select.id }, `${t("version")} `), select),
      h("p", {}, h("label", { for: area.id }, t("decide.record"))), area,
      h("p", {}, h("button", { type: "submit" }, t("decide.go")))),
    fields, out);
  await loadFields();
  if (input) {
    area.value = input;
    await run();
  }
}

function decisionView(d) {
  // Empty lists may be left out of a conclusion: read them as empty.
  const entries = Object.entries(d.conclusions).map(([name, c]) => [name, { rules: [], citations: [], ...c }]);
  const count = (s) => entries.filter(([, c]) => c.status === s).length;
  return h("section", { "aria-labelledby": "decision-title" },
    h("h2", { id: "decision-title", tabindex: "-1" }, t("decision")),
    h("p", { class: "meta" }, `${t("version")} `, code(d.policy.version),
      d.policy.effective_from ? t(d.policy.draft ? "planned-from-paren" : "in-force-from-paren", dateWords(d.policy.effective_from)) : "",
      t("meta.hash"), code(short(d.policy.sha256)), t("meta.decision"), code(d.decision_id)),
    d.policy.draft && h("p", { class: "notice" }, badge("warn", t("draft")), " ", t("draft.decision")),
    d.policy.stale && h("p", { class: "notice" }, badge("warn", t("stale")), " ", t("stale.decision")),
    h("p", { class: "summary" }, t("decision.count", entries.length, count("decided"), count("undetermined"), count("error"))),
    scrollBox(t("decision.brief"), h("table", { class: "brief" },
      h("caption", {}, t("decision.brief")),
      h("thead", {}, h("tr", {}, [t("conclusion"), t("state"), t("value")].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, entries.map(([name, c]) => h("tr", {},
        // The URL hash routes the page, so in-page links move the focus by script.
        h("th", { scope: "row" }, jumpLink(`k-${slug(name)}`, code(name))),
        h("td", {}, badge(STATUS_KIND[c.status] || "warn", statusWords(c.status))),
        h("td", {}, c.status === "decided" ? showResult(c)
          : c.missing?.length ? t("missing", c.missing.join(", ")) : c.error || "—")))))),
    entries.map(([name, c]) => h("article", { class: `conclusion ${c.status}`, "aria-labelledby": `k-${slug(name)}` },
      h("h3", { id: `k-${slug(name)}`, tabindex: "-1" }, code(name), " ", badge(STATUS_KIND[c.status] || "warn", statusWords(c.status))),
      c.status === "decided" && h("p", { class: "value" }, t("value.is"), h("strong", {}, showResult(c)),
        c.rules.length ? h("span", { class: "muted" }, t("by-rules", c.rules.join(", "))) : ""),
      c.error && h("p", { class: "problem" }, c.error),
      c.because?.length > 0 && h("div", {}, h("h4", {}, t("because")), h("ul", {}, c.because.map((b) => h("li", {}, b)))),
      c.missing?.length > 0 && h("div", {}, h("h4", {}, t("missing-information")),
        h("ul", {}, c.missing.map((m) => h("li", {}, code(m))))),
      interpretations(c),
      c.citations.length > 0 && h("div", {}, h("h4", {}, t("cited-clauses")),
        c.citations.map((q) => h("blockquote", { class: "quote" },
          h("p", { class: "cite" }, h("a", { href: link.version(d.policy.id, d.policy.version, { clause: q.clause }) },
            t("clause", q.clause)), `, section ${q.section}`, q.via ? ` — ${viaWords(q.via)}` : ""),
          h("p", {}, q.text)))))));
}

// -------------------------------------------------------------------------- accessibility

/** The accessibility contact the service was started with (`serve --accessibility-contact`),
 * written by the service into the page: an address, a link, or words. */
function contactLine() {
  const contact = document.querySelector('meta[name="clausier-contact"]')?.content;
  if (!contact) return null;
  const href = /^[^@\s]+@[^@\s]+$/.test(contact) ? `mailto:${contact}` : /^https?:\/\//.test(contact) ? contact : null;
  return h("p", {}, t("statement.contact"), href ? h("a", { href }, contact) : contact);
}

/** The accessibility statement (RGAA): its words, in words.js, are blocks `[tag, text]`, and
 * `[contact]` where the service's contact goes. */
function statementView() {
  const block = ([tag, content]) => (tag === "contact" ? contactLine()
    : tag === "ul" ? h("ul", {}, content.map((x) => h("li", {}, x))) : h(tag, {}, content));
  render(t("statement.title"), crumbs(t("statement.title")), h("h1", {}, t("statement.title")), h("div", { class: "statement" }, t("statement").map(block)));
}

// --------------------------------------------------------------------------------- router

async function route(focus) {
  const raw = location.hash.replace(/^#/, "");
  const at = raw.indexOf("?");
  const path = (at < 0 ? raw : raw.slice(0, at)).split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(at < 0 ? "" : raw.slice(at + 1));
  const param = (name) => query.get(name) ?? undefined;
  const [p, id, view] = path;
  // While a view is fetched and built, <main> says so (what a test of the page waits for too).
  main.setAttribute("aria-busy", "true");
  try {
    if (path.length === 0) await policiesView();
    else if (path.length === 1 && p === "accessibilite") statementView();
    else if (p === "p" && view === "v" && path.length === 4) {
      await versionView(id, path[3], { section: param("section"), clause: param("clause") });
    } else if (p === "p" && view === "diff" && path.length === 3) await diffView(id, param("from"), param("to"), param("cases"));
    else if (p === "p" && view === "decide" && path.length === 3) await decideView(id, param("version"), param("input"));
    else if (p === "p" && view === "candidat" && path.length === 3) await candidateView(id, param("version"));
    else render(t("not-found"), h("h1", {}, t("page-not-found")), h("p", {}, h("a", { href: link.home() }, t("back-home"))));
  } catch (err) {
    render(t("error"), crumbs(), h("h1", {}, t("not-loaded")), problemBox(err));
  }
  main.removeAttribute("aria-busy");
  // For screen readers, a new view is announced from its start.
  if (focus) main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", () => route(true));
// The link to the content: the URL's hash routes the page, so it moves the focus by script.
document.querySelector("a.skip")?.addEventListener("click", (e) => { e.preventDefault(); main.focus(); });
route(false);
