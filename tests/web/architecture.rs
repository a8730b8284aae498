//! The web crate's module structure, read from its source: no two modules
//! import each other (directly or around a circle), and no page is
//! imported by another page or by a component — what pages share is a
//! component. (The crate boundaries themselves are checked by
//! `scripts/test` with `cargo tree`.)

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// Module path (`app::pages::cart`) → the module paths it imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// `src/app/pages/cart.rs` → `app::pages::cart`; `mod.rs` names its folder.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|last| last == "mod" || last == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// Expands a use tree such as `a::{b::C, d::{e, f}}` into whole paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap().trim().to_owned()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .flat_map(expand)
        .map(|path| if path == "self" { prefix.to_owned() } else { format!("{prefix}::{path}") })
        .collect()
}

/// Every `crate::…` or `super::…` path the file names, made absolute.
fn referenced_paths(module: &str, code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for statement in code.split(';') {
        if let Some(start) = statement.find("use ") {
            let tree = statement[start + 4..].trim();
            if tree.starts_with("crate::") || tree.starts_with("super::") {
                paths.extend(expand(tree));
            }
        }
    }
    for (index, _) in code.match_indices("crate::") {
        let rest = &code[index..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        paths.push(rest[..end].trim_end_matches(':').to_owned());
    }
    // `super` of `a::b::c` is `a::b`, whether c is `c.rs` or `c/mod.rs`.
    let mut parent: Vec<&str> = module.split("::").filter(|part| !part.is_empty()).collect();
    parent.pop();
    paths
        .into_iter()
        .map(|path| match path.strip_prefix("super::") {
            Some(rest) => [parent.join("::"), rest.to_owned()].join("::"),
            None => path.trim_start_matches("crate::").to_owned(),
        })
        .collect()
}

fn module_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|file| module_of(&src, file)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let module = module_of(&src, file);
        let code = std::fs::read_to_string(file).unwrap();
        let imports = graph.entry(module.clone()).or_default();
        for path in referenced_paths(&module, &code) {
            // The longest known module the path starts with.
            let segments: Vec<&str> = path.split("::").collect();
            let target = (1..=segments.len())
                .rev()
                .map(|n| segments[..n].join("::"))
                .find(|candidate| modules.contains(candidate));
            if let Some(target) = target
                && target != module
                && !module.starts_with(&format!("{target}::"))
            {
                imports.insert(target);
            }
        }
    }
    graph
}

/// A circle of imports, if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|seen| seen == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_two_modules_import_each_other() {
    let graph = module_graph();
    assert!(graph.len() > 40, "the scan found the crate's modules: {:?}", graph.keys());
    assert!(graph["app::pages::cart"].contains("app::components::form"), "the scan sees imports");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("an import circle: {}", cycle.join(" → "));
    }
}

#[test]
fn pages_are_imported_by_no_page_and_no_component() {
    for (module, imports) in module_graph() {
        let is_page = module.starts_with("app::pages::");
        let is_component = module.starts_with("app::components");
        for import in imports.iter().filter(|import| import.starts_with("app::pages::")) {
            assert!(!is_page && !is_component, "{module} imports the page {import}");
        }
    }
}

#[test]
fn the_scan_finds_a_circle_when_there_is_one() {
    let graph = Graph::from([
        ("a".into(), BTreeSet::from(["b".into()])),
        ("b".into(), BTreeSet::from(["c".into()])),
        ("c".into(), BTreeSet::from(["a".into()])),
    ]);
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    assert_eq!(
        expand("crate::app::{components::{form::FormAlert, price::Price}, forms}"),
        ["crate::app::components::form::FormAlert", "crate::app::components::price::Price", "crate::app::forms"]
    );
}
