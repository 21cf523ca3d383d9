//! `clausier new-version`: the layer of a new session, ready to fill.

use std::path::PathBuf;

use clausier::ast::{ItemKind, Override};
use clausier::load::PolicyFolder;
use clausier::model::CompiledPolicy;

use crate::cli::{OK, TROUBLE};

/// Arguments of `clausier new-version`.
#[derive(clap::Args, Debug)]
pub(crate) struct NewVersionArgs {
    /// The policy's folder (`policies/bts-metiers-de-la-mesure`).
    dir: PathBuf,
    /// The new version's label (`session-2028`); its file is `LABEL.policy`.
    label: String,
    /// The day it takes effect (YYYY-MM-DD).
    #[arg(long)]
    effective_from: chrono::NaiveDate,
    /// The version it is a layer over. Default: the one the latest dated version extends (a
    /// new session over the same annex as the last), or that version itself when it extends
    /// none.
    #[arg(long)]
    extends: Option<String>,
}

pub(crate) fn run(args: &NewVersionArgs) -> u8 {
    match write(args) {
        Ok(path) => {
            outln!(
                "wrote {}: fill in the parameters it lists (remove the `#`), then run `clausier check` and `clausier test`",
                path.display()
            );
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            TROUBLE
        }
    }
}

fn write(args: &NewVersionArgs) -> Result<PathBuf, String> {
    let folder = clausier::load::load_folder(&args.dir).map_err(|e| e.to_string())?;
    let label = args.label.trim();
    let valid = !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(format!(
            "`{label}` is not a version label: letters, digits, `-`, `_` and `.` only"
        ));
    }
    let path = args.dir.join(format!("{label}.policy"));
    if path.exists() || folder.files.iter().any(|f| f.version() == label) {
        return Err(format!(
            "{} already has a version `{label}`",
            args.dir.display()
        ));
    }
    let versions: Vec<&CompiledPolicy> = folder.compiled().map(|p| &**p).collect();
    if let Some(same) = versions
        .iter()
        .find(|v| v.effective_from == Some(args.effective_from))
    {
        return Err(format!(
            "`{}` already takes effect on {}: two versions of a policy cannot (a copied date?)",
            same.version, args.effective_from
        ));
    }
    let latest = versions
        .iter()
        .filter(|v| v.effective_from.is_some())
        .max_by_key(|v| v.effective_from);
    let base_label = match (&args.extends, latest) {
        (Some(label), _) => label.clone(),
        (None, Some(latest)) => latest
            .extends
            .clone()
            .unwrap_or_else(|| latest.version.clone()),
        (None, None) => {
            return Err(format!(
                "{} has no dated version to start from: name one with --extends",
                args.dir.display()
            ));
        }
    };
    let base = versions
        .iter()
        .find(|v| v.version == base_label)
        .ok_or_else(|| {
            format!(
                "no version `{base_label}` checks in {}: fix it first (`clausier check`)",
                args.dir.display()
            )
        })?;
    // The last session over the same base: what sessions set, to review.
    let previous = latest.filter(|l| l.extends.as_deref() == Some(base_label.as_str()));
    let text = layer_text(&folder, base, previous, label, args.effective_from);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The text of the new layer over `base`.
fn layer_text(
    folder: &PolicyFolder,
    base: &CompiledPolicy,
    previous: Option<&&CompiledPolicy>,
    label: &str,
    effective_from: chrono::NaiveDate,
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# {id}, {label}: a layer over `{base}`.\n#\n\
         # Fill in each parameter below (remove the `#` and write its value), then run\n\
         # `clausier check` (it names the parameters still unset) and `clausier test`.\n\
         # While the line `draft` stands below, this version is a draft: checked, tested and\n\
         # diffed, never in force. `clausier publish {dir} {label}` removes it once\n\
         # the examples pass.\n",
        id = base.id,
        base = base.version,
        dir = folder.dir.display(),
    ));
    out.push_str(&format!("policy {}\n", base.id));
    out.push_str(&format!("version \"{label}\"\n"));
    out.push_str("draft\n");
    out.push_str(&format!("effective from {effective_from}\n"));
    out.push_str(&format!("extends \"{}\"\n", base.version));
    if let Some(title) = &base.title {
        let title = format!("{title}, {label}").replace('"', "'");
        if title.len() <= 88 {
            out.push_str(&format!("title \"{title}\"\n"));
        }
    }
    let unset: Vec<_> = base.params.iter().filter(|p| p.value.is_none()).collect();
    if !unset.is_empty() {
        out.push_str(&format!(
            "\n# Left unset by `{}`: the session sets them.\n",
            base.version
        ));
        for p in unset {
            let per: Vec<String> = p
                .citations
                .iter()
                .filter_map(|&c| base.clauses.get(c))
                .map(|c| format!("\"{}\"", c.id))
                .collect();
            let per = if per.is_empty() {
                String::new()
            } else {
                format!("    per {}", per.join(", "))
            };
            out.push_str(&format!(
                "# override parameter {} = ?{per}    # {}\n",
                p.name,
                base.types.type_name(&p.ty)
            ));
        }
    }
    if let Some(previous) = previous {
        let lines = overrides_in(folder, &previous.version);
        if !lines.is_empty() {
            out.push_str(&format!(
                "\n# What `{}` set, to review (its value shown):\n",
                previous.version
            ));
            for line in lines {
                out.push_str(&format!("# {line}\n"));
            }
        }
    }
    out
}

/// The `override parameter` lines of the file of version `label`, as written.
fn overrides_in(folder: &PolicyFolder, label: &str) -> Vec<String> {
    let Some(file) = folder.files.iter().find(|f| f.version() == label) else {
        return Vec::new();
    };
    let Some(source) = folder.sources.get(file.file) else {
        return Vec::new();
    };
    file.policy
        .items
        .iter()
        .filter(|i| matches!(&i.kind, ItemKind::Override(o) if matches!(o.as_ref(), Override::Parameter(_))))
        .filter_map(|i| source.text.get(i.span.start..i.span.end))
        .flat_map(|text| text.lines().map(str::trim_end).map(str::to_string))
        .collect()
}
