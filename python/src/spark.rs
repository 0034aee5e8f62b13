//! The steps of `toklon.spark`: linkage split across a Spark cluster (see
//! `toklon_link::shard` for the steps and why each split gives one machine's
//! answers, and python/toklon/spark.py for how Spark moves the rows).
//!
//! Everything crossing Spark is an Arrow batch or bytes. Rows are the source's
//! own columns (as Spark read them from the Parquet file) plus bookkeeping
//! columns whose names start with `__`, which the reader ignores. A [`Shard`]
//! holds what every executor needs (the sources' column mappings, the linkage
//! settings, the reference date, and once counted, the merged block and name
//! censuses): the driver makes it from [`spark_job`]'s context, executors from
//! the same context and the broadcast census.
//!
//! Records are named by `record_id` between steps: it is unique within a source
//! once repeated IDs are dropped (the first in file order is kept, as the reader
//! keeps it), and the driver's run maps it back to its own rows.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{
    Array, ArrayRef, BinaryArray, Float32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray,
};
use arrow_pyarrow::ToPyArrow;
use arrow_schema::{Field, Schema};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::{Deserialize, Serialize};
use toklon_engine::{
    ArrowTable, GivenCandidate, GivenLinkage, Job, Operator, PreviousRun, RunOptions, Silent,
};
use toklon_io::{RejectReason, SourceKind, SourceSpec, read_batches};
use toklon_link::sample::{SamplePurpose, bottom_k};
use toklon_link::shard::{
    BlockCensus, BlockKeys, BlockPlan, NameCensus, Side, dedupe_finish_model, dedupe_start_model,
    dedupe_u, dedupe_u_size, fit_link_model, fit_part, fit_sample_size, link_u, link_u_sizes,
    score_base_part, score_part,
};
use toklon_link::{
    FitCandidates, FitPair, Levels, LinkConfig, Model, NameFreqs, Pick, PrepareOptions, Records,
    Scored, Scorer, probability,
};
use toklon_types::{Date, Table};

use crate::{ToklonError, arrow_table, date, summary_dict};

/// What a source is to the executors: its kind and column mapping.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SourceContext {
    kind: String,
    path: PathBuf,
    columns: BTreeMap<String, String>,
    default_scheme: Option<String>,
}

/// What every step needs besides its rows, as JSON (small: settings only).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Context {
    as_of: String,
    link: LinkConfig,
    sources: BTreeMap<String, SourceContext>,
}

fn err(e: impl std::fmt::Display) -> PyErr {
    ToklonError::new_err(e.to_string())
}

fn kind_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Population => "population",
        SourceKind::Households => "households",
        SourceKind::Registry => "registry",
    }
}

/// The sources of the job at `input` (a canonical folder or a job file, as
/// `toklon run` reads it) and the context of its steps, as JSON:
/// `{"sources": [{"name", "kind", "path", "format"}], "context": "..."}`
/// (`format` is the file's extension, lower case). The reference date is
/// `as_of`, else the job's, else none (the caller gives today's).
#[pyfunction]
#[pyo3(signature = (input, as_of=None))]
pub fn spark_job(input: PathBuf, as_of: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    let job = Job::load(&input).map_err(|e| ToklonError::new_err(toklon_engine::chain(&e)))?;
    let as_of: Option<Date> = match as_of {
        Some(d) => Some(date(d)?),
        None => job.run.as_of,
    };
    let specs = std::iter::once(&job.population)
        .chain(&job.households)
        .chain(&job.registries);
    let mut sources = Vec::new();
    let mut context = BTreeMap::new();
    for s in specs {
        let format = s
            .path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        sources.push(serde_json::json!({
            "name": s.name,
            "kind": kind_name(s.kind),
            "path": s.path,
            "format": format,
        }));
        context.insert(
            s.name.clone(),
            SourceContext {
                kind: kind_name(s.kind).into(),
                path: s.path.clone(),
                columns: s.columns.clone(),
                default_scheme: s.default_scheme.clone(),
            },
        );
    }
    let ctx = Context {
        as_of: as_of.map(|d| d.to_string()).unwrap_or_default(),
        link: job.link.clone(),
        sources: context,
    };
    let out = serde_json::json!({
        "sources": sources,
        "context": serde_json::to_string(&ctx).map_err(err)?,
        "as_of": ctx.as_of,
    });
    Ok(out.to_string())
}

/// The merged censuses, as the driver broadcasts them.
#[derive(Serialize, Deserialize)]
struct Censuses {
    blocks: BlockCensus,
    names: NameCensus,
}

/// One source's rows of a batch, read and standardized.
struct Rows {
    table: Table,
    records: Records,
}

/// The steps, with what every executor needs (see the module docs). Its
/// module is the extension's, where pickle finds it by name.
#[pyclass(module = "toklon._toklon", frozen)]
pub struct Shard {
    cfg: LinkConfig,
    as_of: Date,
    specs: BTreeMap<String, SourceSpec>,
    plan: Option<BlockPlan>,
    names: Option<NameCensus>,
}

impl Shard {
    fn spec(&self, source: &str) -> PyResult<&SourceSpec> {
        self.specs
            .get(source)
            .ok_or_else(|| err(format!("no source `{source}` in this job")))
    }

    fn plan(&self) -> PyResult<(&BlockPlan, &NameCensus)> {
        self.plan
            .as_ref()
            .zip(self.names.as_ref())
            .ok_or_else(|| err("the step needs the census: make the Shard with it"))
    }

    /// Reads the rows of `t` as the source `source`'s reader would (extra
    /// `__` columns ignored) and standardizes them for the reference date.
    fn rows(&self, source: &str, t: &ArrowTable) -> PyResult<(Rows, Vec<toklon_io::Reject>)> {
        let spec = self.spec(source)?;
        let read = read_batches(spec, &t.schema, &t.batches)
            .map_err(|e| ToklonError::new_err(toklon_engine::chain(&e)))?;
        let (records, _) = Records::from_table(
            &read.table,
            &PrepareOptions {
                today: Some(self.as_of),
            },
        );
        Ok((
            Rows {
                table: read.table,
                records,
            },
            read.rejects,
        ))
    }

    /// A part's rows of one side: read, keyed, with the rule each stands for
    /// (the `__rule` column). A record blocked under several rules of the part
    /// comes once per rule: the reader keeps its first row and rejects the
    /// others as repeated IDs, so they are put back here.
    fn part(&self, source: &str, t: &ArrowTable) -> PyResult<PartRows> {
        let (plan, _) = self.plan()?;
        let rule_col = int_column(t, "__rule")?;
        let spec = self.spec(source)?;
        let read = read_batches(spec, &t.schema, &t.batches)
            .map_err(|e| ToklonError::new_err(toklon_engine::chain(&e)))?;
        // Batch row (0 first) → the kept row of its record.
        let mut of_row: Vec<Option<usize>> = vec![None; rule_col.len()];
        let mut kept: HashMap<u64, usize> = HashMap::with_capacity(read.table.len());
        for (i, &r) in read.table.rows.iter().enumerate() {
            kept.insert(u64::from(r), i);
            if let Some(slot) = of_row.get_mut(r as usize - 1) {
                *slot = Some(i);
            }
        }
        for rej in &read.rejects {
            if let RejectReason::DuplicateRecordId { first_row } = rej.reason
                && let Some(slot) = of_row.get_mut(rej.row as usize - 1)
            {
                *slot = kept.get(&first_row).copied();
            }
        }
        let (mut keep, mut rule) = (Vec::new(), Vec::new());
        for (r, k) in of_row.iter().enumerate() {
            if let Some(k) = k {
                keep.push(*k);
                rule.push(rule_col[r] as usize);
            }
        }
        let table = take(&read.table, &keep);
        let (records, _) = Records::from_table(
            &table,
            &PrepareOptions {
                today: Some(self.as_of),
            },
        );
        let keys = (0..records.len()).map(|i| plan.keys(&records, i)).collect();
        Ok(PartRows {
            rows: Rows { table, records },
            keys,
            rule,
        })
    }

    fn model(json: &str) -> PyResult<Model> {
        serde_json::from_str(json).map_err(|e| err(format!("model: {e}")))
    }
}

struct PartRows {
    rows: Rows,
    keys: Vec<BlockKeys>,
    rule: Vec<usize>,
}

impl PartRows {
    fn side(&self) -> Side<'_> {
        Side {
            records: &self.rows.records,
            keys: &self.keys,
            rule: &self.rule,
        }
    }

    fn id(&self, i: u32) -> &str {
        self.rows.table.id(i as usize)
    }
}

/// The values of integer column `name` of `t`, over its batches (`Int32` or
/// `Int64`).
fn int_column(t: &ArrowTable, name: &str) -> PyResult<Vec<i64>> {
    let mut out = Vec::with_capacity(t.num_rows());
    for b in &t.batches {
        let a = b
            .column_by_name(name)
            .ok_or_else(|| err(format!("no column `{name}`")))?;
        if let Some(a) = a.as_primitive_opt::<arrow_array::types::Int64Type>() {
            out.extend(a.iter().map(|v| v.unwrap_or(0)));
        } else if let Some(a) = a.as_primitive_opt::<arrow_array::types::Int32Type>() {
            out.extend(a.iter().map(|v| i64::from(v.unwrap_or(0))));
        } else {
            return Err(err(format!("column `{name}`: not an integer column")));
        }
    }
    Ok(out)
}

/// The values of text column `name` of `t`, over its batches.
fn str_column<'a>(t: &'a ArrowTable, name: &str) -> PyResult<Vec<Option<&'a str>>> {
    let mut out = Vec::with_capacity(t.num_rows());
    for b in &t.batches {
        let a = b
            .column_by_name(name)
            .ok_or_else(|| err(format!("no column `{name}`")))?;
        if let Some(a) = a.as_string_opt::<i32>() {
            out.extend(a.iter());
        } else if let Some(a) = a.as_string_opt::<i64>() {
            out.extend(a.iter());
        } else if let Some(a) = a.as_string_view_opt() {
            out.extend(a.iter());
        } else {
            return Err(err(format!("column `{name}`: not a text column")));
        }
    }
    Ok(out)
}

/// The values of binary column `name` of `t`, over its batches.
fn bin_column<'a>(t: &'a ArrowTable, name: &str) -> PyResult<Vec<&'a [u8]>> {
    let mut out = Vec::with_capacity(t.num_rows());
    for b in &t.batches {
        let a = b
            .column_by_name(name)
            .ok_or_else(|| err(format!("no column `{name}`")))?;
        if let Some(a) = a.as_binary_opt::<i32>() {
            out.extend(a.iter().map(Option::unwrap_or_default));
        } else if let Some(a) = a.as_binary_opt::<i64>() {
            out.extend(a.iter().map(Option::unwrap_or_default));
        } else {
            return Err(err(format!("column `{name}`: not a binary column")));
        }
    }
    Ok(out)
}

/// The values of float column `name` of `t` (`Float32` or `Float64`).
fn f64_column(t: &ArrowTable, name: &str) -> PyResult<Vec<f64>> {
    let mut out = Vec::with_capacity(t.num_rows());
    for b in &t.batches {
        let a = b
            .column_by_name(name)
            .ok_or_else(|| err(format!("no column `{name}`")))?;
        if let Some(a) = a.as_primitive_opt::<arrow_array::types::Float64Type>() {
            out.extend(a.iter().map(|v| v.unwrap_or(f64::NEG_INFINITY)));
        } else if let Some(a) = a.as_primitive_opt::<arrow_array::types::Float32Type>() {
            out.extend(a.iter().map(|v| f64::from(v.unwrap_or(f32::NEG_INFINITY))));
        } else {
            return Err(err(format!("column `{name}`: not a float column")));
        }
    }
    Ok(out)
}

fn out_batch(py: Python<'_>, columns: Vec<(&str, ArrayRef)>) -> PyResult<Py<PyAny>> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let b = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(err)?;
    Ok(b.to_pyarrow(py)?.unbind())
}

fn levels(bytes: &[u8]) -> PyResult<Levels> {
    Levels::from_slice(bytes).ok_or_else(|| err("levels: more fields than toklon compares"))
}

fn purpose(name: &str) -> PyResult<SamplePurpose> {
    Ok(match name {
        "link_u_base" => SamplePurpose::LinkUBase,
        "link_u_registry" => SamplePurpose::LinkURegistry,
        "link_fit" => SamplePurpose::LinkFit,
        "dedupe_u" => SamplePurpose::DedupeU,
        "dedupe_fit" => SamplePurpose::DedupeFit,
        other => return Err(err(format!("no sample purpose `{other}`"))),
    })
}

/// The rows of `t` whose IDs are `ids`, in that order.
fn in_order(t: &Table, ids: &[String]) -> PyResult<Table> {
    let at: HashMap<&str, usize> = (0..t.len()).map(|i| (t.id(i), i)).collect();
    let keep = ids
        .iter()
        .map(|id| at.get(id.as_str()).copied())
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| err("a sampled record is missing from the gathered rows"))?;
    Ok(take(t, &keep))
}

/// The rows of `t` at `keep` (repeats allowed), in that order.
fn take(t: &Table, keep: &[usize]) -> Table {
    Table {
        source: t.source.clone(),
        rows: keep.iter().map(|&i| t.rows[i]).collect(),
        ids: t.ids.take(keep),
        columns: t.columns.iter().map(|(k, c)| (*k, c.take(keep))).collect(),
    }
}

#[pymethods]
impl Shard {
    /// The steps of the job whose context is `context` ([`spark_job`]); `census`:
    /// the merged census ([`Shard::merge_census`]), for the steps after it.
    #[new]
    #[pyo3(signature = (context, census=None))]
    fn new(context: &str, census: Option<&[u8]>) -> PyResult<Shard> {
        let ctx: Context =
            serde_json::from_str(context).map_err(|e| err(format!("context: {e}")))?;
        let as_of =
            toklon_engine::parse_as_of(&ctx.as_of).map_err(|e| err(format!("as_of: {e}")))?;
        let specs = ctx
            .sources
            .into_iter()
            .map(|(name, s)| {
                let kind = match s.kind.as_str() {
                    "population" => SourceKind::Population,
                    "households" => SourceKind::Households,
                    _ => SourceKind::Registry,
                };
                let mut spec = SourceSpec::new(name.clone(), s.path, kind);
                spec.columns = s.columns;
                spec.default_scheme = s.default_scheme;
                (name, spec)
            })
            .collect();
        let (plan, names) = match census {
            Some(bytes) => {
                let c: Censuses =
                    ciborium::from_reader(bytes).map_err(|e| err(format!("census: {e}")))?;
                (Some(BlockPlan::new(&ctx.link, c.blocks)), Some(c.names))
            }
            None => (None, None),
        };
        Ok(Shard {
            cfg: ctx.link,
            as_of,
            specs,
            plan,
            names,
        })
    }

    /// Every row of `batch` (source `source`, with an `__ord` column giving
    /// its place in the file) that the reader keeps or rejects only for a
    /// repeated ID: `(__ord, __id)`. The first `__ord` of each ID is the row the
    /// reader keeps.
    fn ids(&self, py: Python<'_>, source: &str, batch: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let t = arrow_table(batch, "batch")?;
        let ord = int_column(&t, "__ord")?;
        let (ords, ids) = py.detach(|| -> PyResult<(Vec<i64>, Vec<String>)> {
            let (rows, rejects) = self.rows(source, &t)?;
            let mut ords = Vec::with_capacity(rows.table.len());
            let mut ids = Vec::with_capacity(rows.table.len());
            for i in 0..rows.table.len() {
                ords.push(ord[rows.table.rows[i] as usize - 1]);
                ids.push(rows.table.id(i).to_owned());
            }
            for r in rejects {
                if let (RejectReason::DuplicateRecordId { .. }, Some(id)) = (r.reason, r.record_id)
                {
                    ords.push(ord[r.row as usize - 1]);
                    ids.push(id);
                }
            }
            Ok((ords, ids))
        })?;
        out_batch(
            py,
            vec![
                ("__ord", Arc::new(Int64Array::from(ords))),
                ("__id", Arc::new(StringArray::from(ids))),
            ],
        )
    }

    /// The block and name censuses of the base rows of `batch`, as bytes for
    /// [`Shard::merge_census`].
    fn census<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let t = arrow_table(batch, "batch")?;
        let bytes = py.detach(|| -> PyResult<Vec<u8>> {
            let (rows, _) = self.rows("population", &t)?;
            let c = Censuses {
                blocks: BlockCensus::of(&self.cfg.blocking, &rows.records),
                names: NameCensus::of(&rows.records),
            };
            let mut out = Vec::new();
            ciborium::into_writer(&c, &mut out).map_err(err)?;
            Ok(out)
        })?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    /// The sum of the censuses `parts`, as bytes for `Shard(context, census)`.
    #[staticmethod]
    fn merge_census<'py>(
        py: Python<'py>,
        parts: Vec<Vec<u8>>,
    ) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let bytes = py.detach(|| -> PyResult<Vec<u8>> {
            let mut all = Censuses {
                blocks: BlockCensus::default(),
                names: NameCensus::default(),
            };
            for p in &parts {
                let c: Censuses =
                    ciborium::from_reader(p.as_slice()).map_err(|e| err(format!("census: {e}")))?;
                all.blocks.merge(&c.blocks);
                all.names.merge(&c.names);
            }
            let mut out = Vec::new();
            ciborium::into_writer(&all, &mut out).map_err(err)?;
            Ok(out)
        })?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    /// The block memberships of the rows of `batch`: `(__idx, __rule,
    /// __part)` for each rule under which a row has an effective key, `__idx`
    /// the row's place in the batch (0 first) and `__part` the hash of
    /// `(rule, key)` modulo `partitions`.
    fn memberships(
        &self,
        py: Python<'_>,
        source: &str,
        batch: &Bound<'_, PyAny>,
        partitions: u64,
    ) -> PyResult<Py<PyAny>> {
        let t = arrow_table(batch, "batch")?;
        let parts = partitions.max(1);
        let (idx, rules, part) = py.detach(|| -> PyResult<_> {
            let (plan, _) = self.plan()?;
            let (rows, _) = self.rows(source, &t)?;
            let (mut idx, mut rules, mut part) = (Vec::new(), Vec::new(), Vec::new());
            for i in 0..rows.records.len() {
                let at = i64::from(rows.table.rows[i]) - 1;
                for (rule, key) in plan.keys(&rows.records, i).into_iter().enumerate() {
                    if let Some(key) = key {
                        idx.push(at);
                        rules.push(rule as i32);
                        part.push(part_of(rule, key, parts) as i32);
                    }
                }
            }
            Ok((idx, rules, part))
        })?;
        out_batch(
            py,
            vec![
                ("__idx", Arc::new(Int64Array::from(idx))),
                ("__rule", Arc::new(Int32Array::from(rules))),
                ("__part", Arc::new(Int32Array::from(part))),
            ],
        )
    }

    /// Sizes of the linkage samples of a registry of `registry_rows` rows
    /// against a base of `base_rows`: `(u base rows, u registry rows, fit
    /// rows)`.
    fn link_sample_sizes(&self, base_rows: u64, registry_rows: u64) -> (usize, usize, usize) {
        let (a, b) = link_u_sizes(base_rows, registry_rows, &self.cfg);
        (a, b, fit_sample_size(registry_rows, &self.cfg))
    }

    /// Sizes of the dedupe samples of a base of `base_rows` rows: `(u rows,
    /// fit rows)`.
    fn dedupe_sample_sizes(&self, base_rows: u64) -> (usize, usize) {
        (
            dedupe_u_size(base_rows, &self.cfg),
            fit_sample_size(base_rows, &self.cfg),
        )
    }

    /// The `k` rows of `batch` of smallest rank for the sample `purpose`
    /// (`link_u_base`, `link_u_registry`, `link_fit`, `dedupe_u`,
    /// `dedupe_fit`): `(__rank, __id)`, the rank's 64 bits as a signed integer
    /// (Spark has no unsigned one).
    fn bottom_k(
        &self,
        py: Python<'_>,
        source: &str,
        batch: &Bound<'_, PyAny>,
        k: usize,
        purpose: &str,
    ) -> PyResult<Py<PyAny>> {
        let t = arrow_table(batch, "batch")?;
        let purpose = self::purpose(purpose)?;
        let (ranks, ids) = py.detach(|| -> PyResult<_> {
            let (rows, _) = self.rows(source, &t)?;
            let drawn = bottom_k(&rows.records, k, self.cfg.seed, purpose);
            Ok(drawn
                .into_iter()
                .map(|(rank, i)| (rank as i64, rows.table.id(i as usize).to_owned()))
                .unzip::<_, _, Vec<i64>, Vec<String>>())
        })?;
        out_batch(
            py,
            vec![
                ("__rank", Arc::new(Int64Array::from(ranks))),
                ("__id", Arc::new(StringArray::from(ids))),
            ],
        )
    }

    /// Linkage's `u` from the gathered samples (`base_ids`, `registry_ids`: the
    /// records in rank order; the tables hold their rows in any order): `(u as
    /// JSON, pairs)`.
    fn link_u(
        &self,
        py: Python<'_>,
        registry: &str,
        base: &Bound<'_, PyAny>,
        base_ids: Vec<String>,
        reg: &Bound<'_, PyAny>,
        registry_ids: Vec<String>,
    ) -> PyResult<(String, u64)> {
        let (bt, rt) = (arrow_table(base, "base")?, arrow_table(reg, "reg")?);
        py.detach(|| {
            let b = self.gathered("population", &bt, &base_ids)?;
            let r = self.gathered(registry, &rt, &registry_ids)?;
            let (u, pairs) = link_u(&b, &r, &self.cfg);
            Ok((serde_json::to_string(&u).map_err(err)?, pairs))
        })
    }

    /// The fit's candidate pairs of a part: `base` and `reg` the part's rows
    /// (with `__rule`), `reg` the fit rows alone. `(__reg_id, levels,
    /// tf_first, tf_last, rules)`, each pair once.
    fn fit_part(
        &self,
        py: Python<'_>,
        registry: &str,
        base: &Bound<'_, PyAny>,
        reg: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let (bt, rt) = (arrow_table(base, "base")?, arrow_table(reg, "reg")?);
        let (ids, lv, tf1, tf2, rules) = py.detach(|| -> PyResult<_> {
            let (_, names) = self.plan()?;
            let b = self.part("population", &bt)?;
            let r = self.part(registry, &rt)?;
            let (f, l) = names.frequencies(&b.rows.records);
            let tf = NameFreqs {
                first: &f,
                last: &l,
            };
            let (mut ids, mut lv, mut tf1, mut tf2, mut rules) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            fit_part(b.side(), tf, r.side(), &self.cfg, |s| {
                ids.push(r.id(s.registry).to_owned());
                lv.push(s.pair.levels.as_slice().to_vec());
                tf1.push(s.pair.tf_first);
                tf2.push(s.pair.tf_last);
                rules.push(s.pair.rules as i64);
            });
            Ok((ids, lv, tf1, tf2, rules))
        })?;
        out_batch(
            py,
            vec![
                ("__reg_id", Arc::new(StringArray::from(ids))),
                ("levels", Arc::new(BinaryArray::from_iter_values(lv.iter()))),
                ("tf_first", Arc::new(Float32Array::from(tf1))),
                ("tf_last", Arc::new(Float32Array::from(tf2))),
                ("rules", Arc::new(Int64Array::from(rules))),
            ],
        )
    }

    /// The linkage model (JSON) from `u` ([`Shard::link_u`]), the fit rows
    /// (`fit_ids`, rank order) and their gathered candidate pairs
    /// ([`Shard::fit_part`]), for a base of `base_rows` rows.
    fn fit_model(
        &self,
        py: Python<'_>,
        u: &str,
        u_pairs: u64,
        fit_ids: Vec<String>,
        pairs: &Bound<'_, PyAny>,
        base_rows: u64,
    ) -> PyResult<String> {
        let t = arrow_table(pairs, "pairs")?;
        py.detach(|| {
            let u: Vec<Vec<f64>> = serde_json::from_str(u).map_err(err)?;
            let ids = str_column(&t, "__reg_id")?;
            let lv = bin_column(&t, "levels")?;
            let tf1 = f64_column(&t, "tf_first")?;
            let tf2 = f64_column(&t, "tf_last")?;
            let rules = int_column(&t, "rules")?;
            let mut by_row: HashMap<&str, Vec<FitPair>> = HashMap::new();
            for k in 0..ids.len() {
                by_row
                    .entry(ids[k].unwrap_or_default())
                    .or_default()
                    .push(FitPair {
                        levels: levels(lv[k])?,
                        tf_first: tf1[k] as f32,
                        tf_last: tf2[k] as f32,
                        rules: rules[k] as u64,
                    });
            }
            let mut cands = FitCandidates::new();
            for id in &fit_ids {
                cands.push_row(by_row.remove(id.as_str()).unwrap_or_default());
            }
            let model = fit_link_model(&self.cfg, u, u_pairs, &cands, base_rows)
                .map_err(|e| ToklonError::new_err(toklon_engine::chain(&e)))?;
            serde_json::to_string(&model).map_err(err)
        })
    }

    /// Scores a part's registry–base pairs with `model` (JSON) and keeps each
    /// registry record's best two: `(__reg_id, __pop_id, weight, levels)`.
    fn score_part(
        &self,
        py: Python<'_>,
        registry: &str,
        model: &str,
        base: &Bound<'_, PyAny>,
        reg: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let (bt, rt) = (arrow_table(base, "base")?, arrow_table(reg, "reg")?);
        let model = Shard::model(model)?;
        let (rid, pid, w, lv) = py.detach(|| -> PyResult<_> {
            let (_, names) = self.plan()?;
            let scorer = Scorer::new(&model, &self.cfg).map_err(err)?;
            let b = self.part("population", &bt)?;
            let r = self.part(registry, &rt)?;
            let (f, l) = names.frequencies(&b.rows.records);
            let tf = NameFreqs {
                first: &f,
                last: &l,
            };
            let mut picks: Vec<Pick<u32>> = vec![Pick::default(); r.rows.records.len()];
            score_part(b.side(), tf, r.side(), &self.cfg, &scorer, |s| {
                picks[s.registry as usize].push(Scored {
                    population: s.population,
                    id_hash: b.rows.records.id_hash(s.population as usize),
                    weight: s.weight,
                    levels: s.levels,
                });
            });
            let (mut rid, mut pid, mut w, mut lv) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (j, p) in picks.iter().enumerate() {
                for s in p.best.iter().chain(&p.second) {
                    rid.push(r.id(j as u32).to_owned());
                    pid.push(b.id(s.population).to_owned());
                    w.push(s.weight);
                    lv.push(s.levels.as_slice().to_vec());
                }
            }
            Ok((rid, pid, w, lv))
        })?;
        out_batch(
            py,
            vec![
                ("__reg_id", Arc::new(StringArray::from(rid))),
                ("__pop_id", Arc::new(StringArray::from(pid))),
                ("weight", Arc::new(Float64Array::from(w))),
                ("levels", Arc::new(BinaryArray::from_iter_values(lv.iter()))),
            ],
        )
    }

    /// Dedupe's `u` from the gathered sample (`ids` in rank order): `(u as
    /// JSON, pairs)`.
    fn dedupe_u(
        &self,
        py: Python<'_>,
        base: &Bound<'_, PyAny>,
        ids: Vec<String>,
    ) -> PyResult<(String, u64)> {
        let bt = arrow_table(base, "base")?;
        py.detach(|| {
            let b = self.gathered("population", &bt, &ids)?;
            let (u, pairs) = dedupe_u(&b, &self.cfg);
            Ok((serde_json::to_string(&u).map_err(err)?, pairs))
        })
    }

    /// The dedupe model before its prior (JSON), from `u` and the registries'
    /// models (JSON, in the job's order).
    fn dedupe_start(&self, u: &str, models: Vec<String>) -> PyResult<String> {
        let u: Vec<Vec<f64>> = serde_json::from_str(u).map_err(err)?;
        let models = models
            .iter()
            .map(|m| Shard::model(m))
            .collect::<PyResult<Vec<Model>>>()?;
        let refs: Vec<&Model> = models.iter().collect();
        let m = dedupe_start_model(&self.cfg, &refs, u)
            .map_err(|e| ToklonError::new_err(toklon_engine::chain(&e)))?;
        serde_json::to_string(&m).map_err(err)
    }

    /// Each base record of a part with a pair, and its best weight against
    /// another under `model` (JSON): `(__id, weight)`.
    fn dedupe_best(
        &self,
        py: Python<'_>,
        model: &str,
        base: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let bt = arrow_table(base, "base")?;
        let model = Shard::model(model)?;
        let (ids, w) = py.detach(|| -> PyResult<_> {
            let b = self.part("population", &bt)?;
            let best = self.base_pairs(&b, &model, |_, _, _| true)?;
            let mut best_of: HashMap<u32, f64> = HashMap::new();
            for (a, c, w) in best {
                for row in [a, c] {
                    let e = best_of.entry(row).or_insert(f64::NEG_INFINITY);
                    *e = e.max(w);
                }
            }
            let mut rows: Vec<(u32, f64)> = best_of.into_iter().collect();
            rows.sort_unstable_by_key(|r| r.0);
            Ok(rows
                .into_iter()
                .map(|(r, w)| (b.id(r).to_owned(), w))
                .unzip::<_, _, Vec<String>, Vec<f64>>())
        })?;
        out_batch(
            py,
            vec![
                ("__id", Arc::new(StringArray::from(ids))),
                ("weight", Arc::new(Float64Array::from(w))),
            ],
        )
    }

    /// The dedupe model (JSON): `start`'s prior from `best` (each `dedupe_fit`
    /// sample record's best weight, rank order, −∞ for none).
    #[staticmethod]
    fn dedupe_finish(
        start: &str,
        u_pairs: u64,
        best: Vec<f64>,
        base_rows: u64,
    ) -> PyResult<String> {
        let m = dedupe_finish_model(Shard::model(start)?, u_pairs, &best, base_rows);
        serde_json::to_string(&m).map_err(err)
    }

    /// A part's merge candidates under the dedupe `model` (JSON): pairs of base
    /// records at or above the threshold, `(a, b)`, each pair once.
    fn dedupe_pairs(
        &self,
        py: Python<'_>,
        model: &str,
        base: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let bt = arrow_table(base, "base")?;
        let model = Shard::model(model)?;
        let threshold = self.cfg.threshold;
        let (a, b) = py.detach(|| -> PyResult<_> {
            let part = self.part("population", &bt)?;
            let pairs = self.base_pairs(&part, &model, |w, _, _| probability(w) >= threshold)?;
            Ok(pairs
                .into_iter()
                .map(|(x, y, _)| (part.id(x).to_owned(), part.id(y).to_owned()))
                .unzip::<_, _, Vec<String>, Vec<String>>())
        })?;
        out_batch(
            py,
            vec![
                ("a", Arc::new(StringArray::from(a))),
                ("b", Arc::new(StringArray::from(b))),
            ],
        )
    }
}

impl Shard {
    /// The rows of `t` whose IDs are `ids`, in that order, standardized.
    fn gathered(&self, source: &str, t: &ArrowTable, ids: &[String]) -> PyResult<Records> {
        let (rows, _) = self.rows(source, t)?;
        let table = in_order(&rows.table, ids)?;
        Ok(Records::from_table(
            &table,
            &PrepareOptions {
                today: Some(self.as_of),
            },
        )
        .0)
    }

    /// The base–base pairs of a part that `keep(weight, a, b)` keeps, scored
    /// with `model`: `(a, b, weight)`.
    fn base_pairs(
        &self,
        part: &PartRows,
        model: &Model,
        keep: impl Fn(f64, u32, u32) -> bool,
    ) -> PyResult<Vec<(u32, u32, f64)>> {
        let (_, names) = self.plan()?;
        let scorer = Scorer::new(model, &self.cfg).map_err(err)?;
        let (f, l) = names.frequencies(&part.rows.records);
        let tf = NameFreqs {
            first: &f,
            last: &l,
        };
        let mut out = Vec::new();
        score_base_part(part.side(), tf, &self.cfg, &scorer, |s| {
            if keep(s.weight, s.a, s.b) {
                out.push((s.a, s.b, s.weight));
            }
        });
        Ok(out)
    }
}

/// The part of the block `(rule, key)` among `parts`.
fn part_of(rule: usize, key: u64, parts: u64) -> u64 {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&(rule as u64).to_le_bytes());
    bytes[8..].copy_from_slice(&key.to_le_bytes());
    xxhash_rust::xxh3::xxh3_64(&bytes) % parts
}

/// Runs the job at `input` as `toklon run` does, with its linkage from the
/// Spark steps: `models` (registry name → model JSON), `dedupe_model` (JSON),
/// `candidates` (registry name → a table of `__reg_id, __pop_id, weight,
/// levels`) and `pairs` (a table of `a, b`). Returns `summary.json` as a dict.
#[pyfunction]
#[pyo3(signature = (input, out, as_of, models, dedupe_model, candidates, pairs, threads=None, no_previous=false))]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments.
pub fn spark_finish(
    py: Python<'_>,
    input: PathBuf,
    out: PathBuf,
    as_of: &Bound<'_, PyAny>,
    models: BTreeMap<String, String>,
    dedupe_model: &str,
    candidates: &Bound<'_, PyDict>,
    pairs: &Bound<'_, PyAny>,
    threads: Option<usize>,
    no_previous: bool,
) -> PyResult<Py<PyAny>> {
    let as_of = date(as_of)?;
    let mut given = GivenLinkage {
        models: BTreeMap::new(),
        candidates: BTreeMap::new(),
        dedupe_model: Shard::model(dedupe_model)?,
        dedupe_pairs: Vec::new(),
    };
    for (name, m) in &models {
        given.models.insert(name.clone(), Shard::model(m)?);
    }
    for (name, table) in candidates.iter() {
        let name: String = name.extract()?;
        let t = arrow_table(&table, &format!("candidates[{name:?}]"))?;
        let rid = str_column(&t, "__reg_id")?;
        let pid = str_column(&t, "__pop_id")?;
        let w = f64_column(&t, "weight")?;
        let lv = bin_column(&t, "levels")?;
        let mut v = Vec::with_capacity(rid.len());
        for k in 0..rid.len() {
            v.push(GivenCandidate {
                registry: rid[k].unwrap_or_default().to_owned(),
                population: pid[k].unwrap_or_default().to_owned(),
                weight: w[k],
                levels: levels(lv[k])?,
            });
        }
        given.candidates.insert(name, v);
    }
    let t = arrow_table(pairs, "pairs")?;
    let (a, b) = (str_column(&t, "a")?, str_column(&t, "b")?);
    given.dedupe_pairs = a
        .iter()
        .zip(&b)
        .map(|(x, y)| {
            (
                x.unwrap_or_default().to_owned(),
                y.unwrap_or_default().to_owned(),
            )
        })
        .collect();
    crate::init_logging();
    let outcome = py
        .detach(|| -> Result<_, toklon_engine::EngineError> {
            let job = Job::load(&input)?;
            let opts = RunOptions {
                out,
                threads,
                as_of,
                as_of_time_zone: None,
                thai_headers: false,
                mask_ids: false,
                model: None,
                group_readable: job.group_readable,
                operator: Operator::default(),
                previous: if no_previous {
                    PreviousRun::Skip
                } else {
                    PreviousRun::OutputFolder
                },
            };
            toklon_engine::run_linked(&job, &opts, &given, &Silent)
        })
        .map_err(|e| ToklonError::new_err(toklon_engine::chain(&e)))?;
    summary_dict(py, &outcome.summary)
}
