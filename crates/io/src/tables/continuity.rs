//! The tables that carry state from one run to the next: `changes`,
//! `household_changes`, `person_ids`, `decisions`.

/// `changes.parquet` (persons) and `household_changes.parquet`: who is new on the
/// lists, still listed, resolved or gone since the previous run.
pub mod changes {
    use crate::tables::{Column, Day, Int, Part, TableSchema, Text, TextList};

    /// The key of `changes`.
    pub const PERSON_ID: Column<Text> = Column::nullable("person_id");
    /// The base row the person was listed by (persons only).
    pub const RECORD_ID: Column<Text> = Column::nullable("record_id");
    /// The key of `household_changes`.
    pub const HOUSEHOLD_ID: Column<Text> = Column::nullable("household_id");
    pub const PROVINCE_CODE: Column<Text> = Column::nullable("province_code");
    /// `new`, `still_listed`, `resolved` or `gone`.
    pub const STATUS: Column<Text> = Column::nullable("status");
    pub const FIRST_LISTED: Column<Day> = Column::nullable("first_listed");
    pub const DAYS_LISTED: Column<Int> = Column::nullable("days_listed");
    pub const REMEDIES_BEFORE: Column<TextList> = Column::nullable("remedies_before");
    pub const REMEDIES_NOW: Column<TextList> = Column::nullable("remedies_now");
    pub const RESOLVED_BY: Column<Text> = Column::nullable("resolved_by");

    /// The columns after the key, shared by both tables.
    const CHANGE: &[Part] = &[
        PROVINCE_CODE.part(),
        STATUS.part(),
        FIRST_LISTED.part(),
        DAYS_LISTED.part(),
        REMEDIES_BEFORE.part(),
        REMEDIES_NOW.part(),
        RESOLVED_BY.part(),
    ];

    pub const CHANGES: TableSchema = TableSchema {
        name: "changes",
        segments: &[&[PERSON_ID.part(), RECORD_ID.part()], CHANGE],
    };

    pub const HOUSEHOLD_CHANGES: TableSchema = TableSchema {
        name: "household_changes",
        segments: &[&[HOUSEHOLD_ID.part()], CHANGE],
    };
}

/// `person_ids.parquet`: the person IDs created, merged or split this run.
pub mod person_ids {
    use crate::tables::{Column, Day, TableSchema, Text};

    pub const PERSON_ID: Column<Text> = Column::nullable("person_id");
    /// `created`, `merged_into` or `split_from`.
    pub const EVENT: Column<Text> = Column::nullable("event");
    pub const OTHER_PERSON_ID: Column<Text> = Column::nullable("other_person_id");
    pub const DATE: Column<Day> = Column::nullable("date");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "person_ids",
        segments: &[&[
            PERSON_ID.part(),
            EVENT.part(),
            OTHER_PERSON_ID.part(),
            DATE.part(),
        ]],
    };
}

/// `decisions.parquet`: the reviewers' decisions in force and what became of each.
/// The reviewers' own file (`decisions.csv` in the job) has the same columns but
/// `applied`.
pub mod decisions {
    use crate::tables::{Column, TableSchema, Text};

    /// The registry of the pair, or `population` for two base rows.
    pub const REGISTRY: Column<Text> = Column::nullable("registry");
    pub const RECORD_ID: Column<Text> = Column::nullable("record_id");
    pub const POPULATION_RECORD_ID: Column<Text> = Column::nullable("population_record_id");
    /// `match` or `non_match`.
    pub const DECISION: Column<Text> = Column::nullable("decision");
    pub const BY: Column<Text> = Column::nullable("by");
    /// `YYYY-MM-DD`.
    pub const AT: Column<Text> = Column::nullable("at");
    pub const WHY: Column<Text> = Column::nullable("why");
    /// `applied`, `record_gone` or `unknown_registry`.
    pub const APPLIED: Column<Text> = Column::nullable("applied");

    /// The columns a reviewers' decisions file is read by, in order.
    pub const REVIEWED: [&str; 7] = [
        REGISTRY.name(),
        RECORD_ID.name(),
        POPULATION_RECORD_ID.name(),
        DECISION.name(),
        BY.name(),
        AT.name(),
        WHY.name(),
    ];

    pub const SCHEMA: TableSchema = TableSchema {
        name: "decisions",
        segments: &[&[
            REGISTRY.part(),
            RECORD_ID.part(),
            POPULATION_RECORD_ID.part(),
            DECISION.part(),
            BY.part(),
            AT.part(),
            WHY.part(),
            APPLIED.part(),
        ]],
    };
}
