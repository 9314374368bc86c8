//! The shipped systemd units are valid (checked by systemd itself) and
//! their hardening holds (systemd's own exposure score).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use vigil_tests::bin;

fn units() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging");
    let mut units: Vec<_> = std::fs::read_dir(&dir)
        .expect("packaging dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "service"))
        .collect();
    units.sort();
    units
}

/// Copies a unit into a temp dir with ExecStart pointing at the built
/// binary (systemd-analyze checks that the executable exists).
fn localized(unit: &Path, tmp: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(unit).expect("unit");
    let mut out = text;
    for name in ["vigil-server", "vigil-agent"] {
        out = out.replace(
            &format!("/usr/bin/{name}"),
            &bin(name).display().to_string(),
        );
    }
    let dest = tmp.join(unit.file_name().expect("name"));
    std::fs::write(&dest, out).expect("write unit");
    dest
}

#[test]
fn units_verify_and_are_hardened() {
    let units = units();
    assert!(
        units.iter().any(|u| u.ends_with("vigil-server.service")),
        "{units:?}"
    );
    let tmp = tempfile::tempdir().unwrap();
    for unit in units {
        let local = localized(&unit, tmp.path());
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&local)
            .output()
            .expect("systemd-analyze (package systemd) is required");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{} does not verify:\n{}",
            unit.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new("systemd-analyze")
            .args(["security", "--offline=yes", "--threshold=40"])
            .arg(&local)
            .output()
            .expect("systemd-analyze");
        assert!(
            out.status.success(),
            "{} is exposed above 4.0 (threshold is in tenths):\n{}",
            unit.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
