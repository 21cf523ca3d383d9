//! Policies published as clusters publish them, by a symbolic link swap, under the real
//! `clausier serve`: a Kubernetes ConfigMap volume (`..data -> ..2026_11_30_…`, each policy
//! folder a link through `..data`) and a git-sync checkout (`current -> .worktrees/<rev>`, the
//! policies being `current` itself or a folder inside it). Each test publishes a new revision
//! while clients decide in a loop, waits until the list and a decision show it, and checks that
//! no request failed and that every answer came from the old set or the new one, never a mix.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::{agent, copy_policies, reply};

const BTS: &str = "bts-metiers-de-la-mesure";
/// `session-2027`'s report deadline as shipped, and as the next revision sets it.
const OLD_DEADLINE: &str = "2027-04-16";
const NEW_DEADLINE: &str = "2027-04-23";
/// How long a published revision may take to be served.
const DEADLINE: Duration = Duration::from_secs(10);

/// `clausier serve` in a child process on an ephemeral loopback port, its log kept; killed
/// when dropped.
struct Service {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Service {
    fn start(policies: &Path, env: &[(&str, &str)]) -> Service {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clausier"))
            .arg("serve")
            .arg("--data-dir")
            .arg(crate::serve::data_dir())
            .arg("--policies")
            .arg(policies)
            .args(["--addr", "127.0.0.1:0", "--settle-ms", "100"])
            .env_remove("CLAUSIER_ADMIN_TOKEN")
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let kept = Arc::clone(&log);
        // Keep reading the log, or the service would block writing it.
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if line.contains("listening") {
                    let addr = line
                        .split_whitespace()
                        .find_map(|w| w.strip_prefix("addr="))
                        .map(str::to_string);
                    let _ = tx.send(addr);
                }
                kept.lock().unwrap().push(line);
            }
        });
        let addr = rx.recv_timeout(DEADLINE).ok().flatten();
        let addr = addr.unwrap_or_else(|| {
            let _ = child.kill();
            panic!("the service never said where it listens: {:?}", log.lock());
        });
        Service {
            child,
            base: format!("http://{addr}"),
            log,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// The digest of the set served, as `GET /v1/policies` gives it.
    fn set_digest(&self) -> String {
        let r = reply(
            agent()
                .get(format!("{}/v1/policies", self.base))
                .call()
                .unwrap(),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["set_digest"].as_str().unwrap().to_string()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One answer to the decision request: its status, its `Clausier-Policy-Set` header and
/// whether the report counts as late (it does under the old deadline only).
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    status: u16,
    set: String,
    late: Option<bool>,
}

/// A report submitted on 2027-04-20: after the old deadline, before the new one.
fn decide(base: &str) -> Answer {
    let body = json!({
        "version": "session-2027",
        "input": {"candidate": {"pathway": "scolaire"}, "report": {"submitted_on": "2027-04-20"}}
    });
    let sent = agent()
        .post(format!("{base}/v1/policies/{BTS}/decisions"))
        .header("content-type", "application/json")
        .send(body.to_string().as_bytes());
    let Ok(response) = sent else {
        return Answer {
            status: 0,
            set: format!("{sent:?}"),
            late: None,
        };
    };
    let set = response
        .headers()
        .get("clausier-policy-set")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let r = reply(response);
    let late = (r.status == 200).then(|| {
        let causes = &r.json()["conclusions"]["nonconformity_causes"];
        assert_eq!(causes["status"], "decided", "{causes}");
        causes["value"]
            .as_array()
            .unwrap()
            .contains(&Value::from("depot_hors_delai"))
    });
    Answer {
        status: r.status,
        set,
        late,
    }
}

/// Clients deciding in a loop, each keeping its answers in order.
struct Load {
    stop: Arc<AtomicBool>,
    clients: Vec<std::thread::JoinHandle<Vec<Answer>>>,
}

impl Load {
    fn start(service: &Service) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let clients = (0..2)
            .map(|_| {
                let (stop, base) = (Arc::clone(&stop), service.base.clone());
                std::thread::spawn(move || {
                    let mut answers = Vec::new();
                    while !stop.load(Ordering::Relaxed) || answers.len() < 5 {
                        answers.push(decide(&base));
                    }
                    answers
                })
            })
            .collect();
        Load { stop, clients }
    }

    /// Stops the load and checks every answer: a success, from the old set (late report) or
    /// the new one (on time), and, for each client, never the old set after the new one.
    fn finish(self, old: &str, new: &str) {
        self.stop.store(true, Ordering::Relaxed);
        let mut total = 0;
        for client in self.clients {
            let answers = client.join().unwrap();
            total += answers.len();
            let mut seen_new = false;
            for a in &answers {
                assert_eq!(a.status, 200, "a request failed during the swap: {a:?}");
                let expected = if a.set == old {
                    assert!(
                        !seen_new,
                        "the old set answered after the new one: {answers:?}"
                    );
                    Some(true)
                } else if a.set == new {
                    seen_new = true;
                    Some(false)
                } else {
                    panic!("an answer from neither set ({old}, {new}): {a:?}");
                };
                assert_eq!(
                    a.late, expected,
                    "the header and the decision disagree: {a:?}"
                );
            }
        }
        assert!(total > 10, "only {total} answers");
    }
}

/// Waits until the service serves a set other than `old` and a decision shows the new
/// deadline; gives the new set's digest.
fn wait_for_new_set(service: &Service, old: &str) -> String {
    let started = Instant::now();
    loop {
        let digest = service.set_digest();
        if digest != old {
            let a = decide(&service.base);
            if a.late == Some(false) && a.set == digest {
                return digest;
            }
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the new revision is not served within {DEADLINE:?}: {}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A copy of the BTS policy in `root`, with `session-2027`'s report deadline set to `deadline`.
fn write_policies(root: &Path, deadline: &str) {
    copy_policies(root);
    let file = root.join(BTS).join("session-2027.policy");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(OLD_DEADLINE));
    std::fs::write(&file, text.replace(OLD_DEADLINE, deadline)).unwrap();
}

fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Kubernetes' volume writer publishes a ConfigMap revision: a new timestamped folder, a
/// `..data_tmp` link to it renamed over `..data`, the user-visible links (`<policy> ->
/// ..data/<policy>`) made if missing, then the old revision removed.
fn publish_configmap(root: &Path, revision: &str, deadline: &str) {
    let folder = format!("..2026_11_30_{revision}");
    write_policies(&root.join(&folder), deadline);
    let previous = std::fs::read_link(root.join("..data")).ok();
    symlink(&folder, root.join("..data_tmp"));
    std::fs::rename(root.join("..data_tmp"), root.join("..data")).unwrap();
    if std::fs::symlink_metadata(root.join(BTS)).is_err() {
        symlink(Path::new("..data").join(BTS), root.join(BTS));
    }
    if let Some(previous) = previous {
        std::fs::remove_dir_all(root.join(previous)).unwrap();
    }
}

/// The same, for a ConfigMap mounted as one policy's folder (as the Deployment of
/// `.ci/deploy/kubernetes/` mounts it): the revision folder holds the `.policy` files, each
/// a link `x.policy -> ..data/x.policy`.
fn publish_configmap_folder(dir: &Path, revision: &str, deadline: &str) {
    let folder = format!("..2026_11_30_{revision}");
    let staging = tempfile::tempdir().unwrap();
    write_policies(staging.path(), deadline);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::rename(staging.path().join(BTS), dir.join(&folder)).unwrap();
    let previous = std::fs::read_link(dir.join("..data")).ok();
    symlink(&folder, dir.join("..data_tmp"));
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    for entry in std::fs::read_dir(dir.join(&folder)).unwrap() {
        let name = entry.unwrap().file_name();
        if std::fs::symlink_metadata(dir.join(&name)).is_err() {
            symlink(Path::new("..data").join(&name), dir.join(&name));
        }
    }
    if let Some(previous) = previous {
        std::fs::remove_dir_all(dir.join(previous)).unwrap();
    }
}

/// git-sync publishes a checkout: a new worktree, a `current` link to it (relative, as git-sync
/// makes it) swapped in by a rename, then the old worktree removed.
fn publish_checkout(parent: &Path, revision: &str, deadline: &str) {
    let worktree = Path::new(".worktrees").join(revision);
    write_policies(&parent.join(&worktree).join("policies"), deadline);
    std::fs::write(parent.join(&worktree).join("README.md"), "policies\n").unwrap();
    let previous = std::fs::read_link(parent.join("current")).ok();
    symlink(&worktree, parent.join("current.tmp"));
    std::fs::rename(parent.join("current.tmp"), parent.join("current")).unwrap();
    if let Some(previous) = previous {
        std::fs::remove_dir_all(parent.join(previous)).unwrap();
    }
}

/// Serves `policies`, publishes the next revision with `publish` under load, and checks the
/// swap was followed with no failed request.
fn swap_under_load(policies: &Path, publish: impl FnOnce()) {
    let service = Service::start(policies, &[]);
    let old = service.set_digest();
    assert_eq!(decide(&service.base).late, Some(true), "{}", service.log());
    let load = Load::start(&service);
    std::thread::sleep(Duration::from_millis(300));
    publish();
    let new = wait_for_new_set(&service, &old);
    // Some answers from the new set too.
    std::thread::sleep(Duration::from_millis(300));
    load.finish(&old, &new);
    let log = service.log();
    assert!(log.contains("policies reloaded"), "{log}");
    assert!(!log.contains("ERROR") && !log.contains("WARN"), "{log}");
}

#[test]
fn a_configmap_revision_swapped_through_data_is_served() {
    let mount = tempfile::tempdir().unwrap();
    let root = mount.path().join("policies");
    std::fs::create_dir(&root).unwrap();
    publish_configmap(&root, "09_00_00.000000001", OLD_DEADLINE);
    assert!(
        std::fs::symlink_metadata(root.join(BTS))
            .unwrap()
            .is_symlink()
    );
    swap_under_load(&root, || {
        publish_configmap(&root, "10_00_00.000000002", NEW_DEADLINE);
    });
}

#[test]
fn a_configmap_mounted_as_a_policy_folder_is_served_after_a_swap() {
    let mount = tempfile::tempdir().unwrap();
    let root = mount.path().join("policies");
    let dir = root.join(BTS);
    publish_configmap_folder(&dir, "09_00_00.000000001", OLD_DEADLINE);
    assert!(
        std::fs::symlink_metadata(dir.join("session-2027.policy"))
            .unwrap()
            .is_symlink()
    );
    swap_under_load(&root, || {
        publish_configmap_folder(&dir, "10_00_00.000000002", NEW_DEADLINE);
    });
}

#[test]
fn a_git_sync_checkout_swapped_under_the_policies_link_is_served() {
    let parent = tempfile::tempdir().unwrap();
    publish_checkout(parent.path(), "rev-abc", OLD_DEADLINE);
    // The policies folder is the link's own folder: `current/policies`.
    let root: PathBuf = parent.path().join("current").join("policies");
    swap_under_load(&root, || {
        publish_checkout(parent.path(), "rev-def", NEW_DEADLINE);
    });
}

#[test]
fn a_policies_link_swapped_to_another_checkout_is_served() {
    let parent = tempfile::tempdir().unwrap();
    let rev = |name: &str, deadline: &str| {
        let folder = parent.path().join(".worktrees").join(name);
        write_policies(&folder, deadline);
        folder
    };
    let first = rev("rev-abc", OLD_DEADLINE);
    symlink(&first, parent.path().join("current"));
    // `--policies` names the link itself.
    let root = parent.path().join("current");
    swap_under_load(&root, || {
        let second = rev("rev-def", NEW_DEADLINE);
        symlink(&second, parent.path().join("current.tmp"));
        std::fs::rename(parent.path().join("current.tmp"), &root).unwrap();
        std::fs::remove_dir_all(&first).unwrap();
    });
}

const MANAGED: &str =
    "with several replicas, publish policies through git/ConfigMap, not the admin API";

#[test]
fn administration_over_a_published_folder_is_warned_about_at_start() {
    let mount = tempfile::tempdir().unwrap();
    let root = mount.path().join("policies");
    std::fs::create_dir(&root).unwrap();
    publish_configmap(&root, "09_00_00.000000001", OLD_DEADLINE);
    let token = [("CLAUSIER_ADMIN_TOKEN", "a-long-enough-test-token")];

    let service = Service::start(&root, &token);
    let log = service.log();
    assert!(log.contains("administration routes enabled"), "{log}");
    assert!(log.contains("WARN") && log.contains(MANAGED), "{log}");
    drop(service);

    // Without administration, or over a plain folder, nothing to warn about.
    let log = Service::start(&root, &[]).log();
    assert!(!log.contains(MANAGED), "{log}");
    let plain = tempfile::tempdir().unwrap();
    copy_policies(plain.path());
    let service = Service::start(plain.path(), &token);
    let log = service.log();
    assert!(log.contains("administration routes enabled"), "{log}");
    assert!(!log.contains(MANAGED), "{log}");
}
