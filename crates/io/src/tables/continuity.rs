//! The tables that carry state from one run to the next: `changes`,
//! `household_changes`, `person_ids`, `decisions`, `cases` (and what the field
//! reports for the base's custodian, `base_corrections`).

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

/// `cases.parquet`: each (person, remedy) on a list, withheld from it, or closed in
/// the last 90 days, with the latest field status; the next run reads it back.
pub mod cases {
    use crate::tables::{Column, Day, Int, TableSchema, Text};

    /// `C-` and 16 letters: stable while the person and the remedy persist.
    pub const CASE_ID: Column<Text> = Column::nullable("case_id");
    pub const PERSON_ID: Column<Text> = Column::nullable("person_id");
    /// The row whose facts the lists use (empty once the case closed).
    pub const RECORD_ID: Column<Text> = Column::nullable("record_id");
    pub const REMEDY: Column<Text> = Column::nullable("remedy");
    pub const PROVINCE_CODE: Column<Text> = Column::nullable("province_code");
    pub const FIRST_LISTED: Column<Day> = Column::nullable("first_listed");
    /// The latest field status: `not_contacted`, `contacted`, `applied`,
    /// `enrolled`, `not_eligible`, `moved`, `deceased` or `refused`.
    pub const FOLLOW_UP: Column<Text> = Column::nullable("follow_up");
    pub const FOLLOW_UP_DATE: Column<Day> = Column::nullable("follow_up_date");
    pub const NOTE: Column<Text> = Column::nullable("note");
    /// `open`, `enrolled_unconfirmed`, `suppressed`, `resolved_by_data`,
    /// `no_longer_entitled` or `gone`.
    pub const OUTCOME: Column<Text> = Column::nullable("outcome");
    pub const CLOSED: Column<Day> = Column::nullable("closed");
    pub const DAYS_OPEN: Column<Int> = Column::nullable("days_open");
    /// A fingerprint (hex) of the facts the remedy follows from, tonight.
    pub const CIRCUMSTANCES: Column<Text> = Column::nullable("circumstances");
    /// The same when a `not_eligible` or `refused` finding was made.
    pub const FOUND_IN: Column<Text> = Column::nullable("found_in");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "cases",
        segments: &[&[
            CASE_ID.part(),
            PERSON_ID.part(),
            RECORD_ID.part(),
            REMEDY.part(),
            PROVINCE_CODE.part(),
            FIRST_LISTED.part(),
            FOLLOW_UP.part(),
            FOLLOW_UP_DATE.part(),
            NOTE.part(),
            OUTCOME.part(),
            CLOSED.part(),
            DAYS_OPEN.part(),
            CIRCUMSTANCES.part(),
            FOUND_IN.part(),
        ]],
    };
}

/// `base_corrections.parquet`: people the field reported moved or dead, for the
/// base's custodian to act on.
pub mod base_corrections {
    use crate::tables::{Column, Day, TableSchema, Text, TextList};

    pub const PERSON_ID: Column<Text> = Column::nullable("person_id");
    pub const RECORD_ID: Column<Text> = Column::nullable("record_id");
    pub const HOUSEHOLD_ID: Column<Text> = Column::nullable("household_id");
    pub const PROVINCE_CODE: Column<Text> = Column::nullable("province_code");
    pub const DISTRICT_CODE: Column<Text> = Column::nullable("district_code");
    /// `moved` or `deceased`.
    pub const REPORTED: Column<Text> = Column::nullable("reported");
    pub const REPORTED_ON: Column<Day> = Column::nullable("reported_on");
    pub const NOTE: Column<Text> = Column::nullable("note");
    pub const CASE_IDS: Column<TextList> = Column::nullable("case_ids");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "base_corrections",
        segments: &[&[
            PERSON_ID.part(),
            RECORD_ID.part(),
            HOUSEHOLD_ID.part(),
            PROVINCE_CODE.part(),
            DISTRICT_CODE.part(),
            REPORTED.part(),
            REPORTED_ON.part(),
            NOTE.part(),
            CASE_IDS.part(),
        ]],
    };
}
