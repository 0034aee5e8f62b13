//! The docs travel with the code: every relative link in README.md and docs/*.md
//! resolves inside the repository (file, and heading when the link names one), and
//! nothing points outside it to the project's `shared` folder, which a fresh clone
//! does not have.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The markdown files whose links are checked.
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) == Some("md") {
            docs.push(p);
        }
    }
    docs.sort();
    docs
}

/// The targets of inline links `[text](target)`, outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(markdown).unwrap();
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

#[test]
fn relative_links_resolve() {
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = match link.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (link.as_str(), None),
            };
            let target = if file.is_empty() {
                doc.clone()
            } else {
                doc.parent().unwrap().join(file)
            };
            assert!(
                target.exists(),
                "{}: link `{link}` points to a missing file",
                doc.display()
            );
            let inside = std::fs::canonicalize(&target)
                .unwrap()
                .starts_with(std::fs::canonicalize(root()).unwrap());
            assert!(
                inside,
                "{}: link `{link}` leaves the repository",
                doc.display()
            );
            if let Some(anchor) = anchor {
                assert!(
                    anchors(&target).iter().any(|a| a == anchor),
                    "{}: link `{link}`: no such heading",
                    doc.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} links found");
}

#[test]
fn nothing_cites_the_shared_folder() {
    // Built from parts so that this file does not match itself.
    let needle = format!("../{}/", "shared");
    fn walk(dir: &Path, needle: &str, hits: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                let name = p.file_name().unwrap().to_string_lossy();
                if name != "target" && !name.starts_with('.') {
                    walk(&p, needle, hits);
                }
            } else if std::fs::read_to_string(&p).is_ok_and(|t| t.contains(needle)) {
                hits.push(p.display().to_string());
            }
        }
    }
    let mut hits = Vec::new();
    for dir in ["crates", "tests", "benches", "docs", "fixtures"] {
        walk(&root().join(dir), &needle, &mut hits);
    }
    if std::fs::read_to_string(root().join("README.md"))
        .unwrap()
        .contains(&needle)
    {
        hits.push("README.md".into());
    }
    assert!(hits.is_empty(), "files citing {needle}: {hits:?}");
}

#[test]
fn slugs_follow_github() {
    assert_eq!(
        slug(" 2a. Coverage, scope and the fall-through list"),
        "2a-coverage-scope-and-the-fall-through-list"
    );
    assert_eq!(slug(" Extensions in toklon"), "extensions-in-toklon");
}
