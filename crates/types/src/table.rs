use std::collections::BTreeMap;

use crate::StrColumn;

/// Canonical column names of the data contract (v1).
pub mod columns {
    pub const RECORD_ID: &str = "record_id";
    pub const NATIONAL_ID: &str = "national_id";
    pub const PREFIX: &str = "prefix";
    pub const FIRST_NAME: &str = "first_name";
    pub const LAST_NAME: &str = "last_name";
    pub const SEX: &str = "sex";
    pub const BIRTH_DATE: &str = "birth_date";
    pub const HOUSE_NO: &str = "house_no";
    pub const VILLAGE_NO: &str = "village_no";
    pub const SUBDISTRICT_CODE: &str = "subdistrict_code";
    pub const HOUSEHOLD_ID: &str = "household_id";
    pub const RELATIONSHIP: &str = "relationship";
    pub const DISABLED: &str = "disabled";
    pub const CHRONIC_ILL: &str = "chronic_ill";
    pub const EMPLOYMENT: &str = "employment";
    pub const SCHEME: &str = "scheme";
    pub const STATUS: &str = "status";
    pub const VALID_FROM: &str = "valid_from";
    pub const VALID_TO: &str = "valid_to";
    pub const DEP_HEALTH: &str = "dep_health";
    pub const DEP_EDUCATION: &str = "dep_education";
    pub const DEP_LIVING: &str = "dep_living";
    pub const DEP_INCOME: &str = "dep_income";
    pub const DEP_ACCESS: &str = "dep_access";

    /// Person columns shared by the population base and the registries.
    pub const PERSON: &[&str] = &[
        NATIONAL_ID,
        PREFIX,
        FIRST_NAME,
        LAST_NAME,
        SEX,
        BIRTH_DATE,
        HOUSE_NO,
        VILLAGE_NO,
        SUBDISTRICT_CODE,
    ];
    /// Columns only the population base has.
    pub const POPULATION_EXTRA: &[&str] = &[
        HOUSEHOLD_ID,
        RELATIONSHIP,
        DISABLED,
        CHRONIC_ILL,
        EMPLOYMENT,
    ];
    /// Columns only registries have.
    pub const REGISTRY_EXTRA: &[&str] = &[SCHEME, STATUS, VALID_FROM, VALID_TO];
    /// The households file.
    pub const HOUSEHOLD: &[&str] = &[
        HOUSEHOLD_ID,
        SUBDISTRICT_CODE,
        VILLAGE_NO,
        HOUSE_NO,
        DEP_HEALTH,
        DEP_EDUCATION,
        DEP_LIVING,
        DEP_INCOME,
        DEP_ACCESS,
    ];
}

/// One input source after reading: the rows that were usable, in file order, with
/// their canonical columns as text. Typed parsing (dates, IDs) happens later, so that
/// a bad field never costs a row.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// `population`, `households`, or the registry name.
    pub source: String,
    /// Row number in the file (1 = first data row) of each kept row.
    pub rows: Vec<u32>,
    /// `record_id` of each kept row (for households: `household_id`); never empty.
    pub ids: StrColumn,
    /// Canonical column name → values. A column the file lacks is absent here.
    pub columns: BTreeMap<&'static str, StrColumn>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The column, if the source has it.
    pub fn column(&self, name: &str) -> Option<&StrColumn> {
        self.columns.get(name)
    }

    /// Value of `name` at row `i`, trimmed, empty read as null.
    #[inline]
    pub fn value(&self, name: &str, i: usize) -> Option<&str> {
        self.columns.get(name).and_then(|c| c.get_nonempty(i))
    }

    /// Bytes held (row numbers, ids and columns), for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.rows.capacity() * 4
            + self.ids.heap_bytes()
            + self
                .columns
                .values()
                .map(StrColumn::heap_bytes)
                .sum::<usize>()
    }

    /// The record id of row `i` (`""` out of range).
    #[inline]
    pub fn id(&self, i: usize) -> &str {
        self.ids.get(i).unwrap_or("")
    }
}

/// A person's relation to the household head, as the contract codes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relationship {
    Head,
    Spouse,
    Child,
    Parent,
    Other,
}

impl Relationship {
    /// Parses the contract's codes and common Thai words; `None` when unknown.
    pub fn parse(s: &str) -> Option<Relationship> {
        let t = s.trim();
        Some(match t.to_ascii_lowercase().as_str() {
            "head" | "หัวหน้าครัวเรือน" | "เจ้าบ้าน" => {
                Relationship::Head
            }
            "spouse" | "คู่สมรส" => Relationship::Spouse,
            "child" | "บุตร" | "ลูก" => Relationship::Child,
            "parent" | "บิดา" | "มารดา" | "พ่อ" | "แม่" => {
                Relationship::Parent
            }
            "other" | "อื่นๆ" | "ญาติ" => Relationship::Other,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Relationship::Head => "head",
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Other => "other",
        }
    }
}

/// Work status, as the contract codes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Employment {
    Formal,
    Informal,
    Unemployed,
    Student,
    NotWorking,
    Unknown,
}

impl Employment {
    /// Parses the contract's codes; `None` when the value is something else.
    pub fn parse(s: &str) -> Option<Employment> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "formal" => Employment::Formal,
            "informal" => Employment::Informal,
            "unemployed" => Employment::Unemployed,
            "student" => Employment::Student,
            "not_working" => Employment::NotWorking,
            "unknown" => Employment::Unknown,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Employment::Formal => "formal",
            Employment::Informal => "informal",
            Employment::Unemployed => "unemployed",
            Employment::Student => "student",
            Employment::NotWorking => "not_working",
            Employment::Unknown => "unknown",
        }
    }

    /// In work, formal or informal.
    pub fn is_working(self) -> bool {
        matches!(self, Employment::Formal | Employment::Informal)
    }
}
