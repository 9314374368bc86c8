//! Tests over real temp dirs, real files and real inotify.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use vigil_shared::redact::{RedactConfig, Redactor, ScopeKey};
use vigil_shared::wire::{ChangeKind, Detection, FileChange, Record};

use super::{FileWatch, FilesConfig};

const TIMEOUT: Duration = Duration::from_secs(20);

/// Polls `cond` until it holds, panicking with `what` at the deadline.
fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::park_timeout(Duration::from_millis(5));
    }
}

#[derive(Default)]
struct Sink {
    records: Mutex<Vec<FileChange>>,
    cv: Condvar,
}

impl Sink {
    fn push(&self, r: Record) {
        if let Record::FileChange(c) = r {
            self.records.lock().unwrap().push(c);
            self.cv.notify_all();
        }
    }
    fn len(&self) -> usize {
        self.records.lock().unwrap().len()
    }
    fn take(&self) -> Vec<FileChange> {
        std::mem::take(&mut *self.records.lock().unwrap())
    }
}

struct Harness {
    root: tempfile::TempDir,
    state: tempfile::TempDir,
    cfg: FilesConfig,
    sink: Arc<Sink>,
    watch: Option<FileWatch>,
}

fn redactor() -> Arc<Redactor> {
    Arc::new(Redactor::new(ScopeKey::from_bytes([7; 32]), &RedactConfig::default()).unwrap())
}

impl Harness {
    fn new() -> Harness {
        let root = tempfile::tempdir().unwrap();
        let cfg = FilesConfig {
            paths: vec![root.path().to_path_buf()],
            debounce: Duration::from_millis(100),
            rescan_interval: Duration::from_secs(3600),
            ..FilesConfig::default()
        };
        Harness {
            root,
            state: tempfile::tempdir().unwrap(),
            cfg,
            sink: Arc::new(Sink::default()),
            watch: None,
        }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn s(&self, rel: &str) -> String {
        self.p(rel).to_string_lossy().into_owned()
    }

    fn start(&mut self) {
        let sink = Arc::clone(&self.sink);
        let w = FileWatch::start(self.cfg.clone(), self.state.path(), redactor(), move |r| {
            sink.push(r)
        })
        .unwrap();
        assert!(w.wait_ready(TIMEOUT), "watch did not become ready");
        self.watch = Some(w);
    }

    fn stop(&mut self) {
        if let Some(w) = self.watch.take() {
            w.stop().unwrap();
        }
    }

    fn watch(&self) -> &FileWatch {
        self.watch.as_ref().unwrap()
    }

    /// Waits until at least `n` records arrived and no realtime change is
    /// pending, then runs a rescan (which would report anything realtime
    /// missed) and returns everything reported.
    fn settle(&self, n: usize) -> Vec<FileChange> {
        let w = self.watch();
        wait_for(&format!("{n} records"), TIMEOUT, || {
            self.sink.len() >= n && w.stats().pending_paths == 0
        });
        self.rescan();
        self.sink.take()
    }

    fn rescan(&self) {
        let w = self.watch();
        let before = w.stats().scans_completed;
        w.rescan_now();
        wait_for("a rescan", TIMEOUT, || w.stats().scans_completed > before);
    }
}

fn kinds(changes: &[FileChange]) -> Vec<(ChangeKind, String)> {
    let mut v: Vec<_> = changes.iter().map(|c| (c.kind, c.path.clone())).collect();
    v.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.as_str().cmp(b.0.as_str())));
    v
}

#[test]
fn create_edit_chmod_rename_delete_in_realtime() {
    let mut h = Harness::new();
    fs::write(h.p("a.conf"), "one\ntwo\nthree\n").unwrap();
    h.start();
    assert!(h.sink.take().is_empty(), "first scan is silent");

    fs::write(h.p("b.conf"), "hello\n").unwrap();
    let c = h.settle(1);
    assert_eq!(kinds(&c), vec![(ChangeKind::Created, h.s("b.conf"))]);
    assert_eq!(c[0].detection, Detection::Realtime);
    assert!(c[0].old.is_none());
    assert!(c[0].diff.as_deref().unwrap().contains("+hello"));

    fs::write(h.p("a.conf"), "one\n2\nthree\n").unwrap();
    let c = h.settle(1);
    assert_eq!(kinds(&c), vec![(ChangeKind::Modified, h.s("a.conf"))]);
    let (old, new) = (c[0].old.as_ref().unwrap(), c[0].new.as_ref().unwrap());
    assert_ne!(old.sha256, new.sha256);
    let path = h.s("a.conf");
    assert_eq!(
        c[0].diff.as_deref().unwrap(),
        format!("--- a{path}\n+++ b{path}\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n")
    );

    fs::set_permissions(h.p("a.conf"), fs::Permissions::from_mode(0o600)).unwrap();
    let c = h.settle(1);
    assert_eq!(kinds(&c), vec![(ChangeKind::Metadata, h.s("a.conf"))]);
    assert_eq!(c[0].old.as_ref().unwrap().mode & 0o777, 0o644);
    assert_eq!(c[0].new.as_ref().unwrap().mode, 0o600);
    assert!(c[0].diff.is_none());

    fs::rename(h.p("b.conf"), h.p("c.conf")).unwrap();
    let c = h.settle(1);
    assert_eq!(kinds(&c), vec![(ChangeKind::Renamed, h.s("c.conf"))]);
    assert_eq!(c[0].renamed_from.as_deref(), Some(h.s("b.conf").as_str()));
    assert!(c[0].diff.is_none(), "content unchanged by the rename");

    fs::remove_file(h.p("c.conf")).unwrap();
    let c = h.settle(1);
    assert_eq!(kinds(&c), vec![(ChangeKind::Deleted, h.s("c.conf"))]);
    assert!(c[0].new.is_none());
    assert!(c[0].diff.as_deref().unwrap().contains("-hello"));
}

#[test]
fn a_file_created_and_removed_within_the_debounce_is_still_reported() {
    let mut h = Harness::new();
    h.start();
    fs::write(h.p("blink.conf"), "here and gone\n").unwrap();
    fs::remove_file(h.p("blink.conf")).unwrap();
    let c = h.settle(2);
    assert_eq!(
        kinds(&c),
        vec![
            (ChangeKind::Created, h.s("blink.conf")),
            (ChangeKind::Deleted, h.s("blink.conf"))
        ]
    );
    assert!(c.iter().all(|e| e.diff.is_none()));
}

#[test]
fn atomic_replace_and_editor_saves_are_one_modified() {
    let mut h = Harness::new();
    fs::write(h.p("app.conf"), "port = 1\n").unwrap();
    fs::write(h.p("vim.conf"), "a\n").unwrap();
    h.start();

    // Package-manager style: write a temp file, rename it over.
    fs::write(h.p("app.conf.tmp"), "port = 2\n").unwrap();
    fs::rename(h.p("app.conf.tmp"), h.p("app.conf")).unwrap();
    // Vim style: probe file, move the original to a backup, write anew,
    // drop the backup; swap file throughout.
    fs::write(h.p(".vim.conf.swp"), "swap").unwrap();
    fs::write(h.p("4913"), "").unwrap();
    fs::remove_file(h.p("4913")).unwrap();
    fs::rename(h.p("vim.conf"), h.p("vim.conf~")).unwrap();
    fs::write(h.p("vim.conf"), "b\n").unwrap();
    fs::remove_file(h.p("vim.conf~")).unwrap();
    fs::remove_file(h.p(".vim.conf.swp")).unwrap();

    let c = h.settle(2);
    assert_eq!(
        kinds(&c),
        vec![
            (ChangeKind::Modified, h.s("app.conf")),
            (ChangeKind::Modified, h.s("vim.conf")),
        ]
    );
    assert!(c.iter().all(|c| c.detection == Detection::Realtime));
    let app = c.iter().find(|c| c.path == h.s("app.conf")).unwrap();
    assert!(app
        .diff
        .as_deref()
        .unwrap()
        .contains("-port = 1\n+port = 2\n"));
}

#[test]
fn changes_while_stopped_are_reported_once_by_the_startup_rescan() {
    let mut h = Harness::new();
    fs::write(h.p("edited.conf"), "v1\n").unwrap();
    fs::write(h.p("removed.conf"), "bye\n").unwrap();
    h.start();
    h.stop();

    fs::write(h.p("edited.conf"), "v2\n").unwrap();
    fs::remove_file(h.p("removed.conf")).unwrap();
    fs::write(h.p("new.conf"), "hi\n").unwrap();

    h.start();
    let c = h.sink.take();
    assert_eq!(
        kinds(&c),
        vec![
            (ChangeKind::Modified, h.s("edited.conf")),
            (ChangeKind::Created, h.s("new.conf")),
            (ChangeKind::Deleted, h.s("removed.conf")),
        ]
    );
    assert!(c.iter().all(|c| c.detection == Detection::Rescan));
    // Nothing more, now or after another rescan or restart.
    assert!(h.settle(0).is_empty());
    h.stop();
    h.start();
    assert!(h.sink.take().is_empty());
}

#[test]
fn realtime_changes_are_not_reported_again_by_the_rescan() {
    let mut h = Harness::new();
    h.start();
    fs::write(h.p("x.conf"), "x\n").unwrap();
    assert_eq!(h.settle(1).len(), 1);
    h.rescan();
    h.stop();
    h.start();
    assert!(h.sink.take().is_empty());
}

const PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7pemkeyBODYqq\n\
-----END PRIVATE KEY-----\n";

#[test]
fn secrets_never_reach_the_state_dir_or_the_records() {
    let mut h = Harness::new();
    fs::create_dir_all(h.p("ssl/private")).unwrap();
    fs::write(h.p("app.conf"), "user = alice\npassword = hunter2-abc\n").unwrap();
    fs::write(h.p("tls.conf"), format!("name = web\n{PEM}")).unwrap();
    fs::write(h.p("server.key"), "not even a pem, still secret\n").unwrap();
    fs::write(h.p("ssl/private/site.pem"), PEM).unwrap();
    h.start();

    fs::write(h.p("app.conf"), "user = alice\npassword = hunter2-xyz\n").unwrap();
    let pem2 = PEM.replace("C7pemkeyBODYqq", "C7pemkeyB0DYqq");
    fs::write(
        h.p("tls.conf"),
        format!("name = web\npassword = hunter2-xyz\n{pem2}"),
    )
    .unwrap();
    fs::write(h.p("server.key"), "changed secret hunter2-xyz\n").unwrap();
    fs::write(h.p("ssl/private/site.pem"), &pem2).unwrap();
    let c = h.settle(4);
    assert_eq!(c.len(), 4, "{c:?}");
    assert!(c.iter().all(|c| c.kind == ChangeKind::Modified));
    for c in &c {
        let (old, new) = (c.old.as_ref().unwrap(), c.new.as_ref().unwrap());
        assert_ne!(old.sha256, new.sha256, "real content hashed: {}", c.path);
        if c.path != h.s("app.conf") {
            assert!(c.diff.is_none(), "secret file diffed: {}", c.path);
        }
    }
    h.stop();

    let needles: [&[u8]; 4] = [
        b"hunter2-xyz",
        b"hunter2-abc",
        b"C7pemkeyBODYqq",
        b"C7pemkeyB0DYqq",
    ];
    let json = serde_json::to_vec(&c).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = vec![("records".into(), json)];
    for e in fs::read_dir(h.state.path()).unwrap() {
        let p = e.unwrap().path();
        files.push((p.display().to_string(), fs::read(&p).unwrap()));
    }
    assert!(files.iter().any(|(n, _)| n.ends_with("baseline.db")));
    for (name, bytes) in &files {
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} found in {name} (secrets in ordinary text files rely on the \
                 redaction engine behind `Redactor::redact_text`)",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

#[test]
fn binary_files_get_hashes_only() {
    let mut h = Harness::new();
    fs::write(h.p("blob.bin"), b"\x00\x01\x02").unwrap();
    fs::write(h.p("latin1.txt"), b"caf\xe9\n").unwrap();
    h.start();
    fs::write(h.p("blob.bin"), b"\x00\x01\x03").unwrap();
    fs::write(h.p("latin1.txt"), b"caf\xe8\n").unwrap();
    let c = h.settle(2);
    assert_eq!(c.len(), 2);
    assert!(c
        .iter()
        .all(|c| c.kind == ChangeKind::Modified && c.diff.is_none()));
}

#[test]
fn large_files_are_hashed_not_diffed() {
    let mut h = Harness::new();
    h.cfg.max_diff_bytes = 16;
    fs::write(h.p("big.conf"), "0123456789abcdefXYZ\n").unwrap();
    h.start();
    fs::write(h.p("big.conf"), "0123456789abcdefXYW\n").unwrap();
    let c = h.settle(1);
    assert_eq!(kinds(&c), vec![(ChangeKind::Modified, h.s("big.conf"))]);
    assert!(c[0].diff.is_none());
}

#[test]
fn directory_deleted_with_contents_gives_one_deleted_per_file() {
    let mut h = Harness::new();
    fs::create_dir_all(h.p("d/sub")).unwrap();
    for f in ["d/1.conf", "d/2.conf", "d/sub/3.conf"] {
        fs::write(h.p(f), "x\n").unwrap();
    }
    h.start();
    fs::remove_dir_all(h.p("d")).unwrap();
    let c = h.settle(5);
    assert_eq!(
        kinds(&c),
        vec![
            (ChangeKind::Deleted, h.s("d")),
            (ChangeKind::Deleted, h.s("d/1.conf")),
            (ChangeKind::Deleted, h.s("d/2.conf")),
            (ChangeKind::Deleted, h.s("d/sub")),
            (ChangeKind::Deleted, h.s("d/sub/3.conf")),
        ]
    );
}

#[test]
fn new_and_renamed_directories_are_followed() {
    let mut h = Harness::new();
    h.start();
    fs::create_dir_all(h.p("new/deep")).unwrap();
    fs::write(h.p("new/deep/a.conf"), "a\n").unwrap();
    let c = h.settle(3);
    assert_eq!(c.len(), 3, "{c:?}");
    fs::rename(h.p("new"), h.p("moved")).unwrap();
    let c = h.settle(1);
    assert_eq!(kinds(&c), vec![(ChangeKind::Renamed, h.s("moved"))]);
    // The moved tree is still watched.
    fs::write(h.p("moved/deep/a.conf"), "b\n").unwrap();
    let c = h.settle(1);
    assert_eq!(
        kinds(&c),
        vec![(ChangeKind::Modified, h.s("moved/deep/a.conf"))]
    );
    assert_eq!(c[0].detection, Detection::Realtime);
}

#[test]
fn symlinks_are_recorded_never_followed() {
    let mut h = Harness::new();
    fs::create_dir(h.p("d")).unwrap();
    symlink("loop", h.p("loop")).unwrap();
    symlink("b", h.p("a")).unwrap();
    symlink("a", h.p("b")).unwrap();
    symlink("..", h.p("d/up")).unwrap();
    symlink("/", h.p("out")).unwrap();
    h.start();
    symlink("/etc/hostname", h.p("new-link")).unwrap();
    fs::remove_file(h.p("out")).unwrap();
    symlink("/usr", h.p("out")).unwrap();
    let c = h.settle(2);
    assert_eq!(
        kinds(&c),
        vec![
            (ChangeKind::Created, h.s("new-link")),
            (ChangeKind::Modified, h.s("out")),
        ]
    );
    let out = c.iter().find(|c| c.path == h.s("out")).unwrap();
    let (old, new) = (out.old.as_ref().unwrap(), out.new.as_ref().unwrap());
    assert_eq!(new.file_type, "symlink");
    assert_eq!(old.link_target.as_deref(), Some("/"));
    assert_eq!(new.link_target.as_deref(), Some("/usr"));
    assert!(new.sha256.is_none() && out.diff.is_none());
    assert_eq!(h.watch().stats().watches, 2, "root and d only");
}

#[test]
fn watch_budget_exhausted_falls_back_to_the_rescan() {
    let mut h = Harness::new();
    h.cfg.max_watches = 2;
    for d in ["a", "b", "c", "d"] {
        fs::create_dir(h.p(d)).unwrap();
        fs::write(h.p(&format!("{d}/f.conf")), "1\n").unwrap();
    }
    h.start();
    let stats = h.watch().stats();
    assert!(stats.watch_budget_exhausted);
    assert_eq!(stats.watches, 2);
    for d in ["a", "b", "c", "d"] {
        fs::write(h.p(&format!("{d}/f.conf")), "2\n").unwrap();
    }
    // Watched directories report in realtime; the rest on the rescan.
    let c = h.settle(1);
    assert_eq!(c.len(), 4, "{c:?}");
    let realtime = c
        .iter()
        .filter(|c| c.detection == Detection::Realtime)
        .count();
    let rescan = c
        .iter()
        .filter(|c| c.detection == Detection::Rescan)
        .count();
    assert_eq!((realtime, rescan), (1, 3), "{c:?}");
}

#[test]
fn thousands_of_files_each_reported_once() {
    const N: usize = 3000;
    let mut h = Harness::new();
    fs::create_dir(h.p("many")).unwrap();
    h.start();
    for i in 0..N {
        fs::write(h.p(&format!("many/{i}.conf")), format!("n = {i}\n")).unwrap();
    }
    let c = h.settle(N);
    assert_eq!(c.len(), N);
    let mut paths: Vec<_> = c.iter().map(|c| c.path.clone()).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), N);
    assert!(c.iter().all(|c| c.kind == ChangeKind::Created));
    fs::remove_dir_all(h.p("many")).unwrap();
    let c = h.settle(N + 1);
    assert_eq!(c.len(), N + 1);
    assert!(c.iter().all(|c| c.kind == ChangeKind::Deleted));
}

#[test]
fn ignored_paths_are_silent() {
    let mut h = Harness::new();
    h.cfg.ignore = vec!["*.log".into()];
    h.start();
    fs::write(h.p(".x.swp"), "s").unwrap();
    fs::write(h.p("x~"), "s").unwrap();
    fs::write(h.p("a.lock"), "s").unwrap();
    fs::write(h.p("app.log"), "s").unwrap();
    fs::write(h.p("real.conf"), "s\n").unwrap();
    let c = h.settle(1);
    assert_eq!(kinds(&c), vec![(ChangeKind::Created, h.s("real.conf"))]);
}

/// Set by the parent test for the unprivileged child run of
/// [`permission_denied_child`].
const CHILD_ENV: &str = "VIGIL_FILES_UNPRIVILEGED_ROOT";

#[test]
fn permission_denied_is_warned_once_not_fatal() {
    let h = Harness::new();
    // The child (uid 65534) must reach the root and own its state dir.
    fs::set_permissions(h.root.path(), fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(h.state.path(), Some(65534), Some(65534)).unwrap();
    fs::write(h.p("open.conf"), "a\n").unwrap();
    fs::write(h.p("closed.conf"), "secret\n").unwrap();
    fs::set_permissions(h.p("closed.conf"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::create_dir(h.p("locked")).unwrap();
    fs::write(h.p("locked/inner.conf"), "b\n").unwrap();
    fs::set_permissions(h.p("locked"), fs::Permissions::from_mode(0o700)).unwrap();

    let exe = std::env::current_exe().unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .args([
            "collect::files::tests::permission_denied_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, h.root.path())
        .env("VIGIL_FILES_UNPRIVILEGED_STATE", h.state.path())
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("CHILD OK"),
        "command: setpriv ... {} permission_denied_child\nstatus: {}\nstdout:\n{}\nstderr:\n{}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
}

/// Runs unprivileged, spawned by [`permission_denied_is_warned_once_not_fatal`];
/// does nothing in a normal test run.
#[test]
fn permission_denied_child() {
    let (Some(root), Some(state)) = (
        std::env::var_os(CHILD_ENV),
        std::env::var_os("VIGIL_FILES_UNPRIVILEGED_STATE"),
    ) else {
        return;
    };
    let root = PathBuf::from(root);
    assert_ne!(nix::unistd::geteuid().as_raw(), 0, "must run unprivileged");
    let sink = Arc::new(Sink::default());
    let cfg = FilesConfig {
        paths: vec![root.clone()],
        debounce: Duration::from_millis(50),
        ..FilesConfig::default()
    };
    let s = Arc::clone(&sink);
    let w = FileWatch::start(cfg, Path::new(&state), redactor(), move |r| s.push(r)).unwrap();
    assert!(w.wait_ready(TIMEOUT));
    for _ in 0..2 {
        let before = w.stats().scans_completed;
        w.rescan_now();
        wait_for("rescan", TIMEOUT, || w.stats().scans_completed > before);
    }
    let stats = w.stats();
    // closed.conf (content) and locked/ (listing): one warning each.
    assert_eq!(stats.unreadable_paths, 2, "{stats:?}");
    fs::write(root.join("open.conf"), "changed\n").unwrap_or(());
    w.stop().unwrap();
    assert!(sink.take().is_empty());
    println!("CHILD OK");
}

#[test]
fn config_parses_with_defaults_and_rejects_unknown_keys() {
    let cfg: FilesConfig = toml::from_str("").unwrap();
    assert_eq!(cfg, FilesConfig::default());
    let cfg: FilesConfig = toml::from_str(
        r#"
        paths = ["/etc", "/usr/local/etc"]
        ignore = ["*.bak"]
        rescan_interval = "15m"
        debounce = "250ms"
        max_watches = 10
        "#,
    )
    .unwrap();
    assert_eq!(cfg.rescan_interval, Duration::from_secs(900));
    assert_eq!(cfg.debounce, Duration::from_millis(250));
    assert!(cfg.validate().is_ok());
    assert!(toml::from_str::<FilesConfig>("rescan = \"1m\"").is_err());

    let bad = FilesConfig {
        secret_paths: vec!["[oops".into()],
        ..FilesConfig::default()
    };
    let err = bad.validate().unwrap_err().to_string();
    assert!(err.starts_with("files.secret_paths:"), "{err}");
    let rel = FilesConfig {
        paths: vec!["etc".into()],
        ..FilesConfig::default()
    };
    assert!(rel
        .validate()
        .unwrap_err()
        .to_string()
        .contains("files.paths"));
}

#[test]
fn default_globs_match_what_they_say() {
    let c = super::config::Compiled::new(&FilesConfig::default()).unwrap();
    for p in [
        "/etc/.sudoers.swp",
        "/etc/x~",
        "/etc/4913",
        "/etc/mtab",
        "/etc/.pwd.lock",
    ] {
        assert!(c.ignore.is_match(Path::new(p)), "{p} should be ignored");
    }
    for p in [
        "/etc/hosts",
        "/etc/ssh/sshd_config",
        "/etc/shadowsocks.json",
    ] {
        assert!(
            !c.ignore.is_match(Path::new(p)),
            "{p} should not be ignored"
        );
        assert!(!c.secret.is_match(Path::new(p)), "{p} should not be secret");
    }
    for p in [
        "/etc/shadow",
        "/etc/gshadow-",
        "/etc/ssh/ssh_host_ed25519_key",
        "/etc/ssl/private/ssl-cert-snakeoil.key",
        "/etc/pki/tls/ssl/private/x",
        "/opt/app/server.key",
    ] {
        assert!(c.secret.is_match(Path::new(p)), "{p} should be secret");
    }
    assert!(!c
        .secret
        .is_match(Path::new("/etc/ssh/ssh_host_ed25519_key.pub")));
}
