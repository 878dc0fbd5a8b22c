//! Output folders: what cutover may replace, the lock, and the commit.
//!
//! **Ownership.** cutover writes into a folder that is empty (or new), or
//! that it wrote itself: its `manifest.json` lists every file cutover put
//! there (`charts/` included). Anything else in the folder — a file not in
//! the manifest, a symbolic link, a folder other than `charts/` — is refused
//! (exit code 2, the path named) before anything is written, and nothing
//! but the listed files is ever replaced or removed.
//!
//! **Lock.** A command that writes into a folder holds an exclusive lock on
//! `DIR/.cutover-lock` from the first check to the end of the commit; a
//! second command on the same folder is refused (exit code 2). Commands that
//! read a results folder (`merge`, `report`) take it shared; before that,
//! when the folder holds what a killed command left (a staging folder, a
//! temporary file, the lock file) and no process holds the lock, they take
//! it exclusive for a moment and remove those leftovers.
//!
//! **Commit.** The new outputs are written complete into a hidden staging
//! folder inside DIR and flushed to disk. Then a journal,
//! `DIR/.cutover-journal.json`, is written atomically (temporary file,
//! fsync, rename, fsync of DIR), naming the staging folder, the new files
//! and the previous files to remove. Then the new files are renamed into
//! place, the previous files no longer produced are removed, the new
//! manifest is renamed into place, DIR is flushed, and the staging folder
//! and then the journal are removed. Every step is idempotent. Any command that opens DIR first
//! replays a journal it finds (roll forward) and removes staging folders no
//! journal names. So at every instant the folder holds the previous
//! complete outputs (no journal yet: the staging folder is simply dropped),
//! or the journal that completes the new ones, or the new ones.
//!
//! **Test hook.** `CUTOVER_TEST_ABORT_AT=commit:N` makes the process abort
//! (as abruptly as a SIGKILL) at the N-th numbered point of a commit; the
//! tests use it to stop a commit at every point. It has no other effect.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use cutover::export::Manifest;
use cutover::results::{is_output_name, parse_manifest, shorten};
use serde::{Deserialize, Serialize};

use super::{CliError, read_limited, sha256_file, shown, temp_file};

/// The lock file.
pub const LOCK: &str = ".cutover-lock";
/// The journal of a commit in progress.
pub const JOURNAL: &str = ".cutover-journal.json";
/// Staging folders are named this and a random suffix.
const STAGING_PREFIX: &str = ".cutover-staging-";
/// Temporary files (see [`temp_file`]) are `.cutover-*.tmp`.
const TMP_PREFIX: &str = ".cutover-";
const TMP_SUFFIX: &str = ".tmp";
/// Largest journal read (it lists at most twice a manifest's files).
const MAX_JOURNAL_BYTES: u64 = 4 << 20;
const MANIFEST: &str = "manifest.json";

/// What a folder must hold to be written into: results of this kind (and
/// of this scenario, when given), or nothing.
pub struct Expect<'a> {
    /// The manifest's `kind`.
    pub kind: &'a str,
    /// The manifest's `scenario_sha256`, when it must match.
    pub scenario_sha256: Option<&'a str>,
}

/// The journal of a commit: enough to finish it from any point.
#[derive(Serialize, Deserialize, Debug)]
struct Journal {
    /// The staging folder's name (inside DIR).
    staging: String,
    /// Every new file, relative to the staging folder and to DIR; the manifest last.
    new: Vec<String>,
    /// Previous files to remove.
    remove: Vec<String>,
}

impl Journal {
    fn check(&self) -> Result<(), String> {
        let name_ok = |n: &str| n == MANIFEST || is_output_name(n);
        if !self.staging.starts_with(STAGING_PREFIX)
            || self.staging.contains(['/', '\\'])
            || self.staging.contains("..")
        {
            return Err(format!("staging: {:?}", shorten(&self.staging)));
        }
        if let Some(n) = self.new.iter().chain(&self.remove).find(|n| !name_ok(n)) {
            return Err(format!("{:?} is not an output file name", shorten(n)));
        }
        if self.remove.iter().any(|n| n == MANIFEST) {
            return Err("it removes the manifest".into());
        }
        Ok(())
    }
}

/// The error of a step that failed: the environment's refusal when `e` is
/// an I/O error (a read-only folder, a full disk), else a bug.
fn internal(what: String, e: impl std::fmt::Display + 'static) -> CliError {
    CliError::of(what, e)
}

/// Numbered points of a commit, for the test hook (see the module doc).
fn point() {
    static AT: OnceLock<Option<u32>> = OnceLock::new();
    static N: AtomicU32 = AtomicU32::new(0);
    let at = *AT.get_or_init(|| {
        std::env::var("CUTOVER_TEST_ABORT_AT")
            .ok()?
            .strip_prefix("commit:")?
            .parse()
            .ok()
    });
    if let Some(at) = at
        && N.fetch_add(1, Ordering::SeqCst) + 1 == at
    {
        std::process::abort();
    }
}

/// Flushes a folder's entries to disk (best effort: not every platform can).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The folder's lock, held while this lives. An exclusive holder removes
/// the lock file when it is done (still holding it).
struct DirLock {
    file: Option<File>,
    path: PathBuf,
    exclusive: bool,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if self.exclusive && self.file.is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn busy(dir: &Path) -> CliError {
    CliError::BadInput(format!(
        "{} is in use by another cutover process (it holds {}): wait for it to finish, or choose another folder",
        shown(dir),
        shown(dir.join(LOCK))
    ))
}

/// True when the open file is still the one at `path` (not removed and
/// made anew by a process that finished meanwhile).
fn still_there(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Takes DIR's lock without waiting: exclusive (creating the lock file), or
/// shared (only when a lock file exists: none means no writer is at work).
fn lock(dir: &Path, exclusive: bool) -> Result<DirLock, CliError> {
    let path = dir.join(LOCK);
    for _ in 0..16 {
        let opened = if exclusive {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
        } else {
            File::open(&path)
        };
        let file = match opened {
            Ok(f) => f,
            Err(e) if !exclusive && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DirLock {
                    file: None,
                    path,
                    exclusive,
                });
            }
            Err(e) => return Err(internal(format!("cannot open {}", shown(&path)), e)),
        };
        let r = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match r {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(busy(dir)),
            Err(fs::TryLockError::Error(e)) => return Err(internal(format!("cannot lock {}", shown(&path)), e)),
        }
        if still_there(&file, &path) {
            return Ok(DirLock {
                file: Some(file),
                path,
                exclusive,
            });
        }
    }
    Err(busy(dir))
}

/// What a folder holds that cutover may replace.
struct Survey {
    /// Files cutover wrote that are there now, relative to DIR (manifest included).
    owned: BTreeSet<String>,
    journal: Option<Journal>,
}

/// Chart and report names older versions wrote without listing them.
fn legacy_owned(name: &str) -> bool {
    if let Some(leaf) = name.strip_prefix("charts/") {
        let stem = leaf.strip_suffix(".png").or_else(|| leaf.strip_suffix(".svg"));
        return stem.is_some_and(|s| {
            s == "diff"
                || ["dist-", "cdf-", "sweep-", "timeline-"]
                    .iter()
                    .any(|p| s.starts_with(p))
        });
    }
    name == "report.md" || name == "report.html"
}

fn read_journal(dir: &Path) -> Result<Option<Journal>, CliError> {
    let path = dir.join(JOURNAL);
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(internal(format!("cannot read {}", shown(&path)), e)),
        Ok(m) if !m.is_file() => {
            return Err(CliError::BadInput(format!(
                "{}: not a regular file; cutover's journal never is one",
                shown(&path)
            )));
        }
        Ok(_) => {}
    }
    let bytes = read_limited(&path, MAX_JOURNAL_BYTES, "a journal")?;
    let j: Journal = serde_json::from_slice(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|j: Journal| j.check().map(|_| j))
        .map_err(|e| {
            CliError::BadInput(format!(
                "{}: damaged ({e}); it records an unfinished commit of cutover's outputs: remove the folder or choose another",
                shown(&path)
            ))
        })?;
    Ok(Some(j))
}

/// Reads and checks `DIR/manifest.json` (size-limited, every field checked).
pub fn read_manifest(dir: &Path) -> Result<Manifest, CliError> {
    let path = dir.join(MANIFEST);
    let bytes = read_limited(&path, cutover::results::MAX_MANIFEST_BYTES, "a manifest")?;
    parse_manifest(&bytes).map_err(|e| CliError::BadInput(format!("{}: invalid manifest: {e}", shown(&path))))
}

/// Looks at what DIR holds; refuses it when it holds anything cutover did
/// not write, or another study's results. `None` when DIR does not exist.
fn survey(dir: &Path, expect: &Expect) -> Result<Option<Survey>, CliError> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(CliError::BadInput(format!(
                "{}: a file, not a folder: the outputs go into a folder; choose another --out",
                shown(dir)
            )));
        }
        // Nothing there yet (or something in the way, which creating the folder reports).
        Err(_) => return Ok(None),
    }
    let journal = read_journal(dir)?;
    let manifest = match fs::symlink_metadata(dir.join(MANIFEST)) {
        Ok(m) if m.is_file() => Some(read_manifest(dir)?),
        _ => None,
    };
    if let Some(m) = &manifest {
        let other_scenario = expect.scenario_sha256.is_some_and(|s| s != m.scenario_sha256);
        if m.kind != expect.kind || other_scenario {
            return Err(CliError::BadInput(format!(
                "{} holds the results of a different {} ({} of scenario {:?}, sha256 {}…); choose another --out or remove it",
                shown(dir),
                if m.kind == expect.kind { "scenario" } else { "command" },
                m.kind,
                m.scenario,
                &m.scenario_sha256[..12]
            )));
        }
    }
    let listed: BTreeSet<&str> = manifest
        .iter()
        .flat_map(|m| m.files.iter().map(|(n, _)| n.as_str()))
        .chain(journal.iter().flat_map(|j| j.new.iter().map(String::as_str)))
        .collect();
    let legacy = manifest.as_ref().is_some_and(|m| m.format < 2);
    let allowed = |name: &str| listed.contains(name) || (legacy && legacy_owned(name));
    let refuse = |path: &Path, why: &str| {
        let rule = if manifest.is_some() {
            format!("it is not in {}", shown(dir.join(MANIFEST)))
        } else {
            format!("{} has no {MANIFEST}", shown(dir))
        };
        CliError::BadInput(format!(
            "{}: {why} ({rule}); cutover writes only into an empty folder or one it wrote itself, and replaces only its own files: choose another --out, or move it away",
            shown(path)
        ))
    };
    let mut owned = BTreeSet::new();
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
        .map_err(|e| internal(format!("cannot read {}", shown(dir)), e))?
        .collect::<Result<_, _>>()
        .map_err(|e| internal(format!("cannot read {}", shown(dir)), e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let ft = entry
            .file_type()
            .map_err(|e| internal(format!("cannot read {}", shown(&path)), e))?;
        let Some(name) = entry.file_name().to_str().map(String::from) else {
            return Err(refuse(&path, "not written by cutover"));
        };
        if ft.is_symlink() {
            return Err(refuse(&path, "a symbolic link, not written by cutover"));
        }
        let internal_file = name == LOCK
            || name == JOURNAL
            || (name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX) && !name.starts_with(STAGING_PREFIX));
        if (internal_file && ft.is_file()) || (name.starts_with(STAGING_PREFIX) && ft.is_dir()) {
            continue;
        }
        if name == MANIFEST && ft.is_file() {
            owned.insert(name);
            continue;
        }
        if name == "charts" && ft.is_dir() {
            let mut charts: Vec<fs::DirEntry> = fs::read_dir(&path)
                .map_err(|e| internal(format!("cannot read {}", shown(&path)), e))?
                .collect::<Result<_, _>>()
                .map_err(|e| internal(format!("cannot read {}", shown(&path)), e))?;
            charts.sort_by_key(|e| e.file_name());
            for c in charts {
                let rel = c.file_name().to_str().map(|n| format!("charts/{n}"));
                let ft = c
                    .file_type()
                    .map_err(|e| internal(format!("cannot read {}", shown(c.path())), e))?;
                match rel {
                    Some(rel) if ft.is_file() && allowed(&rel) => {
                        owned.insert(rel);
                    }
                    _ if ft.is_symlink() => return Err(refuse(&c.path(), "a symbolic link, not written by cutover")),
                    _ => return Err(refuse(&c.path(), "not written by cutover")),
                }
            }
            continue;
        }
        if ft.is_file() && allowed(&name) {
            owned.insert(name);
            continue;
        }
        return Err(refuse(
            &path,
            if ft.is_dir() {
                "a folder cutover did not make"
            } else {
                "not written by cutover"
            },
        ));
    }
    Ok(Some(Survey { owned, journal }))
}

/// Finishes a commit from its journal. Idempotent: each step is skipped
/// when already done. `hooks` numbers the points for the test hook.
fn apply(dir: &Path, j: &Journal, hooks: bool) -> Result<(), CliError> {
    let stage = dir.join(&j.staging);
    let fail = |what: &str, p: &Path, e: std::io::Error| internal(format!("cannot {what} {}", shown(p)), e);
    let hook = || {
        if hooks {
            point()
        }
    };
    let not_found = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    // 1. The new files, the manifest last: with it, the folder describes the new outputs.
    let mut moves: Vec<&String> = j.new.iter().filter(|n| *n != MANIFEST).collect();
    let manifest = j.new.iter().find(|n| *n == MANIFEST);
    let move_in = |name: &String| -> Result<(), CliError> {
        let (src, dst) = (stage.join(name), dir.join(name));
        match fs::symlink_metadata(&src) {
            Ok(_) => {
                if name.starts_with("charts/") {
                    let charts = dir.join("charts");
                    match fs::create_dir(&charts) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                        Err(e) => return Err(fail("create", &charts, e)),
                    }
                }
                fs::rename(&src, &dst).map_err(|e| fail("move the new output into", &dst, e))?;
                hook();
                Ok(())
            }
            // Moved already, by the commit this replays.
            Err(e) if not_found(&e) && fs::symlink_metadata(&dst).is_ok() => Ok(()),
            Err(e) if not_found(&e) => Err(CliError::Internal(format!(
                "{}: the journal names {name}, which is neither staged nor in place; remove the folder and run again",
                shown(dir.join(JOURNAL))
            ))),
            Err(e) => Err(fail("read", &src, e)),
        }
    };
    for name in moves.drain(..) {
        move_in(name)?;
    }
    // 2. The previous files the new outputs do not replace.
    for name in &j.remove {
        let p = dir.join(name);
        match fs::remove_file(&p) {
            Ok(()) => hook(),
            Err(e) if not_found(&e) => {}
            Err(e) => return Err(fail("remove", &p, e)),
        }
    }
    let charts_removed = j.remove.iter().any(|n| n.starts_with("charts/"));
    if charts_removed && !j.new.iter().any(|n| n.starts_with("charts/")) && dir.join("charts").is_dir() {
        // Empty now, unless someone put something there meanwhile.
        if fs::remove_dir(dir.join("charts")).is_ok() {
            hook();
        }
    }
    // 3. The manifest.
    if let Some(m) = manifest {
        move_in(m)?;
    }
    sync_dir(&dir.join("charts"));
    sync_dir(dir);
    hook();
    // 4. The staging folder, then the journal: the commit is complete.
    match fs::remove_dir_all(&stage) {
        Ok(()) => hook(),
        Err(e) if not_found(&e) => {}
        Err(e) => return Err(fail("remove", &stage, e)),
    }
    let journal = dir.join(JOURNAL);
    fs::remove_file(&journal).map_err(|e| fail("remove", &journal, e))?;
    sync_dir(dir);
    hook();
    Ok(())
}

/// Removes staging folders and temporary files of commands that were
/// killed before their commit (under the lock, with no journal left).
fn remove_stale(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(ft) = entry.file_type() else { continue };
        if name.starts_with(STAGING_PREFIX) && ft.is_dir() {
            let _ = fs::remove_dir_all(entry.path());
        } else if name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX) && ft.is_file() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Finishes a commit a killed command left (if any) and clears its leftovers.
fn recover(dir: &Path) -> Result<(), CliError> {
    if let Some(j) = read_journal(dir)? {
        apply(dir, &j, false)?;
    }
    remove_stale(dir);
    Ok(())
}

/// A results folder being read (`merge`'s shards, `report`'s compare
/// folder): an unfinished commit is finished first, and a writer at work
/// refuses it.
pub struct InputDir {
    _lock: DirLock,
}

impl InputDir {
    /// Opens `dir` for reading. A journal is replayed first (under the
    /// exclusive lock; a writer at work refuses the folder). Staging
    /// folders, temporary files and a lock file that a killed command left
    /// are removed too, when no process holds the lock; when one does (a
    /// writer, or another reader), or the folder is read-only, they stay
    /// and the results are read all the same.
    pub fn open(dir: &Path) -> Result<InputDir, CliError> {
        if fs::symlink_metadata(dir.join(JOURNAL)).is_ok() {
            let _w = lock(dir, true)?;
            recover(dir)?;
        } else if has_leftovers(dir) {
            // Dropped at once: the lock file goes with it.
            if let Ok(_w) = lock(dir, true) {
                remove_stale(dir);
            }
        }
        Ok(InputDir {
            _lock: lock(dir, false)?,
        })
    }
}

/// True when DIR holds what a killed command leaves: a staging folder, a
/// temporary file, or the lock file.
fn has_leftovers(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name == LOCK || name.starts_with(STAGING_PREFIX) || (name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX))
    })
}

/// An output folder, locked and checked, ready for a commit.
pub struct OutDir {
    dir: PathBuf,
    survey: Survey,
    _lock: DirLock,
}

impl OutDir {
    /// Checks `dir` (nothing is written when it is refused), creates it if
    /// needed, locks it, finishes a commit a killed command left, and checks
    /// it again under the lock.
    pub fn open(dir: &Path, expect: Expect) -> Result<OutDir, CliError> {
        survey(dir, &expect)?;
        fs::create_dir_all(dir).map_err(|e| internal(format!("cannot create {}", shown(dir)), e))?;
        let lock = lock(dir, true)?;
        recover(dir)?;
        let survey =
            survey(dir, &expect)?.ok_or_else(|| CliError::Environment(format!("{} disappeared", shown(dir))))?;
        debug_assert!(survey.journal.is_none());
        Ok(OutDir {
            dir: dir.to_path_buf(),
            survey,
            _lock: lock,
        })
    }

    /// The files cutover wrote that the folder holds (relative, manifest excluded).
    pub fn owned_files(&self) -> impl Iterator<Item = &str> {
        self.survey.owned.iter().map(String::as_str).filter(|n| *n != MANIFEST)
    }

    /// A fresh staging folder to write the new outputs into; the folder
    /// stays locked until the staging is committed or dropped.
    pub fn stage(self) -> Result<Staging, CliError> {
        let t = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(&self.dir)
            .map_err(|e| internal(format!("cannot prepare {}", shown(&self.dir)), e))?;
        Ok(Staging {
            out: self,
            path: t.keep(),
            armed: true,
        })
    }
}

/// Opens the output folder `dir` (see [`OutDir::open`]) for a command
/// of `kind` and stages its new outputs: what every writing command does
/// first.
pub fn staged(dir: &Path, kind: &str, scenario_sha256: Option<&str>) -> Result<Staging, CliError> {
    OutDir::open(dir, Expect { kind, scenario_sha256 })?.stage()
}

/// Where the new outputs are written before they replace the previous ones;
/// removed unless committed (the folder's lock held until then).
pub struct Staging {
    out: OutDir,
    path: PathBuf,
    armed: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// The files of a staging folder, relative (`charts/x.png`), sorted.
fn staged_files(stage: &Path) -> Result<Vec<String>, CliError> {
    let fail = |p: &Path, e: std::io::Error| internal(format!("cannot read {}", shown(p)), e);
    let mut out = Vec::new();
    for entry in fs::read_dir(stage).map_err(|e| fail(stage, e))? {
        let entry = entry.map_err(|e| fail(stage, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ft = entry.file_type().map_err(|e| fail(&entry.path(), e))?;
        if name == "charts" && ft.is_dir() {
            for c in fs::read_dir(entry.path()).map_err(|e| fail(&entry.path(), e))? {
                let c = c.map_err(|e| fail(stage, e))?;
                out.push(format!("charts/{}", c.file_name().to_string_lossy()));
            }
        } else {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

impl Staging {
    /// The files cutover wrote that the output folder holds (see
    /// [`OutDir::owned_files`]).
    pub fn owned_files(&self) -> impl Iterator<Item = &str> {
        self.out.owned_files()
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every staged file but the manifest, with its SHA-256, sorted by name.
    pub fn hashes(&self) -> Result<Vec<(String, String)>, CliError> {
        staged_files(&self.path)?
            .into_iter()
            .filter(|n| n != MANIFEST)
            .map(|n| Ok((n.clone(), sha256_file(&self.path.join(&n))?)))
            .collect()
    }

    /// Replaces the previous outputs with the staged ones (see the module
    /// doc). Files of the folder named in `keep` stay; every other file the
    /// previous manifest lists and the new outputs lack is removed.
    pub fn commit(mut self, keep: &[String]) -> Result<(), CliError> {
        let dir = &self.out.dir;
        let staged = staged_files(&self.path)?;
        if let Some(bad) = staged.iter().find(|n| *n != MANIFEST && !is_output_name(n)) {
            return Err(CliError::Internal(format!("staged an unexpected file {bad}")));
        }
        sync_dir(&self.path.join("charts"));
        sync_dir(&self.path);
        point();
        let remove: Vec<String> = self
            .out
            .survey
            .owned
            .iter()
            .filter(|n| *n != MANIFEST && !staged.contains(n) && !keep.contains(n))
            .cloned()
            .collect();
        let journal = Journal {
            staging: self
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            new: staged,
            remove,
        };
        let path = dir.join(JOURNAL);
        let fail = |e: std::io::Error| internal(format!("cannot write {}", shown(&path)), e);
        let mut tmp = temp_file(dir).map_err(fail)?;
        serde_json::to_writer(tmp.as_file_mut(), &journal).map_err(|e| fail(std::io::Error::other(e)))?;
        tmp.as_file_mut().flush().map_err(fail)?;
        tmp.as_file().sync_all().map_err(fail)?;
        point();
        tmp.persist(&path).map_err(|e| fail(e.error))?;
        sync_dir(dir);
        // From here on, the journal completes the commit whatever happens.
        self.armed = false;
        point();
        apply(dir, &journal, true)
    }
}
