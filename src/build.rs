//! The build script, for the tests alone: the browser tests need Chromium, and a fresh machine
//! may not have it. Without it (and unless `CLAUSIER_BROWSER_TESTS=required`, as in `.ci/run`,
//! where a missing browser fails them), they are compiled as ignored, so that `cargo test`'s
//! summary counts them as ignored and names the reason, rather than passing without running.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(clausier_no_browser)");
    for var in ["CLAUSIER_BROWSER_TESTS", "CLAUSIER_CHROMIUM", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let required = std::env::var("CLAUSIER_BROWSER_TESTS").is_ok_and(|v| v == "required");
    let found = std::env::var_os("CLAUSIER_CHROMIUM").is_some()
        || std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path)
                .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
                .any(|candidate| candidate.is_file())
        });
    if !found && !required {
        println!("cargo::rustc-cfg=clausier_no_browser");
    }
}
