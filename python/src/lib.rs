//! `toklon._toklon`: the Python bindings of toklon (the package `toklon` wraps
//! them; see python/README.md).
//!
//! - [`run`]: a job from files, exactly as `toklon run` (the CLI library's
//!   [`toklon_cli::run_job`]), its `summary.json` as a dict.
//! - [`run_tables`]: a run over Arrow tables in memory ([`toklon_engine::run_arrow`]),
//!   behind `toklon.link` and `toklon.cover`. Tables come in through the Arrow
//!   PyCapsule interface (`__arrow_c_stream__`: pyarrow, polars, pandas, ...) and go
//!   out as [`ArrowStream`]s, which export the same interface.
//! - [`main`]: the `toklon` command line, for the wheel's `toklon` script.
//!
//! Rust works with the GIL released, so other Python threads run meanwhile.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use arrow_pyarrow::FromPyArrow;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use toklon_engine::{ArrowInputs, ArrowOptions, ArrowTable, Silent, Summary};

mod spark;
mod stream;

use stream::ArrowStream;

create_exception!(
    toklon,
    ToklonError,
    PyException,
    "A toklon run could not happen (bad input, missing column, unwritable output, ...); the message is the command line's."
);

/// Runs a job from files as `toklon run` does and returns `summary.json` as a dict.
#[pyfunction]
#[pyo3(signature = (
    input, out=None, as_of=None, threads=None, previous=None, no_previous=false,
    thai_headers=false, mask_ids=false, model=None, group_readable=false,
))]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments, one per flag of `toklon run`.
fn run(
    py: Python<'_>,
    input: PathBuf,
    out: Option<PathBuf>,
    as_of: Option<&Bound<'_, PyAny>>,
    threads: Option<usize>,
    previous: Option<PathBuf>,
    no_previous: bool,
    thai_headers: bool,
    mask_ids: bool,
    model: Option<PathBuf>,
    group_readable: bool,
) -> PyResult<Py<PyAny>> {
    let args = toklon_cli::args::RunArgs {
        input,
        out,
        threads,
        as_of: as_of.map(date).transpose()?,
        thai_headers,
        mask_ids,
        model,
        group_readable,
        previous,
        no_previous,
    };
    init_logging();
    let outcome = py
        .detach(|| toklon_cli::run_job(args, &Silent))
        .map_err(|e| ToklonError::new_err(format!("{e:#}")))?;
    summary_dict(py, &outcome.summary)
}

/// Runs over tables in memory: `base` (the population), `registries` (name →
/// table), `households` (optional). Returns `(summary, tables)`, every output
/// table by name.
#[pyfunction]
#[pyo3(signature = (base, registries, as_of, households=None, threads=None, previous=None))]
fn run_tables<'py>(
    py: Python<'py>,
    base: &Bound<'py, PyAny>,
    registries: &Bound<'py, PyDict>,
    as_of: &Bound<'py, PyAny>,
    households: Option<&Bound<'py, PyAny>>,
    threads: Option<usize>,
    previous: Option<PathBuf>,
) -> PyResult<(Py<PyAny>, BTreeMap<String, ArrowStream>)> {
    let mut given = BTreeMap::new();
    for (name, table) in registries.iter() {
        let name: String = name.extract().map_err(|_| {
            ToklonError::new_err("registries: the keys must be registry names (str)")
        })?;
        let table = arrow_table(&table, &format!("registries[{name:?}]"))?;
        given.insert(name, table);
    }
    let inputs = ArrowInputs {
        population: arrow_table(base, "base")?,
        households: households
            .map(|h| arrow_table(h, "households"))
            .transpose()?,
        registries: given,
    };
    let opts = ArrowOptions {
        threads,
        as_of: date(as_of)?,
        previous,
    };
    init_logging();
    let outcome = py
        .detach(|| toklon_engine::run_arrow(&inputs, &opts, &Silent))
        .map_err(|e| ToklonError::new_err(toklon_engine::chain(&e)))?;
    let tables = outcome
        .tables
        .into_iter()
        .map(|(name, table)| (name, ArrowStream::new(table)))
        .collect();
    Ok((summary_dict(py, &outcome.summary)?, tables))
}

/// Runs the `toklon` command line (`args` with the program's name first) and
/// returns its exit code.
#[pyfunction]
fn main(py: Python<'_>, args: Vec<OsString>) -> u8 {
    py.detach(|| toklon_cli::main_from(args))
}

/// Warnings on stderr, as the command prints them (`RUST_LOG` changes the level);
/// like every toklon log, they never carry field values. Not at import: the
/// `toklon` script sets the level from its own `-v`/`-q` first.
fn init_logging() {
    toklon_cli::init_logging(0, false);
}

/// A table from any object with `__arrow_c_stream__`, its batches taken without
/// copying; `what` names the argument in the error.
fn arrow_table(value: &Bound<'_, PyAny>, what: &str) -> PyResult<ArrowTable> {
    if !value.hasattr("__arrow_c_stream__")? {
        let kind = value.get_type().name()?;
        return Err(ToklonError::new_err(format!(
            "{what}: a {kind} is not an Arrow table (give a pyarrow Table, a polars or pandas DataFrame, or any object with __arrow_c_stream__)"
        )));
    }
    let table = arrow_pyarrow::Table::from_pyarrow_bound(value)
        .map_err(|e| ToklonError::new_err(format!("{what}: cannot be read as Arrow: {e}")))?;
    let (batches, schema) = table.into_inner();
    Ok(ArrowTable { schema, batches })
}

/// A reference date from a `datetime.date` or a string (`YYYY-MM-DD`, BE years
/// accepted, as `--as-of`).
fn date(value: &Bound<'_, PyAny>) -> PyResult<toklon_types::Date> {
    let text = value.str()?.to_string();
    toklon_engine::parse_as_of(&text).map_err(|e| ToklonError::new_err(format!("as_of: {e}")))
}

/// `summary` as Python objects, through its JSON form (the struct `summary.json`
/// is written from).
fn summary_dict(py: Python<'_>, summary: &Summary) -> PyResult<Py<PyAny>> {
    let json = serde_json::to_string(summary)
        .map_err(|e| ToklonError::new_err(format!("summary: {e}")))?;
    let loads = py.import("json")?.getattr("loads")?;
    Ok(loads.call1((json,))?.unbind())
}

#[pymodule]
fn _toklon(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ToklonError", m.py().get_type::<ToklonError>())?;
    m.add_class::<ArrowStream>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(run_tables, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_class::<spark::Shard>()?;
    m.add_function(wrap_pyfunction!(spark::spark_job, m)?)?;
    m.add_function(wrap_pyfunction!(spark::spark_finish, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
