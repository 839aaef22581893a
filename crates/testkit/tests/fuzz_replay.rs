//! Replays every committed fuzz seed (`fuzz/seeds/<target>/*`) through the same body the
//! fuzzer runs, on stable, as an ordinary test.

use std::path::PathBuf;
use telecontrol_testkit::fuzz::TARGETS;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

#[test]
fn every_fuzz_target_has_a_body() {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join("fuzz_targets")) else {
        return;
    };
    for e in entries.flatten() {
        let stem = e.path().file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            TARGETS.iter().any(|t| t.name == stem),
            "fuzz target {stem} has no body in testkit::fuzz::TARGETS"
        );
    }
}

#[test]
fn replay_committed_seeds() {
    let mut replayed = 0usize;
    for t in TARGETS {
        let dir = fuzz_dir().join("seeds").join(t.name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
            panic!(
                "target {} has no seed folder {}: {e}",
                t.name,
                dir.display()
            )
        });
        let mut n = 0usize;
        for e in entries.flatten() {
            let data = std::fs::read(e.path()).unwrap();
            (t.run)(&data);
            n += 1;
        }
        assert!(n > 0, "target {} has no committed seed", t.name);
        replayed += n;
    }
    println!("replayed {replayed} seeds over {} targets", TARGETS.len());
}
