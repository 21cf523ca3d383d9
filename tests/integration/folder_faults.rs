//! Faults on the policies folder while the service answers a steady load of decisions: a folder
//! that cannot be read, a root deleted, recreated, replaced or swapped through a link, links that
//! lead outside the folder, files that are not policies, files written in two steps. Each test
//! counts the failed and the wrong answers of the load, which must be none.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clausier::load::tree::ReadHook;
use clausier::server::AppState;
use clausier::server::store::{ReloadFailure, Store, WatchOptions, Watcher, watch_with};
use serde_json::{Value, json};

use crate::http::{Reply, agent, copy_policies, date, reply};

const BTS: &str = "bts-metiers-de-la-mesure";
const TOKEN: &str = "a-long-enough-test-token";

/// A service over `root` on an ephemeral port, with its store at hand; stopped when dropped.
struct Served {
    base: String,
    store: Arc<Store>,
    handle: actix_web::dev::ServerHandle,
    _watcher: Option<Watcher>,
}

impl Served {
    /// Serves `root`; `settle` starts a watcher with that settle interval; `hook` is called
    /// before each read of the disk.
    fn start(root: &Path, settle: Option<Duration>, hook: Option<ReadHook>) -> Served {
        let store = Arc::new(Store::open_with(root, hook));
        let mut state = AppState::new(Arc::clone(&store)).unwrap();
        state.today = Arc::new(|| date("2026-11-28"));
        state.admin_token = Some(TOKEN.into());
        let watcher = settle.map(|settle| {
            let options = WatchOptions {
                settle,
                poll: Duration::from_millis(250),
            };
            watch_with(Arc::clone(&store), options, |_| {}).unwrap()
        });
        let (addr, handle) = crate::http::spawn(state);
        Served {
            base: format!("http://{addr}"),
            store,
            handle,
            _watcher: watcher,
        }
    }

    fn get(&self, path: &str) -> Reply {
        reply(agent().get(format!("{}{path}", self.base)).call().unwrap())
    }

    fn decide(&self, body: &Value) -> Reply {
        reply(
            agent()
                .post(format!("{}/v1/policies/{BTS}/decisions", self.base))
                .header("content-type", "application/json")
                .send(body.to_string().as_bytes())
                .unwrap(),
        )
    }

    /// The value of the parameter `name` of `session-2027` as served.
    fn parameter(&self, name: &str) -> Option<String> {
        let v = self.get(&format!("/v1/policies/{BTS}/versions/session-2027"));
        let v = v.json();
        let p = v["parameters"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)?;
        p["value"].as_str().map(str::to_string)
    }

    /// The list of policies, as a client sees it.
    fn list(&self) -> String {
        self.get("/v1/policies").body
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false)));
    }
}

/// A candidate whose presence proof needs `exam_date` (the employment of 2.3.2-1 is counted
/// back from it): with `session-2027` whole, it is decided.
fn candidate() -> Value {
    json!({
        "candidate": {"pathway": "formation_continue", "continuing_education": "perfectionnement"},
        "employment": [{"start": "2025-01-06", "end": "2027-04-30", "full_time": true,
                        "field": "metrologie", "certificate": true}]
    })
}

/// Two clients deciding in a loop, counting what went wrong.
struct Load {
    stop: Arc<AtomicBool>,
    answers: Arc<AtomicUsize>,
    clients: Vec<std::thread::JoinHandle<Vec<String>>>,
}

impl Load {
    /// Starts the load; an answer is wrong when `presence_proof` is not decided.
    fn start(served: &Served) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(AtomicUsize::new(0));
        let body = json!({"input": candidate(), "version": "session-2027"});
        let clients = (0..2)
            .map(|_| {
                let (stop, answers, body) = (Arc::clone(&stop), Arc::clone(&answers), body.clone());
                let base = served.base.clone();
                std::thread::spawn(move || {
                    let mut wrong = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let r = reply(
                            agent()
                                .post(format!("{base}/v1/policies/{BTS}/decisions"))
                                .header("content-type", "application/json")
                                .send(body.to_string().as_bytes())
                                .unwrap(),
                        );
                        answers.fetch_add(1, Ordering::Relaxed);
                        let proof = || r.json()["conclusions"]["presence_proof"].clone();
                        if r.status != 200 {
                            wrong.push(format!("{}: {}", r.status, r.body));
                        } else if proof()["status"] != "decided" {
                            wrong.push(format!("presence_proof: {}", proof()));
                        }
                    }
                    wrong
                })
            })
            .collect();
        let load = Load {
            stop,
            answers,
            clients,
        };
        // The load is under way before the fault.
        load.wait_for_answers(5);
        load
    }

    fn wait_for_answers(&self, n: usize) {
        let started = Instant::now();
        while self.answers.load(Ordering::Relaxed) < n
            && started.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the load and asserts that every answer was right (and that there were answers).
    fn finish(self) {
        self.wait_for_answers(40);
        self.stop.store(true, Ordering::Relaxed);
        let wrong: Vec<String> = self
            .clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        let answers = self.answers.load(Ordering::Relaxed);
        assert!(answers > 20, "only {answers} answers");
        assert!(
            wrong.is_empty(),
            "{} failed or wrong answers of {answers}, first: {}",
            wrong.len(),
            wrong[0]
        );
    }
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not within 5 s: {what}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A copy of the BTS policy in `root`, with `session-2027`'s report deadline set to `deadline`.
fn write_policies(root: &Path, deadline: &str) {
    copy_policies(root);
    let file = root.join(BTS).join("session-2027.policy");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("2027-04-16", deadline)).unwrap();
}

/// The statuses of the BTS policy's files, by file name.
fn statuses(list: &str) -> Vec<(String, String)> {
    let list: Value = serde_json::from_str(list).unwrap();
    let policy = list["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == BTS)
        .unwrap()
        .clone();
    policy["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap().to_string();
            (file, f["status"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Root can read any folder whatever its mode, and the tests run as root: the I/O error of an
/// unreadable folder is injected through the store's read hook instead of `chmod 000`.
#[test]
fn an_unreadable_folder_is_a_failed_reload_that_keeps_the_last_good_versions() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let faulty: Arc<std::sync::Mutex<Option<PathBuf>>> = Arc::default();
    let hook: ReadHook = {
        let faulty = Arc::clone(&faulty);
        Arc::new(move |path: &Path| match &*faulty.lock().unwrap() {
            Some(f) if path == f => Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
            _ => Ok(()),
        })
    };
    let served = Served::start(root.path(), None, Some(hook));
    let load = Load::start(&served);
    for (n, unreadable) in [root.path().join(BTS), root.path().to_path_buf()]
        .into_iter()
        .enumerate()
    {
        *faulty.lock().unwrap() = Some(unreadable);
        let summary = served.store.reload();
        assert_eq!(summary.failure, Some(ReloadFailure::Unreadable));
        assert_eq!(summary.versions, 4, "the last good versions stay served");
        assert!(
            summary.failed_files > 0,
            "a failed reload is not reported as a success"
        );
        let list = served.list();
        assert!(statuses(&list).iter().all(|(_, s)| s == "stale"), "{list}");
        assert!(
            list.contains("io-error") && list.contains("cannot be read"),
            "{list}"
        );
        assert!(!list.contains(root.path().to_str().unwrap()), "{list}");
        let metrics = served.get("/metrics").body;
        let counted = format!(
            "clausier_reload_failures_total{{reason=\"unreadable\"}} {}",
            n + 1
        );
        assert!(metrics.contains(&counted), "{metrics}");

        *faulty.lock().unwrap() = None;
        assert_eq!(served.store.reload().failure, None);
        assert!(statuses(&served.list()).iter().all(|(_, s)| s == "ok"));
    }
    load.finish();
}

#[test]
fn a_root_deleted_emptied_and_recreated_is_followed_and_served_from_the_last_good_set_meanwhile() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("policies");
    write_policies(&root, "2027-04-16");
    let served = Served::start(&root, Some(Duration::from_millis(100)), None);
    let load = Load::start(&served);

    std::fs::remove_dir_all(&root).unwrap();
    wait_for("the deleted folder to be reported", || {
        served.list().contains("io-error")
    });
    std::fs::create_dir(&root).unwrap();
    wait_for("the empty folder to be reported", || {
        served.list().contains("no policy found")
    });
    assert!(served.get("/metrics").body.contains("reason=\"empty\""));
    write_policies(&root, "2027-04-23");
    wait_for("the recreated folder's edit", || {
        served.parameter("report_deadline").as_deref() == Some("2027-04-23")
    });
    assert!(statuses(&served.list()).iter().all(|(_, s)| s == "ok"));

    // A manual reload leaves later edits seen.
    let reloaded = reply(
        agent()
            .post(format!("{}/v1/admin/reload", served.base))
            .header("authorization", format!("Bearer {TOKEN}"))
            .send(&b""[..])
            .unwrap(),
    );
    assert_eq!(reloaded.json()["failed_files"], 0);
    let file = root.join(BTS).join("session-2027.policy");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("2027-04-23", "2027-04-30")).unwrap();
    wait_for("an edit after the manual reload", || {
        served.parameter("report_deadline").as_deref() == Some("2027-04-30")
    });
    load.finish();
}

#[test]
fn a_root_replaced_by_a_file_then_renamed_over_is_followed() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("policies");
    write_policies(&root, "2027-04-16");
    let served = Served::start(&root, Some(Duration::from_millis(100)), None);
    let load = Load::start(&served);

    // A path that is not a folder cannot be listed: a failed reload, not an empty set.
    std::fs::rename(&root, parent.path().join("old")).unwrap();
    std::fs::write(&root, "not a folder").unwrap();
    wait_for("the unreadable folder to be reported", || {
        served.list().contains("io-error")
    });
    assert_eq!(
        served.parameter("report_deadline").as_deref(),
        Some("2027-04-16")
    );

    // Another folder renamed onto the root is served.
    let next = parent.path().join("next");
    write_policies(&next, "2027-04-23");
    std::fs::remove_file(&root).unwrap();
    std::fs::rename(&next, &root).unwrap();
    wait_for("the folder renamed onto the root", || {
        served.parameter("report_deadline").as_deref() == Some("2027-04-23")
    });
    load.finish();
}

/// git-sync and Kubernetes swap a link to a new checkout in one rename.
#[test]
fn a_root_link_swapped_to_another_folder_is_followed() {
    let parent = tempfile::tempdir().unwrap();
    let (first, second) = (parent.path().join("rev-1"), parent.path().join("rev-2"));
    write_policies(&first, "2027-04-16");
    write_policies(&second, "2027-04-23");
    let root = parent.path().join("current");
    std::os::unix::fs::symlink(&first, &root).unwrap();
    let served = Served::start(&root, Some(Duration::from_millis(100)), None);
    let load = Load::start(&served);
    let swap = parent.path().join("current.tmp");
    std::os::unix::fs::symlink(&second, &swap).unwrap();
    std::fs::rename(&swap, &root).unwrap();
    wait_for("the swapped checkout", || {
        served.parameter("report_deadline").as_deref() == Some("2027-04-23")
    });
    load.finish();
}

#[test]
fn links_are_followed_only_inside_the_root_and_nothing_else_is_shown() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("passwd");
    std::fs::write(&secret, "root:x:0:0:SECRET-4242:/root:/bin/bash\n").unwrap();
    std::fs::create_dir(outside.path().join("elsewhere")).unwrap();
    std::fs::write(
        outside.path().join("elsewhere/x.policy"),
        "policy elsewhere\nversion \"SECRET-4242\"\n",
    )
    .unwrap();
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    let dir = root.path().join(BTS);
    let served = Served::start(root.path(), None, None);
    let d = served.decide(&json!({"input": candidate(), "version": "session-2027"}));
    let sha = d.json()["policy"]["sha256"].clone();

    // The ConfigMap layout: `x.policy -> ..data/x.policy`, `..data -> ..2026_11_28`.
    std::fs::create_dir(dir.join("..2026_11_28")).unwrap();
    std::fs::rename(
        dir.join("session-2026.policy"),
        dir.join("..2026_11_28/session-2026.policy"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..2026_11_28", dir.join("..data")).unwrap();
    std::os::unix::fs::symlink(
        "..data/session-2026.policy",
        dir.join("session-2026.policy"),
    )
    .unwrap();
    // A served version whose file becomes a link outside, a new link outside, a folder link
    // outside, a file that is not a policy, and a policy that fails the check.
    std::fs::remove_file(dir.join("session-2027.policy")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("session-2027.policy")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("session-2099.policy")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("elsewhere"),
        root.path().join("elsewhere"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.policy"), "SECRET-4242 is the password\n").unwrap();
    let broken = std::fs::read_to_string(dir.join("mayotte-2025.policy"))
        .unwrap()
        .replace("mayotte-2025", "mayotte-2026")
        .replace("\"3-1\"", "\"3-11\"");
    std::fs::write(dir.join("mayotte-2026.policy"), broken).unwrap();
    assert_eq!(served.store.reload().failure, Some(ReloadFailure::Check));

    let list = served.list();
    for leak in [
        "SECRET",
        "/bin/bash",
        outside.path().to_str().unwrap(),
        root.path().to_str().unwrap(),
    ] {
        assert!(!list.contains(leak), "`{leak}` shown: {list}");
    }
    let files = statuses(&list);
    let status = |f: &str| files.iter().find(|(n, _)| n == f).map(|(_, s)| s.as_str());
    assert_eq!(status("session-2026.policy"), Some("ok"), "{list}");
    assert_eq!(status("session-2027.policy"), Some("stale"), "{list}");
    assert_eq!(status("session-2099.policy"), Some("error"), "{list}");
    assert_eq!(status("notes.policy"), Some("error"), "{list}");
    assert!(list.contains(&format!(
        "`{BTS}/session-2027.policy` is a symbolic link that leads outside the policies folder: not read"
    )));
    assert!(list.contains(&format!(
        "`{BTS}/notes.policy` does not start like a policy file"
    )));
    assert!(
        list.contains(&format!("--> {BTS}/mayotte-2026.policy:")),
        "{list}"
    );
    assert!(
        list.contains("`elsewhere` is a symbolic link that leads outside"),
        "{list}"
    );
    // The version behind the escaping link is the last good one; the one inside is served.
    let d = served.decide(&json!({"input": candidate(), "version": "session-2027"}));
    assert_eq!(d.json()["policy"]["sha256"], sha);
    let d = served.decide(&json!({"input": {}, "version": "session-2026"}));
    assert_eq!(d.status, 200, "{}", d.body);
}

/// Writes `first`, truncating the file, then after `pause` appends `second`: an editor or a
/// script that writes in two steps.
fn write_in_two_steps(file: &Path, first: &str, second: &str, pause: Duration) {
    use std::io::Write;
    let mut f = std::fs::File::create(file).unwrap();
    f.write_all(first.as_bytes()).unwrap();
    f.sync_all().unwrap();
    std::thread::sleep(pause);
    f.write_all(second.as_bytes()).unwrap();
    f.sync_all().unwrap();
}

/// The text of `session-2027` with a new exam date, cut before its `exam_date`: the first part
/// is a valid policy that leaves `exam_date` unset.
fn halves() -> (String, String) {
    let text = std::fs::read_to_string(format!("policies/{BTS}/session-2027.policy"))
        .unwrap()
        .replace("2027-05-18", "2027-05-25");
    let cut = text.find("# 4-3: the date of the examination").unwrap();
    let (first, second) = text.split_at(cut);
    (first.to_string(), second.to_string())
}

#[test]
fn a_file_written_in_two_steps_is_not_served_half_written() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    // The pause is longer than a debounce would be, shorter than the settle interval.
    let served = Served::start(root.path(), Some(Duration::from_millis(600)), None);
    let load = Load::start(&served);
    let (first, second) = halves();
    let file = root.path().join(BTS).join("session-2027.policy");
    write_in_two_steps(&file, &first, &second, Duration::from_millis(300));
    wait_for("the whole file", || {
        served.parameter("exam_date").as_deref() == Some("2027-05-25")
    });
    load.finish();
}

#[test]
fn a_text_that_loses_declarations_waits_for_a_second_look() {
    let root = tempfile::tempdir().unwrap();
    copy_policies(root.path());
    // The pause is longer than the settle interval, shorter than two.
    let served = Served::start(root.path(), Some(Duration::from_millis(450)), None);
    let load = Load::start(&served);
    let (first, second) = halves();
    let file = root.path().join(BTS).join("session-2027.policy");
    write_in_two_steps(&file, &first, &second, Duration::from_millis(650));
    wait_for("the whole file", || {
        served.parameter("exam_date").as_deref() == Some("2027-05-25")
    });
    load.finish();

    // A text that really drops a declaration is served after the second look.
    std::fs::write(&file, &first).unwrap();
    wait_for("the shorter file", || {
        served.parameter("exam_date").is_none()
    });
}
