//! The policies: the list with versions and load status, one version in full, its input schema.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::decision::Datum;
use crate::model::{CompiledPolicy, Lang, Presence};
use crate::prepared::Prepared;
use crate::server::AppState;
use crate::server::problem::{ApiError, Problem};
use crate::server::store::FileStatus;

/// A version in the list of policies.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    /// The version label.
    pub version: String,
    /// Its effective date; none for a version selected by label only.
    #[schema(format = Date)]
    pub effective_from: Option<String>,
    /// The version it extends.
    pub extends: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// The hash of its sources and its layers'.
    pub sha256: String,
    /// True for the version in force today.
    pub in_force: bool,
    /// True for a draft: put before reviewers, never in force, decided by label only with
    /// `draft=true`.
    pub draft: bool,
}

/// A policy in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySummary {
    /// The policy id.
    pub id: String,
    /// `ok` when every file checks, else `error` (the last good versions are still served).
    pub status: String,
    /// The versions served.
    pub versions: Vec<VersionSummary>,
    /// The load status of each file, with its diagnostics.
    pub files: Vec<FileStatus>,
}

/// The list of policies.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyList {
    /// The policies, by id.
    pub policies: Vec<PolicySummary>,
    /// A digest of the whole set served (every version's sha256 and every file's load status):
    /// two replicas that give the same digest serve the same rules. Decisions carry it in the
    /// `Clausier-Policy-Set` header.
    pub set_digest: String,
}

/// The tag of the list of policies: the served set ([`PolicySet::set_digest`]), today's date
/// (which version is in force) and the diagnostics of the files (which a file still broken,
/// but otherwise, changes without changing its status).
///
/// [`PolicySet::set_digest`]: crate::server::store::PolicySet::set_digest
fn list_etag(set: &crate::server::store::PolicySet, today: chrono::NaiveDate) -> String {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    hasher.update(format!("{}\n{today}\n", set.set_digest()));
    for file in set.policies.values().flat_map(|p| &p.files) {
        for d in &file.diagnostics {
            hasher.update(format!("{}\n{}\n", file.file, d.rendered));
        }
    }
    hex::encode(hasher.finalize())
}

/// The policies with their versions, effective dates and load status.
#[utoipa::path(
    tag = "policies",
    responses(
        (status = 200, description = "The policies (with an `ETag`: a digest of the versions served, the status and diagnostics of their files, and today's date)", body = PolicyList),
        (status = 304, description = "Not modified: the `ETag` given in `If-None-Match` is the list's"),
    )
)]
#[get("/v1/policies")]
pub async fn list(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    let set = state.store.snapshot();
    let today = (state.today)();
    let etag = list_etag(&set, today);
    if crate::server::routes::held(&req, &etag) {
        return crate::server::routes::tagged(HttpResponse::NotModified().finish(), &etag);
    }
    let policies = set
        .policies
        .values()
        .map(|p| {
            // A withheld version in force leaves none of those served in force.
            let in_force = p
                .in_force(today)
                .and_then(Result::ok)
                .map(|v| v.version.clone());
            let mut versions: Vec<VersionSummary> = p
                .compiled()
                .map(|v| VersionSummary {
                    version: v.version.clone(),
                    effective_from: v.effective_from.map(|d| d.to_string()),
                    extends: v.extends.clone(),
                    title: v.title.clone(),
                    sha256: v.sha256.clone(),
                    in_force: in_force.as_deref() == Some(v.version.as_str()),
                    draft: v.draft,
                })
                .collect();
            versions.sort_by(|a, b| {
                (a.effective_from.is_none(), &a.effective_from, &a.version).cmp(&(
                    b.effective_from.is_none(),
                    &b.effective_from,
                    &b.version,
                ))
            });
            let ok = p
                .files
                .iter()
                .all(|f| f.status == crate::server::store::LoadStatus::Ok);
            PolicySummary {
                id: p.id.clone(),
                status: if ok { "ok" } else { "error" }.into(),
                versions,
                files: p.files.clone(),
            }
        })
        .collect();
    let set_digest = set.digest.clone();
    crate::server::routes::tagged(
        HttpResponse::Ok().json(PolicyList {
            policies,
            set_digest,
        }),
        &etag,
    )
}

/// A clause of the regulation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseView {
    /// Its reference.
    pub id: String,
    /// Its section.
    pub section: String,
    /// Its text.
    pub text: String,
    /// Marked `informative`: it sets no rule, so nothing is expected to cite it.
    pub informative: bool,
    /// Why an informative clause sets no rule, when the policy says (`informative "…"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A parameter and its value.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParameterView {
    /// Its name.
    pub name: String,
    /// Its type, as written in policies.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its value (null while no layer sets it), exact as in decisions (`600.00`).
    #[schema(value_type = serde_json::Value)]
    pub value: Datum,
    /// The value as a reviewer reads it (`12 weeks`).
    pub display: Option<String>,
    /// The clauses that set it.
    pub citations: Vec<String>,
    /// The interpretation it rests on (`reading "…"` in the policy), when it states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// Its label in the language asked, when the policy gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A declared input.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputView {
    /// The dotted path.
    pub path: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: String,
    /// `required`, `optional` or `default`.
    pub presence: String,
    /// The default value, when it has one.
    #[schema(value_type = serde_json::Value)]
    pub default: Datum,
    /// The clauses it cites.
    pub citations: Vec<String>,
    /// Its label in the language asked, when the policy gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The question an interview asks for it, when the policy gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Its help text, when the policy gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A value of an enum and its label.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValueLabel {
    /// The value, as decisions give it.
    pub value: String,
    /// Its label in the language asked (the value itself when the policy gives none).
    pub label: String,
}

/// A definition (a named computation the rules use).
#[derive(Debug, Serialize, ToSchema)]
pub struct DefinitionView {
    /// Its name.
    pub name: String,
    /// The type of its result.
    #[serde(rename = "type")]
    pub ty: String,
    /// The clauses it cites.
    pub citations: Vec<String>,
    /// The interpretation it rests on (`reading "…"` in the policy), when it states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// Its text in the policy.
    pub source: String,
}

/// A rule of a conclusion.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    /// Its label.
    pub label: String,
    /// `rule`, `exception` or `member`.
    pub kind: String,
    /// The labels of the rules it overrides directly: those an exception names after `of`; for
    /// a row of a `first` table, the row below it. It overrides in turn what they override.
    pub overrides: Vec<String>,
    /// The clauses it rests on.
    pub citations: Vec<String>,
    /// The interpretation it rests on (`reading "…"` in the policy), when it states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// Its text in the policy.
    pub source: String,
}

/// A conclusion and its rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConclusionView {
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its rules.
    pub rules: Vec<RuleView>,
    /// Its label in the language asked, when the policy gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// For a conclusion whose values are an enum's (alone, optional or in a set): each value
    /// and its label.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueLabel>,
}

/// A source file of the version or of a layer it extends.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceView {
    /// The file's name.
    pub file: String,
    /// Its text.
    pub text: String,
}

/// One version in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    /// The policy id.
    pub id: String,
    /// The version label.
    pub version: String,
    /// Its effective date.
    #[schema(format = Date)]
    pub effective_from: Option<String>,
    /// The version it extends.
    pub extends: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// The legal source.
    pub legal_source: Option<String>,
    /// The hash of its sources.
    pub sha256: String,
    /// True for a draft: never in force, decided by label only with `draft=true`.
    pub draft: bool,
    /// The clauses, in the regulation's order.
    pub clauses: Vec<ClauseView>,
    /// The parameters.
    pub parameters: Vec<ParameterView>,
    /// The declared inputs.
    pub inputs: Vec<InputView>,
    /// The definitions.
    pub definitions: Vec<DefinitionView>,
    /// The conclusions and their rules.
    pub conclusions: Vec<ConclusionView>,
    /// The source text of the version and of its layers (root first).
    pub sources: Vec<SourceView>,
}

/// Each value of the enum a type holds (alone, optional, or in a list or set), with its label.
fn value_labels(p: &CompiledPolicy, ty: &crate::model::Type, lang: Lang) -> Vec<ValueLabel> {
    use crate::model::Type;
    let base = match ty.base() {
        Type::List(e) | Type::Set(e) => e.base(),
        other => other,
    };
    let Type::Enum(e) = base else {
        return Vec::new();
    };
    p.types.enums.get(*e).map_or_else(Vec::new, |en| {
        en.variants
            .iter()
            .enumerate()
            .map(|(v, name)| ValueLabel {
                value: name.clone(),
                label: p.labels.variant(*e, v, lang).unwrap_or(name).to_string(),
            })
            .collect()
    })
}

fn view(p: &CompiledPolicy, lang: Lang) -> VersionView {
    let words = |l: Option<&crate::model::Label>,
                 pick: fn(&crate::model::Label) -> &crate::model::Texts| {
        l.and_then(|l| pick(l).get(lang)).map(str::to_string)
    };
    let clause_ids = |ids: &[usize]| {
        ids.iter()
            .filter_map(|i| p.clauses.get(*i).map(|c| c.id.to_string()))
            .collect::<Vec<_>>()
    };
    VersionView {
        id: p.id.clone(),
        version: p.version.clone(),
        effective_from: p.effective_from.map(|d| d.to_string()),
        extends: p.extends.clone(),
        title: p.title.clone(),
        legal_source: p.source.clone(),
        sha256: p.sha256.clone(),
        draft: p.draft,
        clauses: p
            .clauses
            .iter()
            .map(|c| ClauseView {
                id: c.id.to_string(),
                section: c.section.to_string(),
                text: c.text.to_string(),
                informative: c.informative,
                reason: c.reason.as_deref().map(str::to_string),
            })
            .collect(),
        parameters: p
            .params
            .iter()
            .map(|x| ParameterView {
                name: x.name.clone(),
                ty: p.types.type_name(&x.ty),
                value: x
                    .value
                    .as_ref()
                    .map_or(Datum::Null, |v| Datum::of(&p.types, &x.ty, v)),
                display: x
                    .value
                    .as_ref()
                    .map(|v| crate::eval::explain::render_value(&p.types, Some(&x.ty), v)),
                citations: clause_ids(&x.citations),
                reading: x.reading.as_deref().map(str::to_string),
                label: p
                    .params
                    .iter()
                    .position(|q| q.name == x.name)
                    .and_then(|k| p.labels.param(k, lang))
                    .map(str::to_string),
            })
            .collect(),
        inputs: p
            .inputs
            .iter()
            .enumerate()
            .map(|(slot, i)| {
                let (presence, default) = match &i.presence {
                    Presence::Required => ("required", Datum::Null),
                    Presence::Optional => ("optional", Datum::Null),
                    Presence::Default(v) => ("default", Datum::of(&p.types, &i.ty, v)),
                };
                InputView {
                    path: i.path.clone(),
                    ty: p.types.type_name(&i.ty),
                    presence: presence.into(),
                    default,
                    citations: clause_ids(&i.citations),
                    label: words(p.labels.input_label(slot), |l| &l.label),
                    question: words(p.labels.input_label(slot), |l| &l.question),
                    help: words(p.labels.input_label(slot), |l| &l.help),
                }
            })
            .collect(),
        definitions: p
            .defs
            .iter()
            .map(|d| {
                // From the name to the end of the body: the header, its `per` and the formula.
                let whole = crate::span::Span {
                    end: d.body.span.end,
                    ..d.span
                };
                let text = (d.body.span.file == d.span.file && whole.end > whole.start)
                    .then(|| p.sources.snippet(whole))
                    .filter(|t| !t.is_empty())
                    .unwrap_or(d.name.as_str());
                DefinitionView {
                    name: d.name.clone(),
                    ty: p.types.type_name(&d.ty),
                    citations: clause_ids(&d.citations),
                    reading: d.reading.as_deref().map(str::to_string),
                    source: format!("definition {text}"),
                }
            })
            .collect(),
        conclusions: p
            .conclusions
            .iter()
            .enumerate()
            .map(|(k, c)| ConclusionView {
                name: c.name.clone(),
                ty: p.types.type_name(&c.ty),
                label: p.labels.conclusion(k, lang).map(str::to_string),
                values: value_labels(p, &c.ty, lang),
                rules: c
                    .rules
                    .iter()
                    .map(|r| (r, row_heading(p, c, r)))
                    .map(|(r, heading)| RuleView {
                        label: r.label.to_string(),
                        kind: r.kind.keyword().into(),
                        overrides: r
                            .overrides_directly
                            .iter()
                            .filter_map(|i| c.rules.get(i).map(|o| o.label.to_string()))
                            .collect(),
                        citations: clause_ids(&r.citations),
                        reading: r.reading.as_deref().map(str::to_string),
                        // A row is read under its table's hit policy and columns.
                        source: match heading {
                            Some(h) => format!("{h}\n{}", p.sources.snippet(r.span)),
                            None => p.sources.snippet(r.span).to_string(),
                        },
                    })
                    .collect(),
            })
            .collect(),
        sources: p
            .layer_files
            .iter()
            .filter_map(|f| p.sources.get(*f))
            .map(|f| SourceView {
                file: f
                    .path
                    .as_ref()
                    .and_then(|x| x.file_name())
                    .map_or_else(|| f.name.clone(), |n| n.to_string_lossy().into_owned()),
                text: f.text.clone(),
            })
            .collect(),
    }
}

fn find(state: &AppState, id: &str, label: &str) -> Result<std::sync::Arc<Prepared>, ApiError> {
    let set = state.store.snapshot();
    let selector = crate::server::routes::Selector {
        version: Some(label.to_string()),
        as_of: None,
    };
    // A version withheld for its examples is not served, but a reviewer may read it.
    crate::server::routes::select_version(state, &set, id, &selector).or_else(|e| {
        set.policies
            .get(id)
            .and_then(|p| p.withheld.get(label))
            .cloned()
            .ok_or(e)
    })
}

/// One version: metadata, clauses, parameters, inputs, conclusions with their rules, sources.
#[utoipa::path(
    tag = "policies",
    params(("id" = String, Path, description = "The policy id"), ("version" = String, Path, description = "The version label")),
    responses(
        (status = 200, description = "The version (with an `ETag`: its sha256 and the language)", body = VersionView),
        (status = 304, description = "Not modified: the `ETag` given in `If-None-Match` is the version's"),
        (status = 404, description = "Unknown policy or version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/policies/{id}/versions/{version}")]
pub async fn version_view(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let lang = crate::server::routes::lang_of(&req)?;
    let (id, label) = path.into_inner();
    let policy = find(&state, &id, &label)?;
    // The view is a function of the version's sources and of the language of its labels.
    let etag = format!("{}-{}", policy.sha256, lang.code());
    Ok(crate::server::routes::cached(&req, &etag, || {
        let mut res = HttpResponse::Ok();
        crate::server::routes::in_lang(&mut res, lang);
        res.json(view(&policy, lang))
    }))
}

/// The JSON Schema (draft 2020-12) of the input the version declares.
#[utoipa::path(
    tag = "policies",
    params(("id" = String, Path, description = "The policy id"), ("version" = String, Path, description = "The version label")),
    responses(
        (status = 200, description = "The JSON Schema of the input (with an `ETag`: the version's sha256)", body = Object, content_type = "application/schema+json"),
        (status = 304, description = "Not modified: the `ETag` given in `If-None-Match` is the version's"),
        (status = 404, description = "Unknown policy or version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/policies/{id}/versions/{version}/schema")]
pub async fn schema(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    schema_answer(&state, &req, path, |policy| {
        crate::json::json_schema(policy)
    })
}

/// A JSON Schema of a version (`schema` of its policy), revalidated by the version's sha256.
fn schema_answer(
    state: &AppState,
    req: &actix_web::HttpRequest,
    path: web::Path<(String, String)>,
    build: impl FnOnce(&Prepared) -> serde_json::Value,
) -> Result<HttpResponse, ApiError> {
    let (id, label) = path.into_inner();
    let policy = find(state, &id, &label)?;
    Ok(crate::server::routes::cached(req, &policy.sha256, || {
        HttpResponse::Ok()
            .content_type("application/schema+json")
            .json(build(&policy))
    }))
}

/// The conclusions a decision schema is asked for.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionSchemaQuery {
    /// The conclusions the decisions are asked for, by name, separated by commas (as a
    /// request's `conclusions`): the schema then names these alone, each required. Default:
    /// every conclusion, each required.
    pub conclusions: Option<String>,
}

/// The JSON Schema (draft 2020-12) of the decisions the version gives: every conclusion named
/// and required, its value typed; with `conclusions`, the schema of decisions asked for those.
#[utoipa::path(
    tag = "policies",
    params(("id" = String, Path, description = "The policy id"), ("version" = String, Path, description = "The version label"), DecisionSchemaQuery),
    responses(
        (status = 200, description = "The JSON Schema of a decision under this version: the `Decision` of this document, with each conclusion of the version named and required and its `value` typed (enum values, units, dates; `null` unless decided). A decision asked for some `conclusions` holds those alone: its schema is asked with the same `conclusions`, which names them alone, each required (one schema per set of conclusions a client asks for, so that a client generator types every field it receives as present). With an `ETag`: the version's sha256 (and the conclusions asked)", body = Object, content_type = "application/schema+json"),
        (status = 304, description = "Not modified: the `ETag` given in `If-None-Match` is the version's"),
        (status = 404, description = "Unknown policy or version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`conclusions` names a conclusion the version does not declare (or none)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/policies/{id}/versions/{version}/decision-schema")]
pub async fn decision_schema(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<DecisionSchemaQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(names) = query.into_inner().conclusions else {
        return schema_answer(&state, &req, path, |policy| {
            crate::json::decision_schema(policy, &DECISION_DEFS, None)
        });
    };
    let (id, label) = path.into_inner();
    let policy = find(&state, &id, &label)?;
    let only =
        crate::request::conclusions(&policy, &crate::request::names_in(&names), "conclusions")?;
    let asked: Vec<String> = only.iter().map(usize::to_string).collect();
    let etag = format!("{}-{}", policy.sha256, asked.join("."));
    Ok(crate::server::routes::cached(&req, &etag, || {
        HttpResponse::Ok()
            .content_type("application/schema+json")
            .json(crate::json::decision_schema(
                &policy,
                &DECISION_DEFS,
                Some(&only),
            ))
    }))
}

/// The schemas of this document that a decision is made of (`Decision` and those it refers
/// to), their references rewritten for a standalone JSON Schema's `$defs`.
static DECISION_DEFS: std::sync::LazyLock<serde_json::Map<String, serde_json::Value>> =
    std::sync::LazyLock::new(|| {
        let api = serde_json::to_value(crate::server::openapi()).unwrap_or_default();
        let all = api
            .pointer("/components/schemas")
            .and_then(serde_json::Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut defs = serde_json::Map::new();
        let mut todo = vec!["Decision".to_string()];
        while let Some(name) = todo.pop() {
            if defs.contains_key(&name) {
                continue;
            }
            let Some(found) = all.get(&name) else {
                continue;
            };
            let text = serde_json::to_string(found)
                .unwrap_or_default()
                .replace("#/components/schemas/", "#/$defs/");
            todo.extend(
                text.split("#/$defs/")
                    .skip(1)
                    .filter_map(|rest| rest.split('"').next())
                    .map(str::to_string),
            );
            defs.insert(name, serde_json::from_str(&text).unwrap_or_default());
        }
        defs
    });

/// For a row of a decision table, the table's hit policy and columns on one line
/// (`table first | foyer.revenu | …`); none for a rule.
fn row_heading(
    p: &CompiledPolicy,
    c: &crate::model::ConclusionInfo,
    r: &crate::model::RuleInfo,
) -> Option<String> {
    if r.kind != crate::ast::RuleKind::Row {
        return None;
    }
    let decl = p
        .merged
        .conclusions
        .iter()
        .find(|d| d.name.node == c.name)?;
    decl.table.as_ref().map(crate::diff::source::table_heading)
}
