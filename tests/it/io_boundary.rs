//! The I/O boundary: only the command line (`src/cli.rs`, `src/cli/`) and
//! `src/main.rs` touch files, the environment or the clock. The library
//! takes text and values and gives values and bytes back, so every part of
//! it can be tested without a disk, and the same inputs give the same
//! outputs wherever it runs.

use std::path::{Path, PathBuf};

/// What the library may not use. (`env!` and `include_str!` are read at
/// compile time and are not matched.)
const FORBIDDEN: [&str; 7] = [
    "std::fs",
    "File::",
    "fs::",
    "std::env",
    "env::var",
    "Instant::now",
    "SystemTime",
];

/// Every `.rs` file below `dir` (also used by `architecture`).
pub(crate) fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// True for the files allowed to do I/O.
fn at_the_boundary(rel: &Path) -> bool {
    rel == Path::new("cli.rs") || rel.starts_with("cli") || rel == Path::new("main.rs")
}

/// True when `word` occurs in `code` not as the end of a longer name
/// (`fs::` in `Diffs::` is not the module `fs`).
fn uses(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(i, _)| {
        !code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Every use of a forbidden name in code outside the boundary: `file:line: text`.
/// Comment lines are skipped (documentation may name what the code does not use).
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let rel = path.strip_prefix(src).unwrap();
        if at_the_boundary(rel) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for word in FORBIDDEN {
                if uses(code, word) {
                    found.push(format!("src/{}:{}: {word}: {}", rel.display(), i + 1, code));
                }
            }
        }
    }
    found
}

#[test]
fn only_the_command_line_touches_files_the_environment_or_the_clock() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "file, environment or clock access outside src/cli.rs, src/cli/ and src/main.rs:\n{}",
        found.join("\n")
    );
    // The scan sees the boundary's own uses, so it would see others.
    let mut all = Vec::new();
    sources(&src, &mut all);
    let cli = std::fs::read_to_string(src.join("cli.rs")).unwrap();
    assert!(
        cli.contains("std::fs::") && all.len() > 30,
        "the scan reads the sources"
    );
}

#[test]
fn the_scan_finds_a_file_read_in_the_library() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path();
    std::fs::create_dir_all(src.join("cli")).unwrap();
    std::fs::create_dir_all(src.join("sim")).unwrap();
    std::fs::write(src.join("cli.rs"), "fn a() { std::fs::read(\"x\"); }\n").unwrap();
    std::fs::write(src.join("cli/run.rs"), "use std::fs::File;\n").unwrap();
    std::fs::write(src.join("main.rs"), "fn main() { std::env::args(); }\n").unwrap();
    std::fs::write(
        src.join("sim/exec.rs"),
        "//! No std::fs here.\nfn f() {\n    let t = std::fs::read_to_string(p);\n}\nuse std::{env, fs};\nfn g() { fs::write(p, b); env::var(\"X\"); Diffs::new(); }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("clock.rs"),
        "fn now() { let t = std::time::Instant::now(); }\n",
    )
    .unwrap();
    let found = violations(src);
    let lines: Vec<&str> = found.iter().map(|f| f.split(": ").next().unwrap()).collect();
    assert_eq!(
        lines,
        [
            "src/clock.rs:1",
            "src/sim/exec.rs:3",
            "src/sim/exec.rs:3",
            "src/sim/exec.rs:6",
            "src/sim/exec.rs:6"
        ],
        "{found:#?}"
    );
}
