//! A run in memory (`run_arrow`) is the run from files: over the tables of a
//! generated folder it gives the same rows, columns and counts as `run` over the
//! folder's files, and bad tables stop it with a message naming them.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader, StringArray};
use arrow_select::concat::concat_batches;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use toklon_engine::{
    ArrowInputs, ArrowOptions, ArrowTable, Job, PreviousRun, RunOptions, Silent, chain, run,
    run_arrow,
};
use toklon_types::Date;

/// A Parquet file as one table, in batches of the writers' size (so that the
/// batches of a file and of a run in memory line up).
fn read_table(path: &Path) -> ArrowTable {
    let file = File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .with_batch_size(toklon_io::BATCH_ROWS)
        .build()
        .unwrap();
    let schema = reader.schema();
    let batches = reader.map(Result::unwrap).collect();
    ArrowTable { schema, batches }
}

fn generated(dir: &Path) -> ArrowInputs {
    let cfg = toklon_gen::GenConfig::default_for(800, 11);
    toklon_gen::generate(&cfg, dir, &|_, _| {}).unwrap();
    let registries = std::fs::read_dir(dir.join("registries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_stem().unwrap().to_str().unwrap().to_string();
            (name, read_table(&p))
        })
        .collect();
    ArrowInputs {
        population: read_table(&dir.join("population.parquet")),
        households: Some(read_table(&dir.join("households.parquet"))),
        registries,
    }
}

fn as_of() -> Date {
    Date::ymd(2025, 1, 1).unwrap()
}

fn memory_opts() -> ArrowOptions {
    ArrowOptions {
        threads: Some(2),
        as_of: as_of(),
        previous: None,
    }
}

#[test]
fn a_run_in_memory_gives_the_tables_of_the_run_from_files() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let inputs = generated(&data);
    let out = tmp.path().join("out");
    let opts = RunOptions {
        out: out.clone(),
        threads: Some(2),
        as_of: as_of(),
        as_of_time_zone: None,
        thai_headers: false,
        mask_ids: false,
        model: None,
        group_readable: false,
        operator: Default::default(),
        previous: PreviousRun::Skip,
    };
    let from_files = run(&Job::load(&data).unwrap(), &opts, &Silent).unwrap();
    let in_memory = run_arrow(&inputs, &memory_opts(), &Silent).unwrap();

    let names = [
        "links",
        "unlinked_registry",
        "duplicates",
        "rejects",
        "coverage",
        "fall_through",
        "households",
        "status_problems",
        "overlaps",
        "person_ids",
        "cases",
        "changes",
    ];
    for name in names {
        let file = read_table(&out.join(format!("{name}.parquet")));
        let memory = &in_memory.tables[name];
        let fields = |t: &ArrowTable| {
            let f = t.schema.fields().iter();
            f.map(|f| (f.name().clone(), f.data_type().clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(memory), fields(&file), "{name}: columns");
        assert_eq!(memory.num_rows(), file.num_rows(), "{name}: rows");
        // Batched differently (the link tables come a registry at a time).
        let whole = |t: &ArrowTable| concat_batches(&t.schema, &t.batches).unwrap();
        assert_eq!(
            whole(memory).columns(),
            whole(&file).columns(),
            "{name}: values"
        );
    }
    assert!(in_memory.tables["links"].num_rows() > 400);
    // Only the files for people and the JSON are not made in memory.
    assert!(!in_memory.tables.contains_key("report"));
    let (m, f) = (&in_memory.summary, &from_files.summary);
    assert_eq!(m.totals.rows_read, f.totals.rows_read);
    // The same counts per source; only the path differs (a table's is its name).
    let counts = |s: &toklon_engine::Summary| {
        let mut v = serde_json::to_value(&s.sources).unwrap();
        for source in v.as_object_mut().unwrap().values_mut() {
            source.as_object_mut().unwrap().remove("path");
        }
        v
    };
    assert_eq!(counts(m), counts(f));
    let sources = serde_json::to_value(&m.sources).unwrap();
    assert_eq!(sources["sso"]["path"], "sso (Arrow table)");
}

/// A table of one text column per name, `rows` rows of `value`.
fn text_table(names: &[&str], rows: usize, value: &str) -> ArrowTable {
    let columns: Vec<(String, ArrayRef)> = names
        .iter()
        .map(|n| {
            let a: ArrayRef = Arc::new(StringArray::from(vec![Some(value); rows]));
            (n.to_string(), a)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    ArrowTable {
        schema: batch.schema(),
        batches: vec![batch],
    }
}

#[test]
fn a_table_without_a_required_column_stops_the_run_naming_it() {
    let inputs = ArrowInputs {
        population: text_table(&["record_id", "first_name"], 3, "x"),
        households: None,
        registries: BTreeMap::from([("sso".to_string(), text_table(&["first_name"], 2, "x"))]),
    };
    let e = run_arrow(&inputs, &memory_opts(), &Silent).unwrap_err();
    let message = chain(&e);
    assert!(
        message.contains("sso (Arrow table)") && message.contains("`record_id`"),
        "{message}"
    );
}

#[test]
fn a_registry_named_like_an_input_stops_the_run() {
    let inputs = ArrowInputs {
        population: text_table(&["record_id"], 1, "x"),
        households: None,
        registries: BTreeMap::from([(
            "households".to_string(),
            text_table(&["record_id", "scheme"], 1, "x"),
        )]),
    };
    let e = run_arrow(&inputs, &memory_opts(), &Silent).unwrap_err();
    assert!(
        chain(&e).contains("cannot be named `households`"),
        "{}",
        chain(&e)
    );
}
