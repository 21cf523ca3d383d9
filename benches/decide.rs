//! The benchmarks of issue 5: clausier against a hand-written Rust function (`native`) and the
//! same rules in Rego on regorus (`regorus`), in one run; the load of the BTS policy; a batch of
//! 100,000 candidates; and the stages of clausier's decision. `benches/README.md` says how to
//! run them and what they measured on the project's machine.
//!
//! Every decision goes from the candidate's JSON bytes to the decision's JSON bytes, trace off,
//! version `session-2027`. The peers are in `peers/`; `tests/integration/peers.rs` asserts that
//! they give the same conclusions as clausier, so that the ratios compare like with like.
//!
//! At the end of a run, a table of the medians and the ratios is printed from criterion's
//! results (`target/criterion/<group>/<function>/new/estimates.json`); an entry that this run did
//! not measure (a filtered run) is marked, and no ratio is computed from it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmarks: a failure aborts the run"
)]

#[path = "peers/cases.rs"]
mod cases;
#[path = "peers/native.rs"]
mod native;
#[path = "peers/rego.rs"]
mod rego;
mod synthetic;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clausier::Lang;
use clausier::load::{PolicyFolder, check_texts, check_texts_after, load_folder, read_texts};
use clausier::prepared::Prepared;
use clausier::request::{self, Options};
use clausier::span::FileId;
use criterion::{BatchSize, Criterion, SamplingMode, Throughput};

/// The binary's allocator (`src/main.rs`), so that the figures are the service's and the
/// command line's; the peers run on it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const POLICY_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/policies/bts-metiers-de-la-mesure"
);
const VERSION: &str = "session-2027";
/// The candidates of `decide_cases`.
const MIX: usize = 1_000;
/// The candidates of `batch`.
const BATCH: usize = 100_000;
/// The sizes of the synthetic policies of `load_scale`, in items.
const SCALES: [usize; 3] = [1_000, 10_000, 100_000];

fn folder() -> PolicyFolder {
    let folder = load_folder(Path::new(POLICY_DIR)).expect("the BTS policy reads");
    assert!(folder.is_ok(), "the BTS policy checks");
    folder
}

/// clausier from bytes to bytes, as the service decides: the one entry point
/// (`request::decide_bytes`: the nesting bound, the facts read from the bytes, the decision
/// without trace), then serialise. In English, where the BTS policy has no labels, `because`
/// reads `name = value`, byte for byte what the hand-written peer writes.
fn clausier_decide(policy: &Prepared, bytes: &[u8]) -> Vec<u8> {
    let options = Options {
        lang: Lang::En,
        ..Options::default()
    };
    let decision = request::decide_bytes(policy, bytes, &options).expect("a valid candidate");
    serde_json::to_vec(&decision).expect("serialisable")
}

fn native_decide(bytes: &[u8]) -> Vec<u8> {
    native::decide(bytes).expect("a valid candidate")
}

/// One typical candidate, the three implementations.
fn decide(c: &mut Criterion) {
    let folder = folder();
    let policy = folder.version(VERSION).unwrap();
    let input = cases::TYPICAL.as_bytes();
    let mut rego = rego::Rego::new();
    let mut group = c.benchmark_group("decide");
    group.throughput(Throughput::Elements(1));
    group.bench_function("clausier", |b| {
        b.iter(|| clausier_decide(policy, black_box(input)))
    });
    group.bench_function("native", |b| b.iter(|| native_decide(black_box(input))));
    group.bench_function("regorus", |b| {
        b.iter(|| rego.decide(black_box(input)).unwrap())
    });
    group.finish();
}

/// The generated mix of 1,000 candidates, the three implementations (one iteration decides
/// them all).
fn decide_cases(c: &mut Criterion) {
    let folder = folder();
    let policy = folder.version(VERSION).unwrap();
    let inputs = cases::mix(MIX);
    let mut rego = rego::Rego::new();
    let mut group = c.benchmark_group("decide_cases");
    group.throughput(Throughput::Elements(MIX as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.bench_function("clausier", |b| {
        b.iter(|| {
            for i in &inputs {
                black_box(clausier_decide(policy, i));
            }
        })
    });
    group.bench_function("native", |b| {
        b.iter(|| {
            for i in &inputs {
                black_box(native_decide(i));
            }
        })
    });
    // About a second per iteration of 1,000 decisions: ten samples.
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("regorus", |b| {
        b.iter(|| {
            for i in &inputs {
                black_box(rego.decide(i).unwrap());
            }
        })
    });
    group.finish();
}

/// Parse, check and compile every version of the BTS policy from texts in memory (`bts`, what
/// the service does at start-up), and one version with the layer it extends.
fn load(c: &mut Criterion) {
    let texts = read_texts(Path::new(POLICY_DIR)).unwrap();
    let checked = check_texts(PathBuf::from(POLICY_DIR), texts.clone());
    assert!(checked.is_ok() && checked.compiled().count() == 4);
    // One version as the service serves it: session-2027 and the annex it extends.
    let one: Vec<_> = texts
        .iter()
        .filter(|(name, _, _)| {
            name.ends_with("annexe-ivb.policy") || name.ends_with("session-2027.policy")
        })
        .cloned()
        .collect();
    assert_eq!(one.len(), 2);
    let mut group = c.benchmark_group("load");
    // pest alone on the four files, each as the loader parses it: the floor under `bts`.
    let files: Vec<String> = texts.iter().map(|(_, _, text)| text.clone()).collect();
    assert!(files.iter().all(|f| clausier::syntax::recognize(f)));
    for (name, texts) in [("bts", texts), ("session-2027", one)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || texts.clone(),
                |texts| check_texts(PathBuf::from(POLICY_DIR), texts),
                BatchSize::SmallInput,
            )
        });
    }
    group.bench_function("pest_bts", |b| {
        b.iter(|| {
            files
                .iter()
                .all(|f| clausier::syntax::recognize(black_box(f)))
        })
    });
    group.finish();
}

/// Parse, check and compile synthetic policies of 1,000, 10,000 and 100,000 items
/// (`synthetic.rs`): the throughput in items per second shows how the cost grows.
fn load_scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_scale");
    group.sampling_mode(SamplingMode::Flat);
    for items in SCALES {
        let text = synthetic::policy(items);
        let texts = vec![("synthetic/v.policy".to_string(), None, text)];
        let checked = check_texts(PathBuf::from("synthetic"), texts.clone());
        assert!(checked.is_ok(), "the synthetic policy checks");
        group.throughput(Throughput::Elements(items as u64));
        if items >= 100_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(20));
        } else {
            group.sample_size(20);
        }
        group.bench_function(items.to_string(), |b| {
            b.iter_batched(
                || texts.clone(),
                |texts| check_texts(PathBuf::from("synthetic"), texts),
                BatchSize::LargeInput,
            )
        });
        // The parse alone (pest and the lowering to the AST), the rest being the check and
        // the compilation: what the pipeline's two halves cost.
        if items == 10_000 {
            let text = &texts[0].2;
            group.bench_function(format!("parse_{items}"), |b| {
                b.iter_with_large_drop(|| clausier::syntax::parse(FileId(0), text))
            });
            // The same file with a stray word in its last tenth: refused, with the diagnostic
            // the file parsed whole gives, found from the refused part on.
            let from = text.len() * 9 / 10;
            let at = from + text[from..].find("\nconclusion ").expect("a conclusion") + 1;
            let line_end = at + text[at..].find('\n').expect("a line end");
            let broken = format!("{} ?? {}", &text[..line_end], &text[line_end..]);
            assert!(clausier::syntax::parse(FileId(0), &broken).is_err());
            group.bench_function(format!("parse_broken_{items}"), |b| {
                b.iter_with_large_drop(|| clausier::syntax::parse(FileId(0), &broken))
            });
        }
        // An interview with nothing answered: every input weighed against the conclusions
        // that read it (benches/README.md, "The tenth round").
        if items == 1_000 {
            let policy = checked.version("v").unwrap();
            let options = clausier::request::InterviewOptions::default();
            let record = serde_json::json!({});
            group.bench_function(format!("interview_{items}"), |b| {
                b.iter(|| clausier::request::interview(policy, black_box(&record), &options))
            });
        }
        // A decision over every conclusion with the hints of each: each hint verified by
        // deciding again what its changes reach, the search bounded by its budget
        // (benches/README.md, "The eleventh round").
        if items == 1_000 || items == 10_000 {
            let policy = checked.version("v").unwrap();
            let options = clausier::request::Options {
                hints: Some(serde_json::from_value(serde_json::json!(true)).unwrap()),
                ..Default::default()
            };
            let record = serde_json::json!({"g0": {"x5": 100_000}});
            let d = clausier::request::decide(policy, &record, &options).unwrap();
            assert!(
                d.conclusions
                    .0
                    .iter()
                    .any(|(_, c)| c.hints.as_ref().is_some_and(|h| !h.is_empty()))
            );
            group.bench_function(format!("hints_{items}"), |b| {
                b.iter(|| clausier::request::decide(policy, black_box(&record), &options))
            });
        }
        // pest alone, on the parts the loader cuts, without the lowering: the floor under
        // the parse (benches/README.md, "The ninth round").
        if items >= 10_000 {
            let text = &texts[0].2;
            assert!(clausier::syntax::recognize(text));
            group.bench_function(format!("pest_{items}"), |b| {
                b.iter(|| clausier::syntax::recognize(black_box(text)))
            });
        }
        if items == 10_000 {
            // Two whole versions compared, a tenth of their parameters changed: what a
            // reviewer's `clausier diff` costs once both are loaded.
            let mut both = texts.clone();
            both.push((
                "synthetic/w.policy".into(),
                None,
                synthetic::version(items, "w", "2027-01-01", Some(10)),
            ));
            let folder = check_texts(PathBuf::from("synthetic"), both);
            let (v, w) = (folder.version("v").unwrap(), folder.version("w").unwrap());
            assert_eq!(
                clausier::diff::diff(v.policy(), w.policy()).changes(),
                items / 10
            );
            group.bench_function(format!("diff_{items}"), |b| {
                b.iter(|| clausier::diff::diff(black_box(v.policy()), black_box(w.policy())))
            });
            // A reload after an authority edits a session layer over the large version: the
            // layer alone is parsed and checked again (the version it extends is taken whole).
            let with_layer = |value: usize| {
                let mut texts = texts.clone();
                texts.push(("synthetic/v2.policy".into(), None, synthetic::layer(value)));
                texts
            };
            let before = check_texts_after(PathBuf::from("synthetic"), with_layer(1), None);
            assert!(before.is_ok(), "the layer checks");
            group.bench_function(format!("reload_{items}"), |b| {
                b.iter_batched(
                    || with_layer(2),
                    |texts| check_texts_after(PathBuf::from("synthetic"), texts, Some(&before)),
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

/// A decision table of thousands of rows ([`synthetic::table`]), checked and compiled, then
/// decided for one code near its end: a `first` table at 1,000 and 10,000 rows (each row
/// overrides every row below it), a `unique` table at 1,000 and 10,000 rows (its rows compared
/// where they can meet) and one of 10,000 ranges of ten codes each, a `first` table of 10,000 brackets decided for a code in every bracket (each row that holds
/// sets aside those below it), and a `collect` table of 10,000 brackets decided for a code in
/// every bracket (every row gives).
fn table_scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("table_scale");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for (hit, rows) in [
        ("first", 1_000),
        ("first", 10_000),
        ("unique", 1_000),
        ("unique", 10_000),
        ("unique_ranges", 10_000),
        ("thresholds", 10_000),
        ("collect_thresholds", 10_000),
    ] {
        let texts = vec![(
            "table/v.policy".to_string(),
            None,
            synthetic::table(rows, hit),
        )];
        let checked = check_texts(PathBuf::from("table"), texts.clone());
        assert!(checked.is_ok(), "the {hit} table of {rows} rows checks");
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(format!("{hit}_{rows}"), |b| {
            b.iter_batched(
                || texts.clone(),
                |texts| check_texts(PathBuf::from("table"), texts),
                BatchSize::LargeInput,
            )
        });
        let policy = checked.version("v").unwrap();
        let code = if hit.ends_with("thresholds") {
            20 * rows
        } else {
            rows - 2
        };
        let input = format!("{{\"a\": {{\"code\": {code}}}}}");
        let options = Options::default();
        group.bench_function(format!("decide_{hit}_{rows}"), |b| {
            b.iter(|| request::decide_bytes(policy, black_box(input.as_bytes()), &options).unwrap())
        });
    }
    group.finish();
}

/// clausier's decision on the typical candidate, stage by stage: `read` (the bytes straight to
/// facts, the path of a valid record), `evaluate`, `decide` (evaluation and texts) and
/// `serialize` add up to about `decide/clausier`; `parse` and `read_facts` are the careful
/// reading through a `serde_json::Value` that an invalid record takes, for its errors.
fn stages(c: &mut Criterion) {
    let folder = folder();
    let policy = folder.version(VERSION).unwrap();
    let input = cases::TYPICAL.as_bytes();
    let json: serde_json::Value = serde_json::from_slice(input).unwrap();
    let facts = clausier::json::read_facts(policy, &json).unwrap();
    let decision = clausier::decision::decide(policy, &facts, "", false, true, Lang::En);
    let mut group = c.benchmark_group("stages");
    let string_len = request::Bounds::default().string_len;
    group.bench_function("read", |b| {
        b.iter(|| clausier::json::direct::read_facts(policy, black_box(input), string_len).unwrap())
    });
    group.bench_function("parse", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(input)).unwrap())
    });
    group.bench_function("read_facts", |b| {
        b.iter(|| clausier::json::read_facts(policy, black_box(&json)).unwrap())
    });
    // The evaluation alone: every conclusion's outcome, without the decision's texts
    // (citations, `because`, labels, values as JSON).
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            let mut ev = clausier::eval::Evaluator::new(policy, black_box(&facts));
            for i in 0..policy.conclusions.len() {
                black_box(ev.conclusion(i));
            }
        })
    });
    group.bench_function("decide", |b| {
        b.iter(|| clausier::decision::decide(policy, black_box(&facts), "", false, true, Lang::En))
    });
    group.bench_function("serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&decision)).unwrap())
    });
    group.finish();
}

/// Decides every input on `threads` threads, each taking a contiguous share.
fn in_threads(inputs: &[Vec<u8>], threads: usize, decide: impl Fn(&[u8]) -> Vec<u8> + Sync) {
    let share = inputs.len().div_ceil(threads);
    std::thread::scope(|s| {
        for chunk in inputs.chunks(share) {
            let decide = &decide;
            s.spawn(move || {
                for i in chunk {
                    black_box(decide(i));
                }
            });
        }
    });
}

/// 100,000 candidates in process (`size`): on one thread, as the service's JSON batch endpoint
/// runs a batch (one blocking task), and split across the machine's cores.
fn batch(c: &mut Criterion, size: usize) {
    let folder = folder();
    let policy = folder.version(VERSION).unwrap();
    // Generated when a benchmark of the group runs, not when a filter leaves them all out.
    let inputs = std::cell::OnceCell::new();
    let inputs = || inputs.get_or_init(|| cases::mix(size)).as_slice();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(size as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("clausier", |b| {
        let inputs = inputs();
        b.iter(|| {
            for i in inputs {
                black_box(clausier_decide(policy, i));
            }
        })
    });
    group.bench_function("clausier_threads", |b| {
        let inputs = inputs();
        b.iter(|| in_threads(inputs, threads, |i| clausier_decide(policy, i)))
    });
    group.bench_function("native", |b| {
        let inputs = inputs();
        b.iter(|| {
            for i in inputs {
                black_box(native_decide(i));
            }
        })
    });
    group.finish();
}

// ------------------------------------------------------------------------------ the table

/// Where criterion writes (its own rule: `CRITERION_HOME`, else `CARGO_TARGET_DIR/criterion`,
/// else `target/criterion` of this package).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
            PathBuf::from,
        )
        .join("criterion")
}

/// The median of one benchmark, in nanoseconds per iteration, if this run measured it.
fn median(group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since);
    if !fresh {
        return None;
    }
    let estimates: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    match ns {
        n if n >= 1e9 => format!("{:.2} s", n / 1e9),
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.2} µs", n / 1e3),
        n => format!("{n:.0} ns"),
    }
}

/// The medians of this run, per decision where it applies, and the ratios of issue 5.
fn table(since: SystemTime) {
    // (group, function, decisions per iteration; 0 for the load)
    let rows: [(&str, &str, usize); 43] = [
        ("decide", "clausier", 1),
        ("decide", "native", 1),
        ("decide", "regorus", 1),
        ("decide_cases", "clausier", MIX),
        ("decide_cases", "native", MIX),
        ("decide_cases", "regorus", MIX),
        ("load", "bts", 0),
        ("load", "session-2027", 0),
        ("load", "pest_bts", 0),
        ("load_scale", "1000", 0),
        ("load_scale", "10000", 0),
        ("load_scale", "100000", 0),
        ("load_scale", "parse_10000", 0),
        ("load_scale", "parse_broken_10000", 0),
        ("load_scale", "pest_10000", 0),
        ("load_scale", "pest_100000", 0),
        ("load_scale", "diff_10000", 0),
        ("load_scale", "interview_1000", 0),
        ("load_scale", "hints_1000", 1),
        ("load_scale", "hints_10000", 1),
        ("table_scale", "first_1000", 0),
        ("table_scale", "first_10000", 0),
        ("table_scale", "unique_1000", 0),
        ("table_scale", "decide_first_1000", 1),
        ("table_scale", "decide_first_10000", 1),
        ("table_scale", "decide_unique_1000", 1),
        ("table_scale", "unique_10000", 0),
        ("table_scale", "decide_unique_10000", 1),
        ("table_scale", "unique_ranges_10000", 0),
        ("table_scale", "decide_unique_ranges_10000", 1),
        ("table_scale", "thresholds_10000", 0),
        ("table_scale", "decide_thresholds_10000", 1),
        ("table_scale", "collect_thresholds_10000", 0),
        ("table_scale", "decide_collect_thresholds_10000", 1),
        ("stages", "read", 1),
        ("stages", "parse", 1),
        ("stages", "read_facts", 1),
        ("stages", "evaluate", 1),
        ("stages", "decide", 1),
        ("stages", "serialize", 1),
        ("batch", "clausier", BATCH),
        ("batch", "clausier_threads", BATCH),
        ("batch", "native", BATCH),
    ];
    println!("\n| benchmark | median | per decision | decisions/s |\n|---|---|---|---|");
    for (group, function, n) in rows {
        let cells = match median(group, function, since) {
            None => [
                "not measured in this run".to_string(),
                String::new(),
                String::new(),
            ],
            Some(m) if n == 0 => [human(m), String::new(), String::new()],
            Some(m) => {
                let each = m / n as f64;
                [human(m), human(each), format!("{:.0}", 1e9 / each)]
            }
        };
        println!(
            "| {group}/{function} | {} | {} | {} |",
            cells[0], cells[1], cells[2]
        );
    }
    let ratio =
        |group: &str, a: &str, b: &str| match (median(group, a, since), median(group, b, since)) {
            (Some(x), Some(y)) => format!("{:.2}", x / y),
            _ => String::from("—"),
        };
    let per_item =
        |items: usize| median("load_scale", &items.to_string(), since).map(|m| m / items as f64);
    if let (Some(small), Some(large)) = (per_item(1_000), per_item(100_000)) {
        println!(
            "\nload_scale: {} per item at 1,000 items, {} at 100,000 ({:.2} ×, target ≤ 2)",
            human(small),
            human(large),
            large / small
        );
    }
    println!("\n| ratio | decide | decide_cases | target |\n|---|---|---|---|");
    println!(
        "| clausier / native | {} | {} | ≤ 1.5 (aim 1.2) |",
        ratio("decide", "clausier", "native"),
        ratio("decide_cases", "clausier", "native")
    );
    println!(
        "| regorus / clausier | {} | {} | ≥ 10 |",
        ratio("decide", "regorus", "clausier"),
        ratio("decide_cases", "regorus", "clausier")
    );
}

fn main() {
    let since = SystemTime::now();
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`), criterion runs each
    // benchmark once as a test: a smaller batch keeps that quick in debug.
    let args: Vec<String> = std::env::args().collect();
    let measuring = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list");
    let mut c = Criterion::default().configure_from_args();
    decide(&mut c);
    decide_cases(&mut c);
    load(&mut c);
    if measuring {
        load_scale(&mut c);
        table_scale(&mut c);
    }
    stages(&mut c);
    batch(&mut c, if measuring { BATCH } else { MIX });
    c.final_summary();
    if measuring {
        table(since);
    }
}
