//! Repository rules as an ordinary test (run by `cargo test --workspace`).

use crate::nostd::CORES;
use crate::util::root;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn cores_are_no_std_and_forbid_unsafe() {
    for (dir, _, _) in CORES {
        let lib = root().join("crates").join(dir).join("src/lib.rs");
        let Ok(text) = std::fs::read_to_string(&lib) else {
            continue;
        };
        assert!(
            text.contains("#![no_std]"),
            "{} is not #![no_std]",
            lib.display()
        );
        assert!(
            text.contains("#![forbid(unsafe_code)]"),
            "{} lacks #![forbid(unsafe_code)]",
            lib.display()
        );
        assert!(
            text.contains("include_str!(\"../README.md\")"),
            "{}: the crate README must be the crate doc",
            lib.display()
        );
    }
}

#[test]
fn no_stubs_ignores_or_should_panic() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("xtask/src"), &mut files);
    let this = Path::new(file!()).file_name().map(|n| n.to_os_string());
    let banned = [
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("#[", "ignore"),
        concat!("#[", "should_panic"),
    ];
    for f in files {
        if f.file_name().map(|n| n.to_os_string()) == this {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            for b in banned {
                assert!(
                    !line.contains(b),
                    "{}:{}: `{b}` is not allowed",
                    f.display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn every_fuzz_target_is_registered_in_the_fuzz_manifest() {
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(root().join("fuzz/fuzz_targets")) else {
        return;
    };
    for e in entries.flatten() {
        let stem = e
            .path()
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(
            manifest.contains(&format!("name = \"{stem}\"")),
            "fuzz target {stem} has no [[bin]] in fuzz/Cargo.toml"
        );
    }
}

/// README code blocks introduced by `<!-- example: PATH -->` are exactly the file at PATH
/// (a compiled example), so the README cannot drift from code that builds.
#[test]
fn readme_examples_are_the_compiled_examples() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let mut checked = 0;
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- example: ") {
        let after = &rest[at + "<!-- example: ".len()..];
        let (path, tail) = after.split_once(" -->").expect("a closed example marker");
        let body = tail
            .trim_start()
            .strip_prefix("```rust\n")
            .expect("a ```rust block after the example marker");
        let end = body.find("```\n").expect("a closed code block");
        let file = std::fs::read_to_string(root().join(path))
            .unwrap_or_else(|e| panic!("README names {path}: {e}"));
        assert_eq!(
            &body[..end],
            file,
            "README's block for {path} differs from the file"
        );
        checked += 1;
        rest = &body[end..];
    }
    assert!(checked >= 3, "README shows {checked} examples");
}
