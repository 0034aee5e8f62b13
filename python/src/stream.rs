//! An output table handed to Python through the Arrow PyCapsule interface: an
//! object with `__arrow_c_stream__`, so `pyarrow.table(t)`, `polars.DataFrame(t)`
//! and any other consumer of the interface take its batches without copying them.
//!
//! The capsule holds a boxed `FFI_ArrowArrayStream` (the Arrow C stream
//! interface). A consumer moves the stream out of it and marks the capsule's copy
//! released; when the capsule is freed, pyo3 drops the box, and the stream's own
//! `Drop` calls its `release` only if no consumer took it. So no `unsafe` is
//! needed here: ownership is what the C interface asks for, kept by safe code.

use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use toklon_engine::ArrowTable;

/// The capsule name the PyCapsule interface requires for a stream.
const STREAM_CAPSULE: &std::ffi::CStr = c"arrow_array_stream";

/// An output table of toklon (columns as the Parquet file of the same name).
/// Implements `__arrow_c_stream__`: read it with `pyarrow.table(t)`,
/// `polars.DataFrame(t)` or `polars.from_arrow(t)`. It can be read any number of
/// times; each read shares the same buffers.
#[pyclass(module = "toklon", frozen)]
pub struct ArrowStream {
    table: ArrowTable,
}

impl ArrowStream {
    pub fn new(table: ArrowTable) -> ArrowStream {
        ArrowStream { table }
    }
}

#[pymethods]
impl ArrowStream {
    /// Exports the table as an Arrow C stream in a PyCapsule. A requested schema
    /// is not applied (the interface allows a producer to keep its own): the
    /// table's columns are those of the output file of its name.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches: Vec<Result<RecordBatch, arrow_schema::ArrowError>> =
            self.table.batches.iter().cloned().map(Ok).collect();
        let reader: Box<dyn RecordBatchReader + Send> = Box::new(RecordBatchIterator::new(
            batches,
            Arc::clone(&self.table.schema),
        ));
        PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(reader), STREAM_CAPSULE)
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.table.num_rows()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.table
            .schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.table.num_rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "<toklon table: {} rows, columns {}>",
            self.table.num_rows(),
            self.column_names().join(", ")
        )
    }
}
