//! `clausier fmt`: the canonical layout, written only when it provably keeps the meaning.

use std::path::{Path, PathBuf};

use crate::cli::{FINDINGS, OK, TROUBLE, color};
use clausier::span::SourceMap;

pub(crate) fn run(paths: &[PathBuf], check: bool) -> u8 {
    let mut files = Vec::new();
    for p in paths {
        if let Err(e) = collect(p, &mut files) {
            eprintln!("error: {}: {e}", p.display());
            return TROUBLE;
        }
    }
    let mut code = OK;
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                return TROUBLE;
            }
        };
        let mut sources = SourceMap::new();
        let id = sources.add(file.display().to_string(), Some(file.clone()), text.clone());
        match clausier::format::format_source(id, &text) {
            Ok(formatted) if formatted == text => {}
            Ok(_) if check => {
                outln!("would reformat {}", file.display());
                code = FINDINGS;
            }
            Ok(formatted) => {
                if let Err(e) = std::fs::write(&file, formatted) {
                    eprintln!("error: {}: {e}", file.display());
                    return TROUBLE;
                }
                outln!("formatted {}", file.display());
            }
            Err(diags) => {
                for d in diags {
                    eprintln!("{}", d.render(&sources, color()));
                }
                code = FINDINGS;
            }
        }
    }
    code
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "policy") {
            out.push(e);
        }
    }
    Ok(())
}
