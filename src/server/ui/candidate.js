// The candidate page of clausier: a guided interview that asks, in the policy's words, only the
// questions whose answers can still change the decision, then a printable decision report.
// It uses the helpers of app.js (h, api, render, crumbs, badge, code, enc, link…) and the words
// of words.js (t, dateWords).
//
//   #/p/{id}/candidat?version=V         the questionnaire, then the report
"use strict";

/** Sets `value` at a dotted `path` of `record` (`report.pages` → `{report: {pages}}`). */
function setAt(record, path, value) {
  const keys = path.split(".");
  let at = record;
  for (const key of keys.slice(0, -1)) at = at[key] ??= {};
  at[keys[keys.length - 1]] = value;
}

/** Removes the value at a dotted `path`, and the groups it leaves empty. */
function removeAt(record, path) {
  const keys = path.split(".");
  const chain = [record];
  for (const key of keys.slice(0, -1)) {
    const next = chain[chain.length - 1][key];
    if (typeof next !== "object" || next === null) return;
    chain.push(next);
  }
  delete chain[chain.length - 1][keys[keys.length - 1]];
  for (let i = chain.length - 1; i > 0; i--) {
    if (Object.keys(chain[i]).length === 0) delete chain[i - 1][keys[i - 1]];
  }
}

const unit = (name) => t("units")[name] || name;
const yesNo = (b) => t(b ? "yes" : "no");
// A decimal point in English, a comma in French.
const numberWords = (n) => (LANG === "fr" ? String(n).replace(".", ",") : String(n));

/** An answer in words, by the question's type. */
function answerWords(type, value) {
  if (value === null) return t("nil");
  switch (type.kind) {
    case "boolean": return yesNo(value);
    case "enum": return (type.values.find((c) => c.value === value) || { label: value }).label;
    case "date": return dateWords(value);
    case "integer": case "decimal": return `${numberWords(value)}${type.unit ? ` ${unit(type.unit)}` : ""}`;
    case "list": case "set":
      if (!value.length) return t("no-item");
      if (type.element.kind === "record") return t("items", value.length);
      return value.map((v) => answerWords(type.element, v)).join(", ");
    default: return String(value);
  }
}

/** A form control for one value of `type`, named `name`; `read()` gives its value or throws. */
function control(type, name, label, initial) {
  const id = `f-${slug(name)}`;
  const wrap = (input, extra) => ({ node: h("span", { class: "control" }, input, extra || ""), read: () => input.read(), id });
  switch (type.kind) {
    case "boolean": {
      const group = h("span", { class: "choices", role: "radiogroup", "aria-label": label },
        [true, false].map((b) => h("label", {}, h("input", { type: "radio", name: id, value: String(b), checked: initial === b }), ` ${yesNo(b)}`)));
      return { node: group, id, read: () => {
        const on = group.querySelector("input:checked");
        if (!on) throw new Error(t("ask.yes-no"));
        return on.value === "true";
      } };
    }
    case "enum": {
      const group = h("span", { class: "choices", role: "radiogroup", "aria-label": label },
        type.values.map((c) => h("label", {}, h("input", { type: "radio", name: id, value: c.value, checked: initial === c.value }), ` ${c.label}`)));
      return { node: group, id, read: () => {
        const on = group.querySelector("input:checked");
        if (!on) throw new Error(t("ask.choice"));
        return on.value;
      } };
    }
    case "integer": case "decimal": {
      const input = h("input", { id, type: "number", step: type.kind === "integer" ? "1" : "any", min: "0", value: initial ?? "" });
      return { node: h("span", { class: "control" }, input, type.unit ? ` ${unit(type.unit)}` : ""), id, read: () => {
        if (input.value === "") throw new Error(t("ask.number"));
        const n = Number(input.value);
        if (!Number.isFinite(n) || (type.kind === "integer" && !Number.isInteger(n))) throw new Error(t("bad-number"));
        return n;
      } };
    }
    case "date": {
      const input = h("input", { id, type: "date", value: initial ?? "" });
      return wrap(Object.assign(input, { read: () => { if (!input.value) throw new Error(t("ask.date")); return input.value; } }));
    }
    case "list": case "set":
      return type.element.kind === "record" ? recordList(type.element, name, label, initial || [])
        : enumList(type.element, name, label, initial || []);
    default: {
      const input = h("input", { id, type: "text", value: initial ?? "" });
      return wrap(Object.assign(input, { read: () => input.value }));
    }
  }
}

/** Check boxes for a list of enum values. */
function enumList(element, name, label, initial) {
  const id = `f-${slug(name)}`;
  const values = element.kind === "enum" ? element.values : [];
  const group = h("span", { class: "choices", role: "group", "aria-label": label },
    values.map((c) => h("label", {}, h("input", { type: "checkbox", name: id, value: c.value, checked: initial.includes(c.value) }), ` ${c.label}`)));
  return { node: group, id, read: () => [...group.querySelectorAll("input:checked")].map((i) => i.value) };
}

/** A list of records (periods, jobs): one fieldset per element, with « Ajouter » and « Retirer ». */
function recordList(record, name, label, initial) {
  const id = `f-${slug(name)}`;
  const items = h("div", { class: "items" });
  const entries = [];
  const add = (value) => {
    const n = entries.length + 1;
    const fields = record.fields.map((f) => {
      const c = f.optional || f.default !== undefined
        ? optionalControl(f, `${name}-${n}-${f.name}`, value?.[f.name])
        : control(f.type, `${name}-${n}-${f.name}`, f.label, value?.[f.name]);
      return { f, c };
    });
    const set = h("fieldset", { class: "item" }, h("legend", {}, t("item.legend", capital(label), n)),
      fields.map(({ f, c }) => h("p", { "data-field": f.name }, h("label", { for: c.id }, `${capital(f.label)} `), c.node)));
    const entry = { set, fields };
    set.append(h("p", {}, h("button", { type: "button", class: "secondary", "data-action": "remove", onclick: () => {
      entries.splice(entries.indexOf(entry), 1);
      set.remove();
    } }, t("remove"))));
    entries.push(entry);
    items.append(set);
  };
  initial.forEach(add);
  const node = h("div", { class: "records", id }, items,
    h("p", {}, h("button", { type: "button", class: "secondary", "data-action": "add", onclick: () => add() }, t("add", label))));
  return { node, id, read: () => entries.map(({ fields }) => {
    const out = {};
    for (const { f, c } of fields) {
      const v = c.read();
      if (v !== undefined) out[f.name] = v;
    }
    return out;
  }) };
}

/** A field that may be left out: left blank, it takes its default (or none). */
function optionalControl(field, name, initial) {
  if (field.type.kind === "boolean") {
    const id = `f-${slug(name)}`;
    const box = h("input", { id, type: "checkbox", checked: initial ?? field.default ?? false });
    return { node: box, id, read: () => box.checked };
  }
  const inner = control(field.type, name, field.label, initial);
  return { ...inner, read: () => {
    try {
      const v = inner.read();
      return v === "" ? undefined : v;
    } catch { return undefined; }
  } };
}

const capital = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);
/** A question's label as a heading: capitalised, unless it is the bare path (no label in the
 * page's language), which is shown as written. */
const heading = (q) => (q.label === q.path ? q.label : capital(q.label));

/** One question as a fieldset: its words, its control, and « Valider » / « Je ne sais pas ».
 * Every answer is given with « Valider »: choosing with the arrow keys changes nothing else
 * (RGAA 7.4). A wrong answer marks the control invalid, described by the message. */
function questionBox(q, answer, cannot) {
  const c = control(q.type, q.path, q.label);
  const error = h("p", { class: "field-error", role: "alert", id: `${c.id}-error` });
  const single = !["boolean", "enum", "list", "set"].includes(q.type.kind);
  // What is marked invalid: the field, or the group of choices (a list of records is not one).
  const field = single ? c.node.querySelector("input") : c.node.matches("[role]") ? c.node : null;
  // A number, a date or a text is named by the question itself.
  const legendId = `${c.id}-legend`;
  if (single && field) field.setAttribute("aria-labelledby", legendId);
  const submit = (value) => { error.textContent = ""; if (field) markInvalid(field, null); answer(q.path, value); };
  const validate = () => {
    try {
      submit(c.read());
    } catch (err) {
      error.textContent = err.message;
      if (field) markInvalid(field, error.id);
    }
  };
  return h("fieldset", { class: "question", id: `q-${slug(q.path)}`, "data-path": q.path, "data-kind": q.type.kind },
    h("legend", { id: legendId }, q.question || t("question-mark", heading(q))),
    q.help && h("p", { class: "help" }, q.help),
    h("div", { class: "answer" }, c.node),
    error,
    h("p", { class: "actions" },
      h("button", { type: "button", "data-action": "validate", onclick: validate }, t("validate")),
      q.optional && h("button", { type: "button", class: "secondary", "data-action": "none", onclick: () => submit(null) }, t("not-applicable")),
      h("button", { type: "button", class: "secondary", "data-action": "unknown", onclick: () => cannot(q.path) }, t("dont-know"))),
    q.clauses.length > 0 && h("p", { class: "muted why" }, t("asked-under"),
      q.clauses.map((cl, i) => [i ? ", " : "", t("clause.lower", cl)])));
}

async function candidateView(id, version) {
  const policy = await findPolicy(id);
  const chosen = version || defaultVersion(policy);
  const view = await api(`../v1/policies/${enc(id)}/versions/${enc(chosen)}`);
  const record = {};
  const unknown = [];
  const asked = new Map(); // path → the question, for the answers' words
  const answers = h("section", { id: "answers", "aria-labelledby": "answers-title" });
  // Each new round moves the focus to its first question, which is then read out.
  const questions = h("section", { id: "questions", "aria-labelledby": "questions-title" });
  const report = h("div", { id: "report" });

  const answer = (path, value) => { setAt(record, path, value); step(); };
  const cannot = (path) => { if (!unknown.includes(path)) unknown.push(path); step(); };
  const change = (path) => {
    removeAt(record, path);
    const at = unknown.indexOf(path);
    if (at >= 0) unknown.splice(at, 1);
    step();
  };

  const showAnswers = () => {
    const given = [...asked.values()].filter((q) => unknown.includes(q.path) || hasAt(record, q.path));
    answers.replaceChildren(h("h2", { id: "answers-title" }, t("answers.title")),
      given.length === 0 ? h("p", { class: "muted" }, t("answers.none"))
        : h("dl", { class: "given" }, given.map((q) => [
          h("dt", {}, heading(q)),
          h("dd", {}, unknown.includes(q.path) ? h("em", {}, t("unknown")) : answerWords(q.type, getAt(record, q.path)), " ",
            h("button", { type: "button", class: "link", onclick: () => change(q.path), "aria-label": t("change.label", q.label) }, t("change"))),
        ])));
  };

  // Each round of the interview, and the report, are marked on <main>: what a script that
  // fills the form (or a test) waits for.
  let rounds = 0;
  // Answers given quickly start several rounds at once: only the latest one's reply is shown,
  // and a report is shown only if no answer came after it was asked for.
  let latest = 0;
  async function step() {
    const mine = ++latest;
    report.replaceChildren();
    delete main.dataset.report;
    let interview;
    try {
      interview = await api(`../v1/policies/${enc(id)}/interview`, { method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ version: chosen, input: record, unknown }) });
    } catch (err) {
      if (mine !== latest) return;
      questions.replaceChildren(problemBox(err));
      main.dataset.round = String(++rounds);
      return;
    }
    if (mine !== latest) return;
    for (const q of interview.questions) asked.set(q.path, q);
    showAnswers();
    if (interview.done) {
      questions.replaceChildren(h("h2", { id: "questions-title" }, t("questions")),
        h("p", {}, t("questions.done")));
      await decide();
    } else {
      questions.replaceChildren(h("h2", { id: "questions-title" }, t("questions")),
        h("p", { class: "muted" }, t("questions.left", interview.questions.length)),
        ...interview.questions.map((q) => questionBox(q, answer, cannot)),
        h("p", {}, h("button", { type: "button", class: "secondary", "data-action": "decide", onclick: decide }, t("decide-now"))));
      questions.querySelector("input, button")?.focus();
    }
    main.dataset.round = String(++rounds);
  }

  async function decide() {
    const mine = latest;
    report.replaceChildren(h("p", { class: "loading" }, t("deciding")));
    try {
      const d = await api(`../v1/policies/${enc(id)}/decisions`, { method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ version: chosen, input: record, words: true, hints: "favourable" }) });
      if (mine !== latest) return;
      report.replaceChildren(reportView(d, view));
      // The focus moves to the report, as it would to a new page.
      document.getElementById("report-title").focus();
      main.dataset.report = d.decision_id;
    } catch (err) {
      if (mine !== latest) return;
      report.replaceChildren(problemBox(err));
      main.dataset.report = "error";
    }
  }

  render(t("candidate.title", id),
    crumbs(id, t("candidate.crumb")),
    h("h1", {}, t("candidate.title", view.title || id)),
    h("p", { class: "lead" }, t("version-of", view.version), view.effective_from ? t("in-force-from-comma", dateWords(view.effective_from)) : "",
      t("candidate.lead"),
      h("a", { href: link.decide(id, chosen) }, t("expert-mode"))),
    h("div", { class: "interview" }, questions, answers),
    report);
  await step();
}

function getAt(record, path) {
  return path.split(".").reduce((at, key) => (at == null ? undefined : at[key]), record);
}
const hasAt = (record, path) => getAt(record, path) !== undefined;

/** A conclusion in one sentence: the service's, or its name and value. */
const sentence = (name, c) => c.text || `${name} = ${showResult(c)}`;

/** The decision report: each conclusion as a sentence, why, the clauses quoted, what would change it. */
function reportView(d, view) {
  const labels = new Map(view.conclusions.map((c) => [c.name, c]));
  const entries = Object.entries(d.conclusions);
  return h("section", { class: "report", "aria-labelledby": "report-title" },
    h("h2", { id: "report-title", tabindex: "-1" }, t("report.title")),
    h("p", { class: "meta" }, view.title || d.policy.id, h("br"),
      `${t("version")} `, code(d.policy.version), d.policy.effective_from ? t("in-force-from-comma", dateWords(d.policy.effective_from)) : "",
      h("br"), t("report.hash"), code(d.policy.sha256),
      h("br"), t("report.decision"), code(d.decision_id), t("report.made-on", dateWords(today()))),
    h("p", { class: "no-print" }, h("button", { type: "button", onclick: () => window.print() }, t("report.print"))),
    h("h3", {}, t("report.brief")),
    h("ul", { class: "brief-list" }, entries.map(([name, c]) => h("li", {},
      jumpLink(`r-${slug(name)}`, sentence(name, c)),
      c.hints?.length > 0 ? h("span", { class: "muted" }, t("report.see-hints")) : ""))),
    entries.map(([name, c]) => {
      const words = labels.get(name);
      return h("article", { class: `conclusion ${c.status}`, id: `r-${slug(name)}`, "aria-label": capital(words?.label || name) },
        h("h3", {}, sentence(name, c), " ", badge(STATUS_KIND[c.status] || "warn", statusWords(c.status))),
        c.because?.length > 0 && h("div", {}, h("h4", {}, t("report.reasons")), h("ul", {}, c.because.map((b) => h("li", {}, b)))),
        interpretations(c),
        (c.citations || []).length > 0 && h("div", {}, h("h4", {}, t("report.clauses")),
          c.citations.map((q) => h("blockquote", { class: "quote" }, h("p", { class: "cite" }, t("clause-section", q.clause, q.section),
            q.via ? ` — ${viaWords(q.via)}` : ""), h("p", {}, q.text)))),
        c.hints?.length > 0 && h("div", { class: "hints" }, h("h4", {}, t("report.hints")),
          h("ul", {}, c.hints.map((x) => h("li", {}, x.text, x.clauses.length ? h("span", { class: "muted" }, t("clauses", x.clauses.join(", "))) : "")))));
    }));
}
