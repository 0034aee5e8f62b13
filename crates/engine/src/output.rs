//! Atomic output folders.
//!
//! A run writes into a hidden staging folder beside the output folder and swaps it in
//! only when every file is written, so a failed or killed run leaves the previous
//! outputs as they were. The swap is two renames on one file system (old → aside,
//! staging → output) followed by removing the old folder; between the two renames the
//! output path is briefly absent, never half-written. A killed run cannot clean up:
//! it leaves `.NAME.toklon-staging-PID` (or, killed between the renames, the previous
//! outputs in `.NAME.toklon-staging-PID.old`); the next run into the same folder
//! removes such folders of dead processes and puts a lost output back.
//!
//! The outputs hold personal data of millions of people, so the staging folder and
//! everything in it are owner-only (`0700` folders, `0600` files) whatever the umask,
//! as PostgreSQL insists for its data folder; [`Access::Group`] opens them to the
//! group (`0750` / `0640`) for a team sharing a server. Nothing is world-readable.
//!
//! **One run per output.** A run holds an exclusive OS lock on `.NAME.toklon-lock`
//! beside the output folder from before it reads until its outputs are swapped in; the
//! file holds the running process's id. A second run into the same output finds the
//! lock taken and stops at once ([`EngineError::OutputBusy`]). The OS releases the
//! lock when the process ends, however it ends, so a killed run never blocks the next;
//! the lock file itself stays (removing it would let two runs lock two different
//! files).
//!
//! **Durability.** Before the swap every file in the staging folder and the folder
//! itself are flushed to the disk (`fsync`), and after the rename the parent folder
//! is, so a power cut leaves either the previous outputs or the complete new ones
//! under the output path, never a new folder with files still in the page cache.
//!
//! **Full disk.** A write that fails for lack of space stops the run with an error
//! that says so ([`EngineError::DiskFull`]); the staging folder is removed and the
//! previous outputs are untouched.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::EngineError;

/// Marker file every toklon output folder holds; only such a folder is ever replaced.
pub const MARKER: &str = "summary.json";

/// Who may read a run's outputs besides their owner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Access {
    /// Only the owner: folders `0700`, files `0600`.
    #[default]
    Owner,
    /// The owner and the group, read-only: folders `0750`, files `0640`.
    Group,
}

impl Access {
    /// The Unix mode of an output folder.
    pub fn dir_mode(self) -> u32 {
        match self {
            Access::Owner => 0o700,
            Access::Group => 0o750,
        }
    }

    /// The Unix mode of an output file.
    pub fn file_mode(self) -> u32 {
        match self {
            Access::Owner => 0o600,
            Access::Group => 0o640,
        }
    }
}

/// Creates a folder (its parents must exist) owner-only, whatever the umask. Every
/// folder of a run's outputs is made here; files are made by
/// [`toklon_io::create_owner_only`].
pub fn create_dir_owner_only(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)?;
    set_mode(path, Access::Owner.dir_mode())
}

/// Writes a whole file owner-only (see [`toklon_io::create_owner_only`]).
pub fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    toklon_io::create_owner_only(path)?.write_all(bytes)
}

/// Sets `path`'s permission bits exactly (the umask plays no part in chmod).
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Gives `dir` and everything under it the modes of `access`: what the run
/// created owner-only is opened to the group when asked, and anything a writer
/// created with the umask's mode is narrowed. Symbolic links are not followed.
fn apply_access(dir: &Path, access: Access) -> std::io::Result<()> {
    set_mode(dir, access.dir_mode())?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            apply_access(&entry.path(), access)?;
        } else if kind.is_file() {
            set_mode(&entry.path(), access.file_mode())?;
        }
    }
    Ok(())
}

/// A staging folder that is removed on drop unless committed.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    access: Access,
    committed: bool,
    /// Held until the staging folder is swapped in or removed (dropped after them).
    _lock: OutputLock,
}

/// The exclusive lock of one output folder (see the module documentation).
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

impl OutputLock {
    /// Takes the lock of `target`'s output, or fails at once naming the process that
    /// holds it.
    pub fn acquire(target: &Path) -> Result<OutputLock, EngineError> {
        let (parent, name) = parent_and_name(target);
        let path = parent.join(format!(".{name}.toklon-lock"));
        let err = |source| EngineError::OutputIo {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&parent).map_err(err)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(err)?;
        // Through fs4 (flock on Unix, LockFileEx on Windows), not the newer std
        // method of the same name, so the crate's minimum Rust version holds.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok());
                return Err(EngineError::OutputBusy {
                    path: target.to_path_buf(),
                    lock: path,
                    pid,
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(err(e)),
        }
        file.set_len(0).map_err(err)?;
        writeln!(file, "{}", std::process::id()).map_err(err)?;
        Ok(OutputLock { _file: file })
    }
}

/// The folder holding `target` and `target`'s name.
fn parent_and_name(target: &Path) -> (PathBuf, String) {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("toklon-out")
        .to_string();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    (parent, name)
}

impl Staging {
    /// Prepares `target`'s owner-only staging folder (see [`Staging::with_access`]).
    pub fn new(target: &Path) -> Result<Staging, EngineError> {
        Staging::with_access(target, Access::Owner)
    }

    /// Prepares `target`'s staging folder, refusing to ever replace a folder that is
    /// not a toklon output (so `--out ~` cannot wipe a home folder). The folder is
    /// owner-only while the run writes; [`Staging::commit`] gives the outputs the
    /// modes of `access`.
    pub fn with_access(target: &Path, access: Access) -> Result<Staging, EngineError> {
        let err = |source| EngineError::OutputIo {
            path: target.to_path_buf(),
            source,
        };
        if target.exists() {
            if !target.is_dir() {
                return Err(EngineError::Output {
                    path: target.to_path_buf(),
                    message: "exists and is not a folder".into(),
                });
            }
            let empty = std::fs::read_dir(target).map_err(err)?.next().is_none();
            if !empty && !target.join(MARKER).is_file() {
                return Err(EngineError::Output {
                    path: target.to_path_buf(),
                    message: format!(
                        "exists, is not empty and holds no {MARKER}: not a toklon output, so it is left alone (choose another --out)"
                    ),
                });
            }
        }
        let (parent, name) = parent_and_name(target);
        std::fs::create_dir_all(&parent).map_err(err)?;
        // Taken before anything beside the output is touched: a second run stops
        // here, leaving the first one's staging folder alone.
        let lock = OutputLock::acquire(target)?;
        clean_stale(&parent, &name, target);
        let dir = parent.join(format!(".{name}.toklon-staging-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(err)?;
        }
        create_dir_owner_only(&dir).map_err(err)?;
        Ok(Staging {
            target: target.to_path_buf(),
            dir,
            access,
            committed: false,
            _lock: lock,
        })
    }

    /// Where to write the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Swaps the staging folder in as the output folder, every folder and file in
    /// it given the modes of its [`Access`] first.
    pub fn commit(mut self) -> Result<(), EngineError> {
        let err = |source| EngineError::OutputIo {
            path: self.target.clone(),
            source,
        };
        apply_access(&self.dir, self.access).map_err(err)?;
        let aside = self.dir.with_file_name(format!(
            "{}.old",
            self.dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("old")
        ));
        sync_tree(&self.dir).map_err(err)?;
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &aside).map_err(err)?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            if had_old {
                // Put the previous outputs back before reporting.
                let _ = std::fs::rename(&aside, &self.target);
            }
            return Err(err(e));
        }
        self.committed = true;
        // The renames are entries of the parent folder: flush it too.
        sync_dir(self.target.parent().unwrap_or(Path::new("."))).map_err(err)?;
        if had_old {
            std::fs::remove_dir_all(&aside).map_err(err)?;
        }
        Ok(())
    }
}

/// Flushes every file under `dir`, then `dir` itself, to the disk.
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if e.file_type()?.is_dir() {
            sync_tree(&path)?;
        } else {
            // Windows flushes only through a handle open for writing.
            OpenOptions::new()
                .read(true)
                .write(cfg!(windows))
                .open(&path)?
                .sync_all()?;
        }
    }
    sync_dir(dir)
}

/// Flushes a folder's entries (Unix; elsewhere a folder cannot be opened for it, and
/// the file system journals its metadata).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Whether a failed run failed for lack of disk space: an I/O error `ENOSPC` (or a
/// disk quota) anywhere in its chain of causes.
pub fn is_disk_full(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            ) {
                return true;
            }
        }
        cause = e.source();
    }
    false
}

/// Tidies what killed runs left beside `target`: a SIGKILLed run cannot drop its
/// [`Staging`], so its `.NAME.toklon-staging-PID` folder stays behind. A folder whose
/// process is gone is removed, except a `.old` aside folder when the output itself is
/// missing: the run died between the two renames of [`Staging::commit`], and that
/// folder holds the previous outputs, so it is put back. Best effort: a folder that
/// cannot be removed is left for the next run, never an error.
fn clean_stale(parent: &Path, name: &str, target: &Path) {
    let prefix = format!(".{name}.toklon-staging-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let mut stale: Vec<(PathBuf, bool)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name();
            let rest = file.to_str()?.strip_prefix(&prefix)?.to_string();
            let (pid, aside) = match rest.strip_suffix(".old") {
                Some(p) => (p.to_string(), true),
                None => (rest, false),
            };
            let pid: u32 = pid.parse().ok()?;
            (pid != std::process::id() && !process_alive(pid)).then(|| (e.path(), aside))
        })
        .collect();
    // Restore before removing, so a lost output comes back whatever the listing order.
    stale.sort_by_key(|(_, aside)| !aside);
    for (path, aside) in stale {
        if aside && !target.exists() && path.join(MARKER).is_file() {
            let _ = std::fs::rename(&path, target);
        } else {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Whether a process with this id runs. Only Linux can tell without `unsafe` (through
/// `/proc`); elsewhere every process is assumed alive, so nothing is removed.
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_run_keeps_previous_outputs() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let s = Staging::new(&out).unwrap();
        std::fs::write(s.dir().join(MARKER), "first").unwrap();
        s.commit().unwrap();
        {
            let s = Staging::new(&out).unwrap();
            std::fs::write(s.dir().join(MARKER), "second").unwrap();
            // dropped without commit: a failed run
        }
        assert_eq!(std::fs::read_to_string(out.join(MARKER)).unwrap(), "first");
        let s = Staging::new(&out).unwrap();
        std::fs::write(s.dir().join(MARKER), "third").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join(MARKER)).unwrap(), "third");
        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        // The output and its lock file (kept on purpose), no staging folder.
        assert_eq!(
            left,
            [".out.toklon-lock", "out"],
            "no staging folders left behind"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn cleans_staging_of_dead_runs_and_restores_a_lost_output() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        // No process has an id above the kernel's pid_max (at most 2^22).
        let dead = 4_194_305u32;
        let killed = root.path().join(format!(".out.toklon-staging-{dead}"));
        std::fs::create_dir_all(&killed).unwrap();
        std::fs::write(killed.join("links.parquet"), "partial").unwrap();
        let aside = root.path().join(format!(".out.toklon-staging-{dead}.old"));
        std::fs::create_dir_all(&aside).unwrap();
        std::fs::write(aside.join(MARKER), "previous").unwrap();
        // A live run's folder (this process's parent is alive) is left alone.
        let live = root.path().join(format!(
            ".out.toklon-staging-{}",
            std::os::unix::process::parent_id()
        ));
        std::fs::create_dir_all(&live).unwrap();
        let s = Staging::new(&out).unwrap();
        assert!(!killed.exists());
        assert!(!aside.exists());
        assert!(live.exists());
        assert_eq!(
            std::fs::read_to_string(out.join(MARKER)).unwrap(),
            "previous"
        );
        drop(s);
    }

    #[cfg(unix)]
    #[test]
    fn staging_is_owner_only_and_commit_applies_the_access() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for (access, dir_mode, file_mode) in
            [(Access::Owner, 0o700, 0o600), (Access::Group, 0o750, 0o640)]
        {
            let root = tempfile::tempdir().unwrap();
            let out = root.path().join("out");
            let s = Staging::with_access(&out, access).unwrap();
            // Owner-only while the run writes, whatever the access asked for.
            assert_eq!(mode(s.dir()), 0o700);
            let sub = s.dir().join("provinces");
            create_dir_owner_only(&sub).unwrap();
            assert_eq!(mode(&sub), 0o700);
            write_owner_only(&s.dir().join(MARKER), b"{}").unwrap();
            assert_eq!(mode(&s.dir().join(MARKER)), 0o600);
            // A file some writer made world-readable is narrowed at commit.
            let loose = sub.join("10_people.csv");
            std::fs::write(&loose, "x").unwrap();
            std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o666)).unwrap();
            s.commit().unwrap();
            assert_eq!(mode(&out), dir_mode);
            assert_eq!(mode(&out.join("provinces")), dir_mode);
            assert_eq!(mode(&out.join(MARKER)), file_mode);
            assert_eq!(mode(&out.join("provinces/10_people.csv")), file_mode);
        }
    }

    #[test]
    fn a_second_staging_of_one_output_is_refused_while_the_first_lives() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let first = Staging::new(&out).unwrap();
        match Staging::new(&out) {
            Err(EngineError::OutputBusy { pid, .. }) => {
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("expected OutputBusy, got {other:?}"),
        }
        drop(first);
        Staging::new(&out).unwrap();
    }

    #[test]
    fn refuses_to_replace_a_foreign_folder() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("precious.txt"), "x").unwrap();
        assert!(Staging::new(root.path()).is_err());
    }
}
