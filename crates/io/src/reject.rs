use std::fmt;

/// An input row that could not be used at all. It is written to the `rejects` output
/// so that every input row is accounted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    /// `population`, `households` or the registry name.
    pub source: String,
    /// Row number in the file, 1 = first data row (the CSV header is not counted).
    pub row: u64,
    /// The row's id, when it had a readable one.
    pub record_id: Option<String>,
    pub reason: RejectReason,
}

/// Why a row was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// No id, or only white space.
    MissingRecordId,
    /// The id was seen on an earlier row (the first occurrence is kept).
    DuplicateRecordId { first_row: u64 },
    /// A CSV row with a different number of fields than the header.
    WrongFieldCount { expected: usize, found: usize },
    /// A CSV field that is not valid UTF-8.
    InvalidUtf8 { column: String },
    /// A field of a CSV file in another encoding (named) holding bytes it does not
    /// define.
    InvalidEncoding {
        column: String,
        encoding: &'static str,
    },
    /// A CSV row the parser could not decode.
    Undecodable,
    /// A registry row with neither a national ID nor a name.
    NoIdentifiers,
    /// A reviewer's decision row with a field that cannot be used.
    BadDecision { column: String, problem: String },
    /// A field feedback row whose `case_id` is empty or names no case toklon knows.
    UnknownCase,
    /// A field feedback row whose `follow_up` is not one of the statuses.
    UnknownFollowUp,
    /// A field feedback row whose `follow_up_date` is not a date, or is after the
    /// run's reference date.
    BadFollowUpDate { problem: String },
}

impl RejectReason {
    /// A stable code for outputs and counts.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::MissingRecordId => "missing_record_id",
            RejectReason::DuplicateRecordId { .. } => "duplicate_record_id",
            RejectReason::WrongFieldCount { .. } => "wrong_field_count",
            RejectReason::InvalidUtf8 { .. } => "invalid_utf8",
            RejectReason::InvalidEncoding { .. } => "invalid_encoding",
            RejectReason::Undecodable => "undecodable_row",
            RejectReason::NoIdentifiers => "no_identifiers",
            RejectReason::BadDecision { .. } => "bad_decision",
            RejectReason::UnknownCase => "unknown_case",
            RejectReason::UnknownFollowUp => "unknown_follow_up",
            RejectReason::BadFollowUpDate { .. } => "bad_follow_up_date",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::MissingRecordId => f.write_str("missing_record_id"),
            RejectReason::DuplicateRecordId { first_row } => {
                write!(f, "duplicate_record_id (first seen at row {first_row})")
            }
            RejectReason::WrongFieldCount { expected, found } => {
                write!(f, "wrong_field_count (expected {expected}, found {found})")
            }
            RejectReason::InvalidUtf8 { column } => write!(f, "invalid_utf8 in column {column}"),
            RejectReason::InvalidEncoding { column, encoding } => {
                write!(f, "invalid_encoding in column {column} (not {encoding})")
            }
            RejectReason::Undecodable => f.write_str("undecodable_row"),
            RejectReason::NoIdentifiers => {
                f.write_str("no_identifiers (neither national_id nor a name)")
            }
            RejectReason::BadDecision { column, problem } => {
                write!(f, "bad_decision: column {column}: {problem}")
            }
            RejectReason::UnknownCase => {
                f.write_str("unknown_case (case_id empty or not a case of this run or the last)")
            }
            RejectReason::UnknownFollowUp => f.write_str(
                "unknown_follow_up (not one of not_contacted, contacted, applied, enrolled, \
                 not_eligible, moved, deceased, refused)",
            ),
            RejectReason::BadFollowUpDate { problem } => {
                write!(f, "bad_follow_up_date: {problem}")
            }
        }
    }
}
