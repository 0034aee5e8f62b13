//! The coverage tables: `coverage`, the lists of people (`fall_through`,
//! `status_problems`), `households` and `overlaps`. The per-province CSV files
//! and workbooks carry the same columns as the list they split.

/// `coverage.parquet`: one row per population record.
pub mod coverage {
    use crate::tables::{Column, Count, Day, Family, Flag, TableSchema, Text, TextList};

    pub const RECORD_ID: Column<Text> = Column::nullable("record_id");
    pub const PERSON_ID: Column<Text> = Column::nullable("person_id");
    /// Since when the row has had its person ID.
    pub const PERSON_SINCE: Column<Day> = Column::nullable("person_since");
    pub const HOUSEHOLD_ID: Column<Text> = Column::nullable("household_id");
    pub const PROVINCE_CODE: Column<Text> = Column::nullable("province_code");
    pub const DISTRICT_CODE: Column<Text> = Column::nullable("district_code");
    pub const SUBDISTRICT_CODE: Column<Text> = Column::nullable("subdistrict_code");
    pub const AGE: Column<Count> = Column::nullable("age");
    /// `is_<group>` per vulnerable group (`toklon_coverage::Groups::ALL`).
    pub const IS_GROUP: Family<Flag> = Family::nullable("vulnerable group", "is_");
    pub const SCHEMES: Column<TextList> = Column::nullable("schemes");
    pub const SCHEMES_VIA_HOUSEHOLD: Column<TextList> = Column::nullable("schemes_via_household");
    /// One per protection, named by its code (`Protection::ALL`): covered or not.
    pub const PROTECTION: Family<Flag> = Family::nullable("protection", "");
    pub const IN_SCOPE: Column<TextList> = Column::nullable("in_scope");
    pub const MISSING: Column<TextList> = Column::nullable("missing");
    pub const REMEDIES: Column<TextList> = Column::nullable("remedies");
    pub const STRUCTURAL_GAPS: Column<TextList> = Column::nullable("structural_gaps");
    /// `thai`, `status_problem` or `dead`.
    pub const STATUS: Column<Text> = Column::nullable("status");
    pub const PRIORITY: Column<Count> = Column::nullable("priority");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "coverage",
        segments: &[&[
            RECORD_ID.part(),
            PERSON_ID.part(),
            PERSON_SINCE.part(),
            HOUSEHOLD_ID.part(),
            PROVINCE_CODE.part(),
            DISTRICT_CODE.part(),
            SUBDISTRICT_CODE.part(),
            AGE.part(),
            IS_GROUP.part(),
            SCHEMES.part(),
            SCHEMES_VIA_HOUSEHOLD.part(),
            PROTECTION.part(),
            IN_SCOPE.part(),
            MISSING.part(),
            REMEDIES.part(),
            STRUCTURAL_GAPS.part(),
            STATUS.part(),
            PRIORITY.part(),
        ]],
    };
}

/// The lists of people: `fall_through.parquet` and `status_problems.parquet`
/// (and their per-province CSV files and workbook sheets), one row per listed
/// person.
pub mod people {
    use crate::tables::{
        Column, Count, Day, Family, Flag, Float, Part, TableSchema, Text, TextList,
    };

    pub const RECORD_ID: Column<Text> = Column::nullable("record_id");
    /// Every base row of the person.
    pub const RECORD_IDS: Column<TextList> = Column::nullable("record_ids");
    pub const PERSON_ID: Column<Text> = Column::nullable("person_id");
    pub const PRIORITY: Column<Count> = Column::nullable("priority");
    pub const HOUSEHOLD_ID: Column<Text> = Column::nullable("household_id");
    pub const PROVINCE_CODE: Column<Text> = Column::nullable("province_code");
    pub const PROVINCE_NAME: Column<Text> = Column::nullable("province_name");
    pub const DISTRICT_CODE: Column<Text> = Column::nullable("district_code");
    pub const DISTRICT_NAME: Column<Text> = Column::nullable("district_name");
    pub const SUBDISTRICT_CODE: Column<Text> = Column::nullable("subdistrict_code");
    pub const SUBDISTRICT_NAME: Column<Text> = Column::nullable("subdistrict_name");
    pub const VILLAGE_NO: Column<Text> = Column::nullable("village_no");
    pub const HOUSE_NO: Column<Text> = Column::nullable("house_no");
    /// Masked to its last four digits with `--mask-ids` (CSV and workbooks).
    pub const NATIONAL_ID: Column<Text> = Column::nullable("national_id");
    pub const PREFIX: Column<Text> = Column::nullable("prefix");
    pub const FIRST_NAME: Column<Text> = Column::nullable("first_name");
    pub const LAST_NAME: Column<Text> = Column::nullable("last_name");
    pub const AGE: Column<Count> = Column::nullable("age");
    pub const GROUPS: Column<TextList> = Column::nullable("groups");
    pub const REMEDIES: Column<TextList> = Column::nullable("remedies");
    pub const REMEDY_OFFICES: Column<TextList> = Column::nullable("remedy_offices");
    pub const REMEDY_CLOSES: Column<TextList> = Column::nullable("remedy_closes");
    pub const SCHEMES: Column<TextList> = Column::nullable("schemes");
    pub const SCHEMES_VIA_HOUSEHOLD: Column<TextList> = Column::nullable("schemes_via_household");
    /// As in `coverage`: one per protection, named by its code.
    pub const PROTECTION: Family<Flag> = super::coverage::PROTECTION;
    pub const IN_SCOPE: Column<TextList> = Column::nullable("in_scope");
    pub const MISSING: Column<TextList> = Column::nullable("missing");
    pub const STRUCTURAL_GAPS: Column<TextList> = Column::nullable("structural_gaps");
    pub const NEAREST_REJECTED_REGISTRY: Column<Text> =
        Column::nullable("nearest_rejected_registry");
    pub const NEAREST_REJECTED_RECORD_ID: Column<Text> =
        Column::nullable("nearest_rejected_record_id");
    pub const NEAREST_REJECTED_WEIGHT: Column<Float> = Column::nullable("nearest_rejected_weight");
    /// Fall-through only: `new` or `still_listed` since the previous run.
    pub const STATUS: Column<Text> = Column::nullable("status");
    /// Fall-through only.
    pub const FIRST_LISTED: Column<Day> = Column::nullable("first_listed");
    /// Fall-through only: remedies withheld by a field finding (`not_eligible`,
    /// `refused`) while the person's facts are unchanged.
    pub const SUPPRESSED_REMEDIES: Column<TextList> = Column::nullable("suppressed_remedies");
    /// Status problems only: `alien_id`, `no_status_id` or `no_valid_id`.
    pub const STATUS_REASON: Column<Text> = Column::nullable("status_reason");

    /// The columns both lists have, in order.
    const PERSON: &[Part] = &[
        RECORD_ID.part(),
        RECORD_IDS.part(),
        PERSON_ID.part(),
        PRIORITY.part(),
        HOUSEHOLD_ID.part(),
        PROVINCE_CODE.part(),
        PROVINCE_NAME.part(),
        DISTRICT_CODE.part(),
        DISTRICT_NAME.part(),
        SUBDISTRICT_CODE.part(),
        SUBDISTRICT_NAME.part(),
        VILLAGE_NO.part(),
        HOUSE_NO.part(),
        NATIONAL_ID.part(),
        PREFIX.part(),
        FIRST_NAME.part(),
        LAST_NAME.part(),
        AGE.part(),
        GROUPS.part(),
        REMEDIES.part(),
        REMEDY_OFFICES.part(),
        REMEDY_CLOSES.part(),
        SCHEMES.part(),
        SCHEMES_VIA_HOUSEHOLD.part(),
        PROTECTION.part(),
        IN_SCOPE.part(),
        MISSING.part(),
        STRUCTURAL_GAPS.part(),
        NEAREST_REJECTED_REGISTRY.part(),
        NEAREST_REJECTED_RECORD_ID.part(),
        NEAREST_REJECTED_WEIGHT.part(),
    ];

    /// `fall_through.parquet`, `provinces/<code>_people.csv`.
    pub const FALL_THROUGH: TableSchema = TableSchema {
        name: "fall_through",
        segments: &[
            PERSON,
            &[
                STATUS.part(),
                FIRST_LISTED.part(),
                SUPPRESSED_REMEDIES.part(),
            ],
        ],
    };

    /// `status_problems.parquet`, `provinces/<code>_status.csv`.
    pub const STATUS_PROBLEMS: TableSchema = TableSchema {
        name: "status_problems",
        segments: &[PERSON, &[STATUS_REASON.part()]],
    };
}

/// `households.parquet` and `provinces/<code>_households.csv`: one row per
/// household with a member on the fall-through list.
pub mod households {
    use crate::tables::{Column, Count, Day, Family, Flag, TableSchema, Text, TextList};

    pub const HOUSEHOLD_ID: Column<Text> = Column::nullable("household_id");
    pub const PROVINCE_CODE: Column<Text> = Column::nullable("province_code");
    pub const PROVINCE_NAME: Column<Text> = Column::nullable("province_name");
    pub const DISTRICT_CODE: Column<Text> = Column::nullable("district_code");
    pub const DISTRICT_NAME: Column<Text> = Column::nullable("district_name");
    pub const SUBDISTRICT_CODE: Column<Text> = Column::nullable("subdistrict_code");
    pub const SUBDISTRICT_NAME: Column<Text> = Column::nullable("subdistrict_name");
    pub const VILLAGE_NO: Column<Text> = Column::nullable("village_no");
    pub const HOUSE_NO: Column<Text> = Column::nullable("house_no");
    pub const MEMBERS: Column<Count> = Column::nullable("members");
    pub const LISTED_MEMBERS: Column<Count> = Column::nullable("listed_members");
    /// One line per listed member: name, record ID and remedies.
    pub const MEMBER_REMEDIES: Column<TextList> = Column::nullable("member_remedies");
    pub const REMEDIES: Column<TextList> = Column::nullable("remedies");
    /// `new` or `still_listed` since the previous run.
    pub const STATUS: Column<Text> = Column::nullable("status");
    pub const FIRST_LISTED: Column<Day> = Column::nullable("first_listed");
    /// The households file's deprivation flags (`dep_*`), as read.
    pub const DEPRIVED: Family<Flag> = Family::nullable("deprivation flag", "dep_");
    pub const PRIORITY: Column<Count> = Column::nullable("priority");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "households",
        segments: &[&[
            HOUSEHOLD_ID.part(),
            PROVINCE_CODE.part(),
            PROVINCE_NAME.part(),
            DISTRICT_CODE.part(),
            DISTRICT_NAME.part(),
            SUBDISTRICT_CODE.part(),
            SUBDISTRICT_NAME.part(),
            VILLAGE_NO.part(),
            HOUSE_NO.part(),
            MEMBERS.part(),
            LISTED_MEMBERS.part(),
            MEMBER_REMEDIES.part(),
            REMEDIES.part(),
            STATUS.part(),
            FIRST_LISTED.part(),
            DEPRIVED.part(),
            PRIORITY.part(),
        ]],
    };
}

/// `overlaps.parquet`: people holding schemes that exclude each other.
pub mod overlaps {
    use crate::tables::{Column, TableSchema, Text, TextList};

    pub const RECORD_ID: Column<Text> = Column::nullable("record_id");
    pub const PERSON_ID: Column<Text> = Column::nullable("person_id");
    pub const PROVINCE_CODE: Column<Text> = Column::nullable("province_code");
    pub const SCHEMES: Column<TextList> = Column::nullable("schemes");
    /// The exclusion rules broken.
    pub const EXCLUSIONS: Column<TextList> = Column::nullable("exclusions");

    pub const SCHEMA: TableSchema = TableSchema {
        name: "overlaps",
        segments: &[&[
            RECORD_ID.part(),
            PERSON_ID.part(),
            PROVINCE_CODE.part(),
            SCHEMES.part(),
            EXCLUSIONS.part(),
        ]],
    };
}
