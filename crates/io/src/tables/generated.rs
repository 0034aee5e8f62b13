//! The tables `toklon generate` writes: the inputs of a run in the data
//! contract's canonical columns (`population`, `households`, one file per
//! registry) and the ground truth `eval` scores a run against (`truth/entities`,
//! `truth/coverage`). The input columns are named by `toklon_types::columns`,
//! the contract's own list, so the generator and the reader cannot disagree.

/// The person columns shared by the population base and the registries, in the
/// order the generator writes them.
macro_rules! person_columns {
    () => {
        pub const NATIONAL_ID: Column<Text> = Column::nullable(columns::NATIONAL_ID);
        pub const PREFIX: Column<Text> = Column::nullable(columns::PREFIX);
        pub const FIRST_NAME: Column<Text> = Column::nullable(columns::FIRST_NAME);
        pub const LAST_NAME: Column<Text> = Column::nullable(columns::LAST_NAME);
        /// As written in the source (`M`, `ชาย`, ...).
        pub const SEX: Column<Text> = Column::nullable(columns::SEX);
        /// As written in the source (Buddhist or Common Era, several formats).
        pub const BIRTH_DATE: Column<Text> = Column::nullable(columns::BIRTH_DATE);
        pub const HOUSE_NO: Column<Text> = Column::nullable(columns::HOUSE_NO);
        pub const VILLAGE_NO: Column<Int> = Column::nullable(columns::VILLAGE_NO);
        pub const SUBDISTRICT_CODE: Column<Text> = Column::nullable(columns::SUBDISTRICT_CODE);

        const PERSON: &[Part] = &[
            NATIONAL_ID.part(),
            PREFIX.part(),
            FIRST_NAME.part(),
            LAST_NAME.part(),
            SEX.part(),
            BIRTH_DATE.part(),
            HOUSE_NO.part(),
            VILLAGE_NO.part(),
            SUBDISTRICT_CODE.part(),
        ];
    };
}

/// `population.parquet` / `.csv`: the population base.
pub mod population {
    use crate::tables::{Column, Flag, Int, Part, TableSchema, Text};
    use toklon_types::columns;

    pub const RECORD_ID: Column<Text> = Column::required(columns::RECORD_ID);
    person_columns!();
    pub const HOUSEHOLD_ID: Column<Text> = Column::nullable(columns::HOUSEHOLD_ID);
    pub const RELATIONSHIP: Column<Text> = Column::nullable(columns::RELATIONSHIP);
    pub const DISABLED: Column<Flag> = Column::nullable(columns::DISABLED);
    pub const CHRONIC_ILL: Column<Flag> = Column::nullable(columns::CHRONIC_ILL);
    pub const EMPLOYMENT: Column<Text> = Column::nullable(columns::EMPLOYMENT);

    pub const SCHEMA: TableSchema = TableSchema {
        name: "population",
        segments: &[
            &[RECORD_ID.part()],
            PERSON,
            &[
                HOUSEHOLD_ID.part(),
                RELATIONSHIP.part(),
                DISABLED.part(),
                CHRONIC_ILL.part(),
                EMPLOYMENT.part(),
            ],
        ],
    };
}

/// `registries/<name>.parquet` / `.csv`: one welfare registry.
pub mod registry {
    use crate::tables::{Column, Int, Part, TableSchema, Text};
    use toklon_types::columns;

    pub const RECORD_ID: Column<Text> = Column::required(columns::RECORD_ID);
    person_columns!();
    pub const SCHEME: Column<Text> = Column::nullable(columns::SCHEME);
    pub const STATUS: Column<Text> = Column::nullable(columns::STATUS);
    pub const VALID_FROM: Column<Text> = Column::nullable(columns::VALID_FROM);
    pub const VALID_TO: Column<Text> = Column::nullable(columns::VALID_TO);

    /// The name is the registry's; this one is a placeholder.
    pub const SCHEMA: TableSchema = TableSchema {
        name: "registry",
        segments: &[
            &[RECORD_ID.part()],
            PERSON,
            &[
                SCHEME.part(),
                STATUS.part(),
                VALID_FROM.part(),
                VALID_TO.part(),
            ],
        ],
    };
}

/// `households.parquet` / `.csv` among the inputs (not the engine's output of
/// the same name, [`super::households`]).
pub mod households_input {
    use crate::tables::{Column, Flag, Int, TableSchema, Text};
    use toklon_types::columns;

    pub const HOUSEHOLD_ID: Column<Text> = Column::required(columns::HOUSEHOLD_ID);
    pub const SUBDISTRICT_CODE: Column<Text> = Column::nullable(columns::SUBDISTRICT_CODE);
    pub const VILLAGE_NO: Column<Int> = Column::nullable(columns::VILLAGE_NO);
    pub const HOUSE_NO: Column<Text> = Column::nullable(columns::HOUSE_NO);
    pub const DEP_HEALTH: Column<Flag> = Column::required(columns::DEP_HEALTH);
    pub const DEP_EDUCATION: Column<Flag> = Column::required(columns::DEP_EDUCATION);
    pub const DEP_LIVING: Column<Flag> = Column::required(columns::DEP_LIVING);
    pub const DEP_INCOME: Column<Flag> = Column::required(columns::DEP_INCOME);
    pub const DEP_ACCESS: Column<Flag> = Column::required(columns::DEP_ACCESS);

    pub const SCHEMA: TableSchema = TableSchema {
        name: "households",
        segments: &[&[
            HOUSEHOLD_ID.part(),
            SUBDISTRICT_CODE.part(),
            VILLAGE_NO.part(),
            HOUSE_NO.part(),
            DEP_HEALTH.part(),
            DEP_EDUCATION.part(),
            DEP_LIVING.part(),
            DEP_INCOME.part(),
            DEP_ACCESS.part(),
        ]],
    };
}

/// `truth/entities.parquet` / `.csv`: which real person each generated record is.
pub mod truth_entities {
    use crate::tables::{Column, TableSchema, Text};

    /// `population` or a registry's name.
    pub const SOURCE: Column<Text> = Column::required("source");
    pub const RECORD_ID: Column<Text> = Column::required("record_id");
    pub const ENTITY_ID: Column<Text> = Column::required("entity_id");
    /// The corruptions applied to the record, `;`-joined codes.
    pub const CORRUPTIONS: Column<Text> = Column::required("corruptions");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "entities",
        segments: &[&[
            SOURCE.part(),
            RECORD_ID.part(),
            ENTITY_ID.part(),
            CORRUPTIONS.part(),
        ]],
    };
}

/// `truth/coverage.parquet` / `.csv`: each population record's true coverage.
pub mod truth_coverage {
    use crate::tables::{Column, Family, Flag, TableSchema, Text, TextList};

    pub const RECORD_ID: Column<Text> = Column::required("record_id");
    pub const ENTITY_ID: Column<Text> = Column::required("entity_id");
    /// The schemes held, `;`-joined codes.
    pub const SCHEMES: Column<Text> = Column::required("schemes");
    pub const SCHEMES_VIA_HOUSEHOLD: Column<Text> = Column::required("schemes_via_household");
    /// One per protection, named by its code: truly covered or not.
    pub const PROTECTION: Family<Flag> = Family::required("protection", "");
    /// The remedies the person should be offered.
    pub const REMEDIES: Column<TextList> = Column::required("remedies");
    pub const STATUS_PROBLEM: Column<Flag> = Column::required("status_problem");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "coverage",
        segments: &[&[
            RECORD_ID.part(),
            ENTITY_ID.part(),
            SCHEMES.part(),
            SCHEMES_VIA_HOUSEHOLD.part(),
            PROTECTION.part(),
            REMEDIES.part(),
            STATUS_PROBLEM.part(),
        ]],
    };
}
