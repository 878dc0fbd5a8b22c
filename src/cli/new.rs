//! `cutover new KIND`: a commented scenario (or a fleet with its site file)
//! that validates as written and says, field by field, what to change.
//!
//! The templates live in `templates/` and are compiled in; a test checks
//! that each one validates and that `compare` runs on it.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::CliError;

/// The kinds `cutover new` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A failover pair (A primary, B backup): the five pair strategies.
    Pair,
    /// A single appliance.
    Single,
    /// An Atlas cluster with a backup primary and traffic nodes in regions.
    Atlas,
    /// A blue-green pod updated by the cloud service.
    Pod,
    /// A fleet of pairs in three zones, with its site file beside it.
    Fleet,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Pair => "pair",
            Kind::Single => "single",
            Kind::Atlas => "atlas",
            Kind::Pod => "pod",
            Kind::Fleet => "fleet",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Kind::Pair => include_str!("../../templates/pair.toml"),
            Kind::Single => include_str!("../../templates/single.toml"),
            Kind::Atlas => include_str!("../../templates/atlas.toml"),
            Kind::Pod => include_str!("../../templates/pod.toml"),
            Kind::Fleet => include_str!("../../templates/fleet.toml"),
        }
    }
}

/// The fleet template's site file.
const FLEET_SITE: &str = include_str!("../../templates/fleet-site.toml");

/// Writes the template of `kind` to `out` (`<kind>.toml` in the current
/// folder when omitted); a fleet also writes its site file beside it,
/// `<stem>-site.toml`. Existing files are never overwritten: the command
/// refuses before writing anything.
pub fn cmd_new(kind: Kind, out: Option<PathBuf>) -> Result<(), CliError> {
    let out = out.unwrap_or_else(|| PathBuf::from(format!("{}.toml", kind.name())));
    if out.extension().is_none_or(|e| e != "toml") {
        return Err(CliError::BadInput(format!(
            "{}: a scenario file ends in .toml",
            out.display()
        )));
    }
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if kind == Kind::Fleet {
        let stem = out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let site_name = format!("{stem}-site.toml");
        let site = out.with_file_name(&site_name);
        files.push((out.clone(), kind.template().replace("SITE_FILE", &site_name)));
        files.push((site, FLEET_SITE.to_string()));
    } else {
        files.push((out.clone(), kind.template().to_string()));
    }
    for (path, _) in &files {
        if path.exists() {
            return Err(CliError::BadInput(format!(
                "{} exists; cutover new never overwrites a file: choose another --out",
                path.display()
            )));
        }
    }
    for (path, text) in &files {
        write_new(path, text)?;
    }
    let written: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    let verb = if kind == Kind::Fleet { "compare" } else { "report" };
    errln!(
        "wrote {}: change the lines marked CHANGE, then\n  cutover validate {}\n  cutover {verb} {}",
        written.join(" and "),
        out.display(),
        out.display()
    );
    Ok(())
}

/// Writes `text` to `path` whole or not at all, and only if no file of
/// that name appeared meanwhile.
fn write_new(path: &Path, text: &str) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| CliError::io(format!("cannot write {}", super::shown(path)), &e);
    let mut tmp = super::temp_file(dir).map_err(fail)?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::BadInput(format!(
                "{} exists; cutover new never overwrites a file: choose another --out",
                path.display()
            ))
        } else {
            fail(e.error)
        }
    })?;
    Ok(())
}
