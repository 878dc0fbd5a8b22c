//! The module graph of `src/`: which top-level module uses which, read
//! from the paths in the code (`use crate::…` declarations, grouped ones
//! across lines, and paths written inline; the command line's
//! `cutover::…`). It must have no cycle, the site types must sit below
//! both the scenario and the runbooks, and the simulation, the reports
//! and the Monte-Carlo runner must never reach the command line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::io_boundary::sources;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level module a file belongs to: `sim` for `sim.rs` and
/// `sim/exec.rs`, `lib` for `lib.rs`.
fn module_of(rel: &Path) -> String {
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// The code without its comments (`//` to the end of the line).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules `code` names through `root::` (`crate` or
/// `cutover`): `root::a::b`, `root::{a, b::{c, d}}` (across lines too).
fn used_modules(code: &str, root: &str) -> BTreeSet<String> {
    let prefix = format!("{root}::");
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices(&prefix) {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `my_crate::` is not `crate::`
        }
        let rest = code[i + prefix.len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // The names at the group's top level, up to its closing brace.
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && (c.is_alphanumeric() || c == '_') => {
                        found.insert(ident(&group[j..]).to_string());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name.to_string());
            }
        }
    }
    found.remove("self");
    found
}

/// Every top-level module of `src` and the modules it uses (itself left
/// out). The library's files name the others by `crate::`; the binary's
/// (`main.rs`, `cli.rs`, `cli/`) name the library by `cutover::` and
/// their own modules by `crate::`.
fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    sources(src, &mut files);
    files.sort();
    let mut graph = Graph::new();
    for path in files {
        let rel = path.strip_prefix(src).unwrap();
        let module = module_of(rel);
        let code = without_comments(&std::fs::read_to_string(&path).unwrap());
        let mut uses = used_modules(&code, "crate");
        uses.extend(used_modules(&code, "cutover"));
        uses.remove(&module);
        graph.entry(module).or_default().extend(uses);
    }
    graph
}

/// A cycle of the graph, as `a -> b -> a`, if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = path.iter().position(|n| n == node).unwrap();
                let mut cycle = path[from..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Open);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, marks, path) {
                return Some(c);
            }
        }
        path.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

/// The modules `module` reaches, directly or not.
fn reaches(graph: &Graph, module: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![module.to_string()];
    while let Some(m) = todo.pop() {
        for next in graph.get(&m).into_iter().flatten() {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}

fn src_graph() -> Graph {
    module_graph(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn the_modules_of_src_import_each_other_without_a_cycle() {
    let graph = src_graph();
    // The scan sees the modules and their imports, so it would see a cycle.
    assert!(graph.len() >= 15, "{:?}", graph.keys());
    assert!(
        graph["sim"].contains("engine") && graph["cli"].contains("sim"),
        "{graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "the modules of src/ import each other in a circle: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_site_types_sit_below_the_scenario_and_the_runbooks() {
    let graph = src_graph();
    assert!(graph["scenario"].contains("runbook") && graph["scenario"].contains("model"));
    assert!(graph["runbook"].contains("model"));
    let below = reaches(&graph, "model");
    for upper in ["scenario", "runbook", "sim", "report"] {
        assert!(!below.contains(upper), "model reaches {upper}: {below:?}");
    }
    assert!(!reaches(&graph, "runbook").contains("scenario"), "{graph:?}");
}

#[test]
fn the_simulation_the_reports_and_monte_carlo_never_import_the_command_line() {
    let graph = src_graph();
    for module in ["sim", "report", "montecarlo"] {
        let reached = reaches(&graph, module);
        assert!(!reached.is_empty(), "{module} uses other modules");
        for cli in ["cli", "main"] {
            assert!(!reached.contains(cli), "{module} reaches {cli}: {reached:?}");
        }
    }
}

#[test]
fn the_scan_reads_grouped_imports_and_finds_a_cycle() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path();
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(
        src.join("a.rs"),
        "//! Uses crate::z in words only.\nuse crate::{\n    b::Thing,\n    c::{self, Other},\n};\nmod inner;\n",
    )
    .unwrap();
    std::fs::write(src.join("a/inner.rs"), "fn f() { let _ = my_crate::d::x(); }\n").unwrap();
    std::fs::write(src.join("b.rs"), "pub struct Thing;\n// use crate::a;\n").unwrap();
    std::fs::write(src.join("c.rs"), "fn g() -> crate::a::T { todo!() } // crate::z\n").unwrap();
    std::fs::write(src.join("cli.rs"), "use cutover::sim::run;\nuse crate::main_helpers;\n").unwrap();
    let graph = module_graph(src);
    let edges = |m: &str| graph[m].iter().map(String::as_str).collect::<Vec<_>>();
    assert_eq!(edges("a"), ["b", "c"]);
    assert!(edges("b").is_empty());
    assert_eq!(edges("c"), ["a"]);
    assert_eq!(edges("cli"), ["main_helpers", "sim"]);
    assert_eq!(find_cycle(&graph), Some(vec!["a".to_string(), "c".into(), "a".into()]));
    std::fs::write(src.join("c.rs"), "fn g() {}\n").unwrap();
    assert_eq!(find_cycle(&module_graph(src)), None);
}
