//! Synthetic Thai population, household and welfare-registry data, with the ground
//! truth, for testing and benchmarking toklon.
//!
//! The generator builds a true world first — households with a Thai-like age
//! pyramid, people with names from the Thai Names Corpus, real DOPA subdistrict
//! codes, valid national IDs, work status, disability, household deprivation, and
//! the schemes each person truly holds — and then writes it out the way agencies
//! write it, with the corruption model below. It sits beside the pipeline: its
//! output is a data folder in the contract's canonical layout that `toklon run`
//! reads as it is, and its `truth/` folder is what `toklon eval` scores against.
//!
//! ```text
//! out/population.parquet          the base (TPMAP-like), one row per person (+ duplicates)
//! out/households.parquet          one row per household, with the five dep_* flags
//! out/registries/<name>.parquet   sso, nhso_ucs, csmbs, dla_oaa, dep_disability,
//!                                 dcy_child_grant, nsf, wcf: one row per enrolment
//! out/truth/entities.parquet      source, record_id, entity_id, corruptions (kind
//!                                 codes `;`-joined) for every row above
//! out/truth/coverage.parquet      per population row: record_id, entity_id, schemes,
//!                                 schemes_via_household, the nine protections,
//!                                 remedies, status_problem
//! ```
//! (`.csv` instead of, or beside, each file with [`OutputFormat`].)
//!
//! All columns are UTF-8 text except `village_no` (Int32) and `disabled`,
//! `chronic_ill`, `dep_*` and the truth's protections (Boolean); birth dates stay
//! text so BE years and `00` parts survive. In `truth/coverage`, `schemes` and
//! `schemes_via_household` are `;`-joined scheme codes (empty when none), sorted in
//! catalog order; the nine booleans say whether the person is truly covered.
//! `remedies` (a list of text; `;`-joined in CSV) holds the person's true remedies:
//! the schemes they are entitled to and do not hold under the default entitlement
//! table of DOMAIN.md §2a, at the reference date, from the true facts and holdings
//! ([`Remedy`] codes, in the table's order; rows of one person share them).
//! `status_problem` is true for people whose ID is of type 6, 7 or 0: they belong on
//! the status-problems list and can carry only `sso_s33` and `wcf`.
//!
//! # The true world
//! - **Households**: head (age from the 2023 adult pyramid, fewer under 30), a
//!   spouse (72% under 75), children born when the head was 20–38, sometimes the
//!   head's parents, grandchildren or another relative. 15% of households are
//!   deprived in one or two TPMAP dimensions (`poor_household`).
//! - **People**: 98% Thai (ID first digit 1 after 1984 else 3, some 2/4/5/8),
//!   1.5% aliens (6/7), 0.5% without status (`0-XXXX-89XXX-XX-X`). Digits 2–5 are
//!   the household's district; the serial is a bijection of the person number, so
//!   IDs are unique below ten million people. Disability 1–6% by age, chronic
//!   illness 3–30%, employment by age; 15% of formal workers 22–60 are civil
//!   servants (some with police/military ranks), 6% of people over 60 retired ones.
//! - **Enrolment** ([`EnrolmentRates`]): civil servants → `csmbs`; other formal
//!   workers → `sso_s33` (92%) and `wcf` (85% of those); 6% of others aged 30–60 →
//!   an ended `sso_s33` row and an active `sso_s39`; unemployed → an ended s33 row
//!   (70%); informal 15–65 → `sso_s40_opt1/2/3` (20%), else `nsf` (8%, ≤ 60);
//!   everyone without CSMBS or SSO health cover (and not a CSMBS dependent) → `ucs`
//!   (97%); Thai 60+ non-pensioners → `oaa` (80%); disabled Thai →
//!   `disability_allowance` (75%); Thai children aged 0–5 (before the 6th
//!   birthday) in poor households → `child_grant` (65%). 2% of enrolments are
//!   written `ended` (valid_to in the past) instead: those people truly lack the
//!   scheme. The `csmbs` registry holds principals only (dependants use CSMBS
//!   through the principal and have no row of their own), so it has no
//!   `beneficiary` column: by the contract a row without one is the principal's.
//! - **Truth coverage**: each scheme's protections per DOMAIN.md §2. A direct
//!   CSMBS holder (a civil servant or state pensioner) is covered for every
//!   protection but unemployment; CSMBS reaches the spouse (sickness, maternity),
//!   children under 20 (sickness, family_child) and parents (sickness), and gives
//!   all three `dependents`; s33 and s39 give the spouse, children under 20 and
//!   parents `dependents` and children aged 0–5 the child allowance
//!   (family_child), as s40 option 3 does. Relations come from
//!   relationship-to-head (DOMAIN.md §2a: the head's children are the spouse's
//!   too; the head's parents are the head's only and a couple; `other` members
//!   are related to nobody).
//!
//! # The corruption model ([`CorruptionRates`], defaults in brackets)
//! The generator shares no code with the matcher (no `toklon_thai` call: its
//! romanizer and ID check digit are its own), so its variants test the matcher
//! rather than agree with it. Every row records what was done to it (a
//! [`Kind`] set, the truth's `corruptions` column).
//!
//! Registry rows:
//! - **IDs**: missing [5%], one digit mistyped [2%], two adjacent digits swapped
//!   [1%], a household member's ID [0.5%] (one draw per row, so at most one); written
//!   with dashes or spaces [25%], Thai digits [1%], or as a number that lost its
//!   leading zero (30% of status-0 IDs).
//! - **Names**: one Thai typo per name field [6%] — a tone mark dropped or typed
//!   before its vowel, a sound-alike consonant (ศ/ษ/ส, ท/ธ, พ/ภ, ณ/น, ข/ค, ด/ฎ, ร/ล),
//!   sara am as ํ + า, แ as เเ, a doubled letter, a zero-width space; the title in
//!   the `prefix` column or glued to the first name (each registry its own habit),
//!   half the time abbreviated (น.ส., ด.ช., ด.ญ.); `ร.น.` after some navy surnames;
//!   first and last names in each other's fields [1%]; romanized rows [5%], spelled
//!   the way the person spells their name (`romanize`: a syllable parser and a
//!   per-person style, RTGS-like 30%, passport-style 40%, informal 30% — kh/ph/th
//!   with or without h, j for จ, v for ว, ee/oo for long vowels, u for short a,
//!   final l/r/s/d/b as letters, kaew for kaeo, a dropped geminate final,
//!   hyphenated syllables, all caps), with English titles; a married woman's
//!   maiden surname [30% of those who took the husband's].
//! - **Dates**: BE years in most registries, CE in `sso`, `nsf`, `wcf`; ISO,
//!   `YYYYMMDD` or `d/m/y` by registry; missing [1%]; day and month unknown `00`
//!   [1%, ×5 for people born before 1950; 40% of those written year-only], day and
//!   month swapped [1%], year off by one [0.5%], the year in the other era (a BE
//!   year in a CE field, or the reverse) [0.5%], Thai digits [0.5%].
//! - **Other**: a different address (moved) [3%], village missing [10%] or written
//!   into the house number (`99 ม.4`) [5%], sex missing [2%] or absent (`dla_oaa`).
//!
//! The population base is cleaner: IDs are the true, valid ID (dashed 10%) except
//! a household member's ID on the row [0.3%], name typos [1%], names swapped
//! [0.5%], birth date missing [0.3%], BE ISO dates, titles mostly in `prefix`; a
//! married woman's base row keeps her maiden name [20%] while her registry rows
//! carry the married one. People missing from the base [2%] appear only in
//! registries; duplicated people [0.5%] get a second base row (new record_id; ID
//! missing 30%, name typos 30%, dates swapped 20%).
//!
//! Hard negatives, different people who look alike: twins [2% of children; same
//! birth date, surname and household, same sex 60%] and same-name neighbours [1%
//! of households: placed in the previous household's village, one member given
//! the first and last name of a member there].
//!
//! # Determinism and speed
//! People are generated in chunks of 4,096 (households never straddle chunks), each
//! with its own ChaCha8 stream (`seed`, stream = chunk number), in parallel on the
//! current rayon pool; chunks are written in order while the next window is being
//! generated. Record ids are numbered in file order. The output is byte-identical
//! for a seed whatever the thread count.
//!
//! ```no_run
//! use toklon_gen::{GenConfig, OutputFormat, generate};
//! let mut cfg = GenConfig::default_for(10_000, 42);
//! cfg.format = OutputFormat::Both;
//! let report = generate(&cfg, std::path::Path::new("demo-data"), &|_, _| {}).unwrap();
//! assert_eq!(report.people, 10_000);
//! ```

mod config;
mod corrupt;
mod emit;
mod hard;
mod kinds;
mod lexicon;
mod remedies;
mod romanize;
mod scheme;
mod sink;
mod world;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, StringArray};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub use config::{CorruptionRates, EnrolmentRates, GenConfig, OutputFormat};
pub use kinds::{Kind, Kinds};
pub use remedies::Remedy;
pub use scheme::{Registry, Scheme};

use emit::ChunkOut;
use lexicon::Lexicon;
use sink::Sink;
use toklon_io::tables::{households_input, population, registry, truth_coverage, truth_entities};

/// People per chunk: the unit of parallel work and of RNG streams. Fixed, so the
/// output does not depend on the thread count.
const CHUNK: usize = 4096;
/// Chunks generated at once before being written (bounds memory).
const WINDOW: usize = 32;

/// What stopped a generation.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("rate `{name}` must be a probability in [0, 1], got {value}")]
    InvalidRate { name: &'static str, value: f64 },
    #[error("reference date {date} is not a full date with a year in 1900-9000")]
    InvalidReferenceDate { date: toklon_types::Date },
    #[error("cannot write {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing a table failed (the error names the file).
    #[error("cannot write a generated table")]
    Write {
        #[source]
        source: toklon_io::IoError,
    },
}

/// Progress stages reported to the callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// People generated and written so far (the second argument).
    People,
    /// All files closed; the second argument is the number of people.
    Done,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenReport {
    /// People in the world (entities).
    pub people: u64,
    /// Rows in the population base (people in it plus duplicate rows).
    pub population_rows: u64,
    pub households: u64,
    /// Rows per registry name.
    pub registry_rows: BTreeMap<&'static str, u64>,
    /// Registry rows by ID fault: `missing`, `digit`, `transposition`, `relative`.
    pub id_faults: BTreeMap<&'static str, u64>,
    /// Every file written.
    pub files: Vec<PathBuf>,
}

fn mkdir(path: &Path) -> Result<(), GenError> {
    std::fs::create_dir_all(path).map_err(|source| GenError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// One chunk, start to finish: its own RNG stream, the world, then the rows.
fn chunk_out(lx: &Lexicon, cfg: &GenConfig, chunk: usize) -> ChunkOut {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    rng.set_stream(chunk as u64);
    let first = chunk * CHUNK;
    let quota = CHUNK.min(cfg.people - first);
    let world = world::build_chunk(lx, cfg, chunk as u64, first as u64, quota, &mut rng);
    emit::emit_chunk(lx, cfg, &world, &mut rng)
}

/// The open output tables and their running row counts.
struct Writers {
    population: Sink,
    households: Sink,
    registries: Vec<Sink>,
    entities: Sink,
    coverage: Sink,
    counts: Vec<u64>,
    pop_rows: u64,
    report: GenReport,
}

fn numbered(prefix: &str, start: u64, n: usize) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        (start..start + n as u64).map(|i| format!("{prefix}{i:09}")),
    ))
}

fn entity_ids(entities: &[u64]) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        entities.iter().map(|e| format!("E{e:09}")),
    ))
}

/// The truth's `corruptions` column: each row's kind codes, `;`-joined.
fn corruption_codes(kinds: &[Kinds]) -> ArrayRef {
    let mut s = String::new();
    let mut b = arrow_array::builder::StringBuilder::with_capacity(kinds.len(), kinds.len() * 8);
    for k in kinds {
        k.write(&mut s);
        b.append_value(&s);
    }
    Arc::new(b.finish())
}

impl Writers {
    fn write_chunk(&mut self, out: ChunkOut) -> Result<(), GenError> {
        let n = out.population.len();
        if n > 0 {
            let ids = numbered("P", self.pop_rows + 1, n);
            let ents = entity_ids(&out.population.entities);
            let mut cols = vec![ids.clone()];
            cols.extend(out.population.columns);
            self.population.write(cols)?;
            self.entities.write(vec![
                Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
                    "population",
                    n,
                ))),
                ids.clone(),
                ents.clone(),
                corruption_codes(&out.population.kinds),
            ])?;
            let mut cols = vec![ids, ents];
            cols.extend(out.coverage.columns);
            self.coverage.write(cols)?;
            self.pop_rows += n as u64;
        }
        if out.households_len > 0 {
            self.households.write(out.households)?;
            self.report.households += out.households_len as u64;
        }
        for (k, part) in out.registries.into_iter().enumerate() {
            let n = part.len();
            if n == 0 {
                continue;
            }
            let reg = Registry::ALL[k];
            for f in &part.faults {
                let key = match f {
                    corrupt::IdFault::None => continue,
                    corrupt::IdFault::Missing => "missing",
                    corrupt::IdFault::Digit => "digit",
                    corrupt::IdFault::Transposition => "transposition",
                    corrupt::IdFault::Relative => "relative",
                };
                *self.report.id_faults.entry(key).or_default() += 1;
            }
            let ids = numbered(reg.id_prefix(), self.counts[k] + 1, n);
            self.entities.write(vec![
                Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
                    reg.name(),
                    n,
                ))),
                ids.clone(),
                entity_ids(&part.entities),
                corruption_codes(&part.kinds),
            ])?;
            let mut cols = vec![ids];
            cols.extend(part.columns);
            self.registries[k].write(cols)?;
            self.counts[k] += n as u64;
        }
        Ok(())
    }
}

/// Generates a world of `cfg.people` people and writes it under `out` (created if
/// needed). `progress` is called after each written window and once at the end.
///
/// Runs on the current rayon pool (wrap the call in `ThreadPool::install` to choose
/// the threads); the bytes written do not depend on it.
pub fn generate(
    cfg: &GenConfig,
    out: &Path,
    progress: &dyn Fn(Phase, u64),
) -> Result<GenReport, GenError> {
    cfg.validate()?;
    let lx = Lexicon::embedded();
    let reg_dir = out.join("registries");
    let truth_dir = out.join("truth");
    for d in [out, reg_dir.as_path(), truth_dir.as_path()] {
        mkdir(d)?;
    }
    let f = cfg.format;
    let mut w = Writers {
        population: Sink::create(out, population::SCHEMA.name, &population::SCHEMA, f)?,
        households: Sink::create(
            out,
            households_input::SCHEMA.name,
            &households_input::SCHEMA,
            f,
        )?,
        registries: Registry::ALL
            .iter()
            .map(|r| Sink::create(&reg_dir, r.name(), &registry::SCHEMA, f))
            .collect::<Result<_, _>>()?,
        entities: Sink::create(
            &truth_dir,
            truth_entities::SCHEMA.name,
            &truth_entities::SCHEMA,
            f,
        )?,
        coverage: Sink::create(
            &truth_dir,
            truth_coverage::SCHEMA.name,
            &truth_coverage::SCHEMA,
            f,
        )?,
        counts: vec![0; Registry::ALL.len()],
        pop_rows: 0,
        report: GenReport {
            people: cfg.people as u64,
            ..GenReport::default()
        },
    };

    let chunks = cfg.people.div_ceil(CHUNK);
    let mut pending: Vec<ChunkOut> = Vec::new();
    let mut written_people = 0u64;
    let mut start = 0;
    // Generate window k+1 while window k is written: the writer is one thread, the
    // generation uses the rest of the pool.
    while start < chunks || !pending.is_empty() {
        let end = (start + WINDOW).min(chunks);
        let to_write = std::mem::take(&mut pending);
        let to_write_people = to_write_people(&to_write);
        let (generated, wrote) = rayon::join(
            || {
                (start..end)
                    .into_par_iter()
                    .map(|c| chunk_out(&lx, cfg, c))
                    .collect::<Vec<_>>()
            },
            || -> Result<(), GenError> {
                for c in to_write {
                    w.write_chunk(c)?;
                }
                Ok(())
            },
        );
        wrote?;
        if to_write_people > 0 {
            written_people += to_write_people;
            progress(Phase::People, written_people);
        }
        pending = generated;
        start = end;
    }

    let mut files = Vec::new();
    w.report.population_rows = w.population.close(&mut files)?;
    w.households.close(&mut files)?;
    for (r, s) in Registry::ALL.iter().zip(w.registries) {
        let n = s.close(&mut files)?;
        w.report.registry_rows.insert(r.name(), n);
    }
    w.entities.close(&mut files)?;
    w.coverage.close(&mut files)?;
    w.report.files = files;
    progress(Phase::Done, cfg.people as u64);
    Ok(w.report)
}

/// People (not rows) in a window of chunk outputs.
fn to_write_people(outs: &[ChunkOut]) -> u64 {
    outs.iter().map(|c| c.people as u64).sum()
}
