//! The guided interview: the decision so far on a partial record, and the next questions.

use actix_web::{HttpRequest, HttpResponse, post, web};

use crate::interview::Interview;
use crate::request::InterviewOptions;
use crate::server::AppState;
use crate::server::problem::{ApiError, Problem, parse_json};
use crate::server::routes::{Selector, read_body, select_version};

pub use crate::request::InterviewRequest;

/// The interview on a partial record: the decision so far and the questions whose answers can
/// still change an undetermined wanted conclusion, most decisive first.
///
/// An input left out of `input` is unanswered: it is unknown, even when it has a default or is
/// optional (the default applies only in an ordinary decision); `null` answers an optional
/// input with "none". The inputs listed in `unknown` stay unknown and are never asked. The
/// decision holds the wanted conclusions (`conclusions`, default all): decided whatever the
/// unanswered inputs turn out to be, or undetermined with their missing facts. A question is
/// asked only when its answer can change a wanted conclusion: for a boolean or enum input, some
/// answer must give a wanted conclusion another status or value (under suppositions about other
/// boolean and enum inputs, within a bounded search); an input of another type must be missed by
/// an undetermined wanted conclusion. Questions are ranked by how many undetermined wanted
/// conclusions miss them, then in the policy's declaration order. `done` is true when no wanted
/// conclusion is undetermined or nothing is left to ask. Errors are those of a decision; a name
/// in `conclusions` or `unknown` that the policy does not declare is a 422 whose `errors` point
/// into the request (`/conclusions/0`, `/unknown/1`), the others into `input`.
#[utoipa::path(
    tag = "decisions",
    params(
        ("id" = String, Path, description = "The policy id"),
        crate::server::routes::decisions::LangQuery,
        crate::server::routes::DraftQuery,
        ("Accept-Language" = Option<String>, Header, description = "The language of the questions, labels and `because` lines when `lang` is not given: French unless English is preferred"),
    ),
    request_body(
        content = InterviewRequest,
        example = json!({
            "version": "session-2027",
            "input": { "candidate": { "pathway": "scolaire" } },
            "unknown": ["report.pages"],
            "conclusions": ["e61_admission"]
        })
    ),
    responses(
        (status = 200, description = "The decision so far and the next questions", body = Interview,
         headers(("Clausier-Policy-Set" = String, description = "The digest of the set of policies served when the request was decided (`set_digest` of `GET /v1/policies`)")),
         example = json!({
            "decision": {
                "decision_id": "0b1f0c5e-4a8e-4d53-9d43-3a7f2f3e9c11",
                "policy": { "id": "bts-metiers-de-la-mesure", "version": "session-2027",
                            "effective_from": "2026-09-01", "sha256": "8e3a15a8…" },
                "conclusions": {
                    "e61_admission": { "status": "undetermined", "value": null, "citations": [],
                                       "missing": ["exemption.ground", "internship.certificate_provided"] }
                }
            },
            "questions": [{
                "path": "exemption.ground",
                "type": { "kind": "enum", "name": "exemption_ground",
                          "values": [ { "value": "aucune", "label": "aucune" },
                                      { "value": "vae", "label": "validation des acquis de l'expérience" },
                                      { "value": "autre", "label": "autre motif" } ] },
                "values": [ { "value": "aucune", "label": "aucune" },
                            { "value": "vae", "label": "validation des acquis de l'expérience" },
                            { "value": "autre", "label": "autre motif" } ],
                "label": "motif de dispense de stage",
                "question": "Le candidat bénéficie-t-il d'une dispense de stage, et à quel titre ?",
                "help": "Par exemple au titre de la validation des acquis de l'expérience (3-1).",
                "optional": false,
                "default": "aucune",
                "clauses": ["3-1", "3-2"],
                "conclusions": ["e61_admission"]
            }],
            "done": false
         })),
        (status = 400, description = "Malformed JSON or request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown policy or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version named is a draft and `draft=true` was not given (`draft-version`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The version asked is withheld: its examples fail with its text and no last good text stands in (`version-withheld`)", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive within the body timeout (the connection is closed)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json, or is compressed (`Content-Encoding`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The input does not match the policy's declared inputs, or `conclusions` or `unknown` names what the policy does not declare", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/policies/{id}/interview")]
pub async fn interview(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let lang = crate::server::routes::lang_of(&req)?;
    crate::server::routes::json_only(&req)?;
    let body = read_body(&req, payload, state.limits.body).await?;
    let request: InterviewRequest = parse_json(&body, state.limits.json_depth)?;
    let selector = Selector::parse(request.version, request.as_of)?;
    let set = state.store.snapshot();
    let policy = select_version(&state, &set, &id, &selector)?;
    crate::server::routes::decidable(&req, &policy)?;
    let options = InterviewOptions {
        bounds: state.limits.bounds(),
        decision_id: None,
        conclusions: request.conclusions,
        unknown: request.unknown,
        lang,
    };
    let input = request.input;
    // Several decisions per question: off the async workers.
    let result: Result<Interview, ApiError> = web::block(move || {
        crate::request::interview(&policy, &input, &options).map_err(ApiError::from)
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    let mut res = HttpResponse::Ok();
    crate::server::routes::in_lang(&mut res, lang);
    res.insert_header((
        crate::server::routes::decisions::POLICY_SET,
        set.digest.as_str(),
    ));
    Ok(res.json(result?))
}
