//! The schema of every table toklon writes, in one place.
//!
//! Each table has one module here: its typed column constants (name, type,
//! nullability) and its [`TableSchema`], the ordered list of those columns. The
//! engine builds its output batches from these constants
//! (`links::MATCH_WEIGHT.values(..)`) and reads the previous run's tables back
//! through them (`coverage::PERSON_ID.name()`); `toklon_gen` writes its inputs and
//! truth files with the same ones, and `eval` reads them back with them.
//!
//! **To change a table's schema**, edit its module here: add, rename or retype a
//! column constant and put it in the table's `SCHEMA`. The writer then fails to
//! compile (a typed column given values of another type) or fails its tests (a
//! column in the schema without data, or data in no column of the schema: every
//! batch written through [`OutTable::for_schema`] is checked against the schema
//! before it reaches a file, see [`TableSchema::fields`]).
//!
//! Columns whose names depend on the job or on a catalog (a comparison level per
//! linked field, a flag per vulnerable group, a column per protection) are a
//! [`Family`]: one entry in the schema that matches zero or more columns named
//! with its prefix, built by the family's function rather than by a literal at
//! the call site.
//!
//! ```
//! use toklon_io::tables::links;
//! use toklon_io::OutTable;
//! let t = OutTable::for_schema(&links::SCHEMA)
//!     .with(links::POPULATION_RECORD_ID.values([Some("P1")]))
//!     .with(links::REGISTRY.values([Some("ucs")]))
//!     .with(links::REGISTRY_RECORD_ID.values([Some("U1")]))
//!     .with(links::MATCH_WEIGHT.values([Some(12.5)]))
//!     .with(links::MATCH_PROBABILITY.values([Some(0.99)]))
//!     .with(links::METHOD.values([Some("score")]))
//!     .with(links::LEVEL.column("national_id", [Some("exact")]));
//! assert_eq!(t.len(), 1);
//! assert!(links::SCHEMA.check(&t).is_ok());
//! ```
//!
//! [`OutTable::for_schema`]: crate::OutTable::for_schema

mod continuity;
mod generated;
mod linkage;
mod lists;

pub use continuity::{base_corrections, cases, changes, decisions, person_ids};
pub use generated::{households_input, population, registry, truth_coverage, truth_entities};
pub use linkage::{duplicates, links, rejects, unlinked_registry};
pub use lists::{coverage, households, overlaps, people};

use std::marker::PhantomData;

use arrow_schema::{DataType, Field};
use toklon_types::Date;

use crate::{IoError, OutColumn, OutTable};

/// The type of an output column, as written to Parquet (and rendered in CSV).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    /// UTF-8 text.
    Str,
    F64,
    U32,
    U64,
    I32,
    Bool,
    /// A full date (`date32`; `YYYY-MM-DD` in CSV).
    Date,
    /// A list of text (`; `-joined in the engine's CSV).
    StrList,
}

impl ColType {
    /// The type of an Arrow column, when it is one an output table may hold.
    pub fn of(data_type: &DataType) -> Option<ColType> {
        Some(match data_type {
            DataType::Utf8 => ColType::Str,
            DataType::Float64 => ColType::F64,
            DataType::UInt32 => ColType::U32,
            DataType::UInt64 => ColType::U64,
            DataType::Int32 => ColType::I32,
            DataType::Boolean => ColType::Bool,
            DataType::Date32 => ColType::Date,
            DataType::List(item) if item.data_type() == &DataType::Utf8 => ColType::StrList,
            _ => return None,
        })
    }
}

/// One column of a schema: its name, type and whether it may hold nulls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
}

/// The Rust type of a column's values, tied to its [`ColType`] (marker types for
/// [`Column`]).
pub trait Kind {
    const TYPE: ColType;
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident => $ty:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        impl Kind for $name {
            const TYPE: ColType = ColType::$ty;
        }
    )*};
}

kinds! {
    /// Text values (`Option<&str>`).
    Text => Str,
    /// `Option<f64>`.
    Float => F64,
    /// `Option<u32>`.
    Count => U32,
    /// `Option<u64>`.
    Count64 => U64,
    /// `Option<i32>`.
    Int => I32,
    /// `Option<bool>`.
    Flag => Bool,
    /// `Option<Date>` (a partial date is written as null).
    Day => Date,
    /// A list of text per row.
    TextList => StrList,
}

/// A column of one table, typed by its values: `Column<Text>` takes `&str`s,
/// `Column<Flag>` takes `bool`s, so a writer cannot give it values of another type.
#[derive(Clone, Copy, Debug)]
pub struct Column<K> {
    spec: ColumnSpec,
    kind: PhantomData<K>,
}

impl<K: Kind> Column<K> {
    /// A column that may hold nulls.
    pub const fn nullable(name: &'static str) -> Column<K> {
        Column {
            spec: ColumnSpec {
                name,
                ty: K::TYPE,
                nullable: true,
            },
            kind: PhantomData,
        }
    }

    /// A column that never holds a null (written as a required Parquet column).
    pub const fn required(name: &'static str) -> Column<K> {
        Column {
            spec: ColumnSpec {
                name,
                ty: K::TYPE,
                nullable: false,
            },
            kind: PhantomData,
        }
    }

    pub const fn name(&self) -> &'static str {
        self.spec.name
    }

    pub const fn spec(&self) -> ColumnSpec {
        self.spec
    }

    /// The column as a schema part.
    pub const fn part(&self) -> Part {
        Part::One(self.spec)
    }
}

impl Column<Text> {
    pub fn values<'a, I: IntoIterator<Item = Option<&'a str>>>(&self, values: I) -> OutColumn {
        OutColumn::str(self.spec.name, values)
    }
}

impl Column<Float> {
    pub fn values<I: IntoIterator<Item = Option<f64>>>(&self, values: I) -> OutColumn {
        OutColumn::f64(self.spec.name, values)
    }
}

impl Column<Count> {
    pub fn values<I: IntoIterator<Item = Option<u32>>>(&self, values: I) -> OutColumn {
        OutColumn::u32(self.spec.name, values)
    }
}

impl Column<Count64> {
    pub fn values<I: IntoIterator<Item = Option<u64>>>(&self, values: I) -> OutColumn {
        OutColumn::u64(self.spec.name, values)
    }
}

impl Column<Int> {
    pub fn values<I: IntoIterator<Item = Option<i32>>>(&self, values: I) -> OutColumn {
        OutColumn::i32(self.spec.name, values)
    }
}

impl Column<Flag> {
    pub fn values<I: IntoIterator<Item = Option<bool>>>(&self, values: I) -> OutColumn {
        OutColumn::bool(self.spec.name, values)
    }
}

impl Column<Day> {
    pub fn values<I: IntoIterator<Item = Option<Date>>>(&self, values: I) -> OutColumn {
        OutColumn::date(self.spec.name, values)
    }
}

impl Column<TextList> {
    pub fn values<'a, I, J>(&self, rows: I) -> OutColumn
    where
        I: IntoIterator<Item = J>,
        J: IntoIterator<Item = &'a str>,
    {
        OutColumn::str_list(self.spec.name, rows)
    }

    /// [`Column::values`] sized by a first pass over the rows (see
    /// [`OutColumn::str_list_sized`]).
    pub fn values_sized<'a, I, J>(&self, rows: I) -> OutColumn
    where
        I: IntoIterator<Item = J> + Clone,
        J: IntoIterator<Item = &'a str>,
    {
        OutColumn::str_list_sized(self.spec.name, rows)
    }
}

/// Columns named by the job or a catalog rather than fixed: `prefix` + a
/// suffix (a linked field, a vulnerable group), or, with an empty prefix, one
/// name per member of a fixed set (a protection's code). In a schema it matches
/// zero or more consecutive columns of its type whose names start with `prefix`.
#[derive(Clone, Copy, Debug)]
pub struct Family<K> {
    /// What one column stands for (for error messages and docs).
    pub what: &'static str,
    pub prefix: &'static str,
    nullable: bool,
    kind: PhantomData<K>,
}

impl<K: Kind> Family<K> {
    pub const fn nullable(what: &'static str, prefix: &'static str) -> Family<K> {
        Family {
            what,
            prefix,
            nullable: true,
            kind: PhantomData,
        }
    }

    pub const fn required(what: &'static str, prefix: &'static str) -> Family<K> {
        Family {
            what,
            prefix,
            nullable: false,
            kind: PhantomData,
        }
    }

    /// The name of the family's column for `suffix`.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    pub const fn part(&self) -> Part {
        Part::Family {
            what: self.what,
            prefix: self.prefix,
            ty: K::TYPE,
            nullable: self.nullable,
        }
    }
}

impl Family<Text> {
    pub fn column<'a, I: IntoIterator<Item = Option<&'a str>>>(
        &self,
        suffix: &str,
        values: I,
    ) -> OutColumn {
        OutColumn::str(&self.name(suffix), values)
    }
}

impl Family<Flag> {
    pub fn column<I: IntoIterator<Item = Option<bool>>>(
        &self,
        suffix: &str,
        values: I,
    ) -> OutColumn {
        OutColumn::bool(&self.name(suffix), values)
    }

    /// The column named `name` in full (a name that already carries the prefix,
    /// such as a households-file flag `dep_health`).
    pub fn named<I: IntoIterator<Item = Option<bool>>>(&self, name: &str, values: I) -> OutColumn {
        debug_assert!(name.starts_with(self.prefix), "{name} in {}", self.what);
        OutColumn::bool(name, values)
    }
}

/// One entry of a [`TableSchema`].
#[derive(Clone, Copy, Debug)]
pub enum Part {
    One(ColumnSpec),
    Family {
        what: &'static str,
        prefix: &'static str,
        ty: ColType,
        nullable: bool,
    },
}

impl Part {
    fn ty(&self) -> ColType {
        match self {
            Part::One(c) => c.ty,
            Part::Family { ty, .. } => *ty,
        }
    }

    fn nullable(&self) -> bool {
        match self {
            Part::One(c) => c.nullable,
            Part::Family { nullable, .. } => *nullable,
        }
    }

    fn describe(&self) -> String {
        match self {
            Part::One(c) => format!("`{}` ({:?})", c.name, c.ty),
            Part::Family {
                what, prefix, ty, ..
            } => format!("a {what} column `{prefix}*` ({ty:?})"),
        }
    }
}

/// The definition of one table: its name (the file's stem) and its columns in
/// order, given as segments so that tables sharing most of their columns (the two
/// lists of people, the two change tables) share them.
#[derive(Clone, Copy, Debug)]
pub struct TableSchema {
    pub name: &'static str,
    pub segments: &'static [&'static [Part]],
}

impl TableSchema {
    /// `<name>.parquet`.
    pub fn parquet_file(&self) -> String {
        format!("{}.parquet", self.name)
    }

    /// `<name>.csv`.
    pub fn csv_file(&self) -> String {
        format!("{}.csv", self.name)
    }

    /// Every entry of the schema, in order.
    pub fn parts(&self) -> impl Iterator<Item = &'static Part> {
        self.segments.iter().flat_map(|s| s.iter())
    }

    /// The fixed columns (families left out), in order.
    pub fn columns(&self) -> impl Iterator<Item = &'static ColumnSpec> {
        self.parts().filter_map(|p| match p {
            Part::One(c) => Some(c),
            Part::Family { .. } => None,
        })
    }

    /// Whether `table` has exactly this schema's columns, in order, with their types.
    pub fn check(&self, table: &OutTable) -> Result<(), IoError> {
        self.fields(table).map(drop)
    }

    /// The Arrow fields of `table` under this schema (nullability from the
    /// schema), or what does not match: a column of the schema missing, a
    /// column the schema lacks, or a column of another type.
    pub(crate) fn fields(&self, table: &OutTable) -> Result<Vec<Field>, IoError> {
        let mismatch = |detail: String| IoError::SchemaMismatch {
            table: self.name.to_string(),
            detail,
        };
        let columns = table.columns();
        let mut fields = Vec::with_capacity(columns.len());
        let mut next = 0;
        for part in self.parts() {
            let typed = |k: usize| {
                let c = &columns[k];
                (c.name(), ColType::of(c.data_type()))
            };
            match part {
                Part::One(spec) => {
                    let Some(k) = (next < columns.len()).then_some(next) else {
                        return Err(mismatch(format!("no data for {}", part.describe())));
                    };
                    let (name, ty) = typed(k);
                    if name != spec.name {
                        return Err(mismatch(format!(
                            "expected {}, found column `{name}`",
                            part.describe()
                        )));
                    }
                    if ty != Some(spec.ty) {
                        return Err(mismatch(format!(
                            "`{name}` written as {ty:?}, the schema says {:?}",
                            spec.ty
                        )));
                    }
                    fields.push(columns[k].field(spec.nullable));
                    next += 1;
                }
                Part::Family { prefix, .. } => {
                    while next < columns.len() {
                        let (name, ty) = typed(next);
                        if !name.starts_with(prefix) || ty != Some(part.ty()) {
                            break;
                        }
                        fields.push(columns[next].field(part.nullable()));
                        next += 1;
                    }
                }
            }
        }
        if let Some(extra) = columns.get(next) {
            return Err(mismatch(format!(
                "column `{}` is not in the schema",
                extra.name()
            )));
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Column<Text> = Column::nullable("a");
    const B: Column<Count> = Column::required("b");
    const F: Family<Flag> = Family::nullable("test flag", "is_");
    const SCHEMA: TableSchema = TableSchema {
        name: "t",
        segments: &[&[A.part(), F.part(), B.part()]],
    };

    #[test]
    fn a_table_built_from_its_schema_conforms() {
        let t = OutTable::for_schema(&SCHEMA)
            .with(A.values([Some("x"), None]))
            .with(F.column("one", [Some(true), Some(false)]))
            .with(F.column("two", [None, Some(false)]))
            .with(B.values([Some(1), Some(2)]));
        let fields = SCHEMA.fields(&t).expect("conforms");
        let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["a", "is_one", "is_two", "b"]);
        assert!(fields[0].is_nullable() && !fields[3].is_nullable());
        // A family may have no column at all.
        let t = OutTable::for_schema(&SCHEMA)
            .with(A.values([Some("x")]))
            .with(B.values([Some(1)]));
        assert!(SCHEMA.check(&t).is_ok());
    }

    #[test]
    fn a_column_missing_extra_or_mistyped_is_refused() {
        let missing = OutTable::for_schema(&SCHEMA).with(A.values([Some("x")]));
        let extra = OutTable::for_schema(&SCHEMA)
            .with(A.values([Some("x")]))
            .with(B.values([Some(1)]))
            .with(OutColumn::str("c", [Some("y")]));
        let mistyped = OutTable::for_schema(&SCHEMA)
            .with(A.values([Some("x")]))
            .with(OutColumn::u64("b", [Some(1)]));
        let renamed = OutTable::for_schema(&SCHEMA)
            .with(OutColumn::str("aa", [Some("x")]))
            .with(B.values([Some(1)]));
        for (t, says) in [
            (missing, "no data for `b`"),
            (extra, "`c` is not in the schema"),
            (mistyped, "`b` written as Some(U64)"),
            (renamed, "found column `aa`"),
        ] {
            let e = SCHEMA.check(&t).expect_err("refused").to_string();
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn a_parquet_write_is_refused_when_the_table_does_not_conform() {
        let d = tempfile::tempdir().expect("temp dir");
        let t = OutTable::for_schema(&SCHEMA).with(A.values([Some("x")]));
        assert!(t.write_parquet(&d.path().join("t.parquet")).is_err());
    }

    /// Every schema: no column named twice, families distinguishable from the
    /// columns that follow them.
    #[test]
    fn every_schema_names_each_column_once() {
        for s in all() {
            let mut names: Vec<&str> = s.columns().map(|c| c.name).collect();
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "{}", s.name);
            let parts: Vec<&Part> = s.parts().collect();
            for w in parts.windows(2) {
                if let (Part::Family { prefix, ty, .. }, next) = (w[0], w[1]) {
                    let clash = match next {
                        Part::One(c) => c.ty == *ty && c.name.starts_with(prefix),
                        Part::Family { .. } => true,
                    };
                    assert!(!clash, "{}: a family runs into what follows it", s.name);
                }
            }
        }
    }

    fn all() -> Vec<&'static TableSchema> {
        vec![
            &rejects::SCHEMA,
            &links::SCHEMA,
            &unlinked_registry::SCHEMA,
            &duplicates::SCHEMA,
            &coverage::SCHEMA,
            &people::FALL_THROUGH,
            &people::STATUS_PROBLEMS,
            &households::SCHEMA,
            &overlaps::SCHEMA,
            &changes::CHANGES,
            &changes::HOUSEHOLD_CHANGES,
            &person_ids::SCHEMA,
            &decisions::SCHEMA,
            &cases::SCHEMA,
            &base_corrections::SCHEMA,
            &population::SCHEMA,
            &households_input::SCHEMA,
            &registry::SCHEMA,
            &truth_entities::SCHEMA,
            &truth_coverage::SCHEMA,
        ]
    }
}
