//! `clausier publish`: a draft becomes a rule in force, once the folder checks and its examples
//! pass with it published.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clausier::load::{PolicyFolder, check_texts, read_texts, write_atomically};

use crate::cli::{FINDINGS, OK, TROUBLE, color};

/// Arguments of `clausier publish`.
#[derive(clap::Args, Debug)]
pub(crate) struct PublishArgs {
    /// The policy's folder (`policies/bts-metiers-de-la-mesure`).
    dir: PathBuf,
    /// The draft's version label (`session-2028`).
    label: String,
    /// Publish although some examples fail with the draft published (the failures are
    /// printed): the publisher answers for them.
    #[arg(long)]
    accept_failing_examples: bool,
}

/// Why a draft was not published.
enum Refusal {
    /// The folder, the label or a file could not be used (exit 2).
    Trouble(String),
    /// The folder fails the check, or examples fail, with the draft published (exit 1).
    Findings,
}

pub(crate) fn run(args: &PublishArgs) -> u8 {
    match publish(args) {
        Ok(message) => {
            outln!("{message}");
            OK
        }
        Err(Refusal::Trouble(e)) => {
            eprintln!("error: {e}");
            TROUBLE
        }
        Err(Refusal::Findings) => FINDINGS,
    }
}

fn publish(args: &PublishArgs) -> Result<String, Refusal> {
    let trouble = |e: String| Refusal::Trouble(e);
    let mut texts = read_texts(&args.dir).map_err(|e| trouble(e.to_string()))?;
    let mine = texts.iter().position(|(_, _, text)| {
        clausier::syntax::header_labels(text).is_some_and(|(v, _)| v == args.label)
    });
    let Some(mine) = mine else {
        return Err(trouble(format!(
            "{} has no version `{}`",
            args.dir.display(),
            args.label
        )));
    };
    let Some((_, Some(path), text)) = texts.get(mine).cloned() else {
        return Err(trouble(format!("version `{}` has no file", args.label)));
    };
    let Some(published) = without_draft(&text) else {
        if let Err(diagnostics) = clausier::syntax::parse(clausier::span::FileId::default(), &text)
        {
            let message = diagnostics
                .first()
                .map_or_else(String::new, |d| d.message.clone());
            return Err(trouble(format!(
                "{} does not parse ({message}): run `clausier check`",
                path.display()
            )));
        }
        return Ok(format!(
            "version `{}` is not a draft: nothing to publish",
            args.label
        ));
    };
    // What each version is before the publication, to tell the versions it changes.
    let before: HashMap<String, String> = check_texts(args.dir.clone(), texts.clone())
        .compiled()
        .map(|v| (v.version.clone(), v.sha256.clone()))
        .collect();
    if let Some(slot) = texts.get_mut(mine) {
        slot.2.clone_from(&published);
    }
    // The folder as it will be once published: checked, then its examples run.
    let folder = check_texts(args.dir.clone(), texts);
    let mut refused = false;
    for d in folder.all_diagnostics().filter(|d| d.is_error()) {
        eprintln!("{}", d.render(&folder.sources, color()));
        refused = true;
    }
    if refused {
        eprintln!(
            "error: not published: the folder fails the check with `{}` published",
            args.label
        );
        return Err(Refusal::Findings);
    }
    let refused = clausier::gate::refused_changes(&folder, &before);
    if !refused.is_empty() {
        let count: usize = refused.values().map(Vec::len).sum();
        for f in refused.values().flatten() {
            eprintln!("{f}");
        }
        if !args.accept_failing_examples {
            eprintln!(
                "error: not published: {count} example(s) fail with `{}` published (fix them, or publish with --accept-failing-examples)",
                args.label
            );
            return Err(Refusal::Findings);
        }
        eprintln!("warning: {count} example(s) fail; published anyway (--accept-failing-examples)");
        // The acceptance first, kept beside the files for these texts alone: the service
        // serves them.
        let by = std::env::var("USER").map_or_else(
            |_| "clausier publish".to_string(),
            |user| format!("clausier publish ({user})"),
        );
        clausier::gate::accept_refused(&folder, &refused, &by).map_err(|e| {
            trouble(format!(
                "{}: {e}",
                args.dir.join(clausier::gate::ACCEPTED).display()
            ))
        })?;
    }
    write_atomically(&path, &published).map_err(|e| trouble(format!("{}: {e}", path.display())))?;
    Ok(in_force_message(&folder, &args.label, &path))
}

/// What the publication did: from when the version is in force.
fn in_force_message(folder: &PolicyFolder, label: &str, path: &Path) -> String {
    let from = folder.version(label).and_then(|v| v.effective_from);
    match from {
        Some(date) => format!(
            "published `{label}` ({}): in force from {date}",
            path.display()
        ),
        None => format!(
            "published `{label}` ({}): it has no effective date, so only a request that names it uses it",
            path.display()
        ),
    }
}

/// `text` without its header's `draft` line (or word); none when it declares no draft.
pub(crate) fn without_draft(text: &str) -> Option<String> {
    let draft = clausier::syntax::header_draft(text)?;
    let (start, end) = (draft.start, draft.end);
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text
        .get(end..)?
        .find('\n')
        .map_or(text.len(), |i| end + i + 1);
    let before = text.get(line_start..start)?;
    let after = text.get(end..line_end)?;
    // Alone on its line (a comment may follow): the line goes; else the word and a space.
    let alone = before.trim().is_empty()
        && (after.trim().is_empty() || after.trim_start().starts_with('#'));
    let mut out = String::with_capacity(text.len());
    if alone {
        out.push_str(text.get(..line_start)?);
        out.push_str(text.get(line_end..)?);
    } else {
        out.push_str(text.get(..start)?.trim_end_matches([' ', '\t']));
        out.push_str(text.get(end..)?);
    }
    Some(out)
}
