//! The linkage tables: `rejects`, `links`, `unlinked_registry`, `duplicates`.

/// `rejects.parquet`: every row of every input that could not be used, with why.
pub mod rejects {
    use crate::tables::{Column, Count64, TableSchema, Text};

    /// The input's name (`population`, `households`, a registry, `decisions`).
    pub const SOURCE: Column<Text> = Column::nullable("source");
    /// The row in its file (1 = the first data row).
    pub const ROW: Column<Count64> = Column::nullable("row");
    pub const RECORD_ID: Column<Text> = Column::nullable("record_id");
    /// The reason's code.
    pub const REASON: Column<Text> = Column::nullable("reason");
    /// The reason in words.
    pub const DETAIL: Column<Text> = Column::nullable("detail");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "rejects",
        segments: &[&[
            SOURCE.part(),
            ROW.part(),
            RECORD_ID.part(),
            REASON.part(),
            DETAIL.part(),
        ]],
    };
}

/// `links.parquet`: one row per accepted link.
pub mod links {
    use crate::tables::{Column, Family, Float, TableSchema, Text};

    pub const POPULATION_RECORD_ID: Column<Text> = Column::nullable("population_record_id");
    pub const REGISTRY: Column<Text> = Column::nullable("registry");
    pub const REGISTRY_RECORD_ID: Column<Text> = Column::nullable("registry_record_id");
    pub const MATCH_WEIGHT: Column<Float> = Column::nullable("match_weight");
    pub const MATCH_PROBABILITY: Column<Float> = Column::nullable("match_probability");
    /// How the pair was accepted (`score`, `reviewed`, ...).
    pub const METHOD: Column<Text> = Column::nullable("method");
    /// One per compared field of the job's `[link]` settings: `level_<field>`, the
    /// name of the comparison level the pair reached.
    pub const LEVEL: Family<Text> = Family::nullable("comparison level per field", "level_");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "links",
        segments: &[&[
            POPULATION_RECORD_ID.part(),
            REGISTRY.part(),
            REGISTRY_RECORD_ID.part(),
            MATCH_WEIGHT.part(),
            MATCH_PROBABILITY.part(),
            METHOD.part(),
            LEVEL.part(),
        ]],
    };
}

/// `unlinked_registry.parquet`: registry rows that linked to no one.
pub mod unlinked_registry {
    use crate::tables::{Column, Float, TableSchema, Text};

    pub const REGISTRY: Column<Text> = Column::nullable("registry");
    pub const REGISTRY_RECORD_ID: Column<Text> = Column::nullable("registry_record_id");
    pub const REASON: Column<Text> = Column::nullable("reason");
    pub const NEAREST_POPULATION_RECORD_ID: Column<Text> =
        Column::nullable("nearest_population_record_id");
    pub const NEAREST_MATCH_WEIGHT: Column<Float> = Column::nullable("nearest_match_weight");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "unlinked_registry",
        segments: &[&[
            REGISTRY.part(),
            REGISTRY_RECORD_ID.part(),
            REASON.part(),
            NEAREST_POPULATION_RECORD_ID.part(),
            NEAREST_MATCH_WEIGHT.part(),
        ]],
    };
}

/// `duplicates.parquet`: one row per merge of two base rows into one person.
pub mod duplicates {
    use crate::tables::{Column, Family, Float, TableSchema, Text};

    pub const RECORD_ID_A: Column<Text> = Column::nullable("record_id_a");
    pub const RECORD_ID_B: Column<Text> = Column::nullable("record_id_b");
    pub const PERSON_ID: Column<Text> = Column::nullable("person_id");
    pub const MATCH_WEIGHT: Column<Float> = Column::nullable("match_weight");
    pub const MATCH_PROBABILITY: Column<Float> = Column::nullable("match_probability");
    /// As in `links`: `level_<field>` per compared field.
    pub const LEVEL: Family<Text> = super::links::LEVEL;

    pub const SCHEMA: TableSchema = TableSchema {
        name: "duplicates",
        segments: &[&[
            RECORD_ID_A.part(),
            RECORD_ID_B.part(),
            PERSON_ID.part(),
            MATCH_WEIGHT.part(),
            MATCH_PROBABILITY.part(),
            LEVEL.part(),
        ]],
    };
}
