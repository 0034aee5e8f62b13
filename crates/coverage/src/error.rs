/// Everything that stops coverage work: a bad catalog or rule file, or inputs that
/// break the engine's promises (an index out of range). Bad *data* (an unknown scheme
/// code, an enrolment for a row that does not exist) is counted, not an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The TOML text did not parse or did not fit the expected shape.
    #[error("{what}: invalid TOML")]
    Toml {
        /// `catalog`, `scope rules` or `entitlement rules`.
        what: &'static str,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("could not write the {what} as TOML")]
    TomlWrite {
        what: &'static str,
        #[source]
        source: toml::ser::Error,
    },
    /// A protection code that is not one of the nine.
    #[error("{owner}: unknown protection code {code:?}")]
    UnknownProtection { owner: String, code: String },
    #[error(
        "scheme {scheme:?}: unknown household relation {relation:?} (expected spouse, child or parent)"
    )]
    UnknownRelation { scheme: String, relation: String },
    /// An exclusion names a scheme the catalog does not define.
    #[error("exclusion {exclusion:?}: unknown scheme code {code:?}")]
    UnknownExclusionScheme { exclusion: String, code: String },
    #[error("scheme code {code:?} is defined twice")]
    DuplicateScheme { code: String },
    #[error("the catalog holds {found} schemes; at most {max} are supported")]
    TooManySchemes { found: usize, max: usize },
    #[error("{owner}: min_age {min} is above max_age {max}")]
    BadAgeRange { owner: String, min: u32, max: u32 },
    #[error("rule {rule}: unknown sex {value:?} (expected male or female)")]
    UnknownSex { rule: usize, value: String },
    #[error("rule {rule}: unknown employment code {value:?}")]
    UnknownEmployment { rule: usize, value: String },
    /// An entitlement rule names a scheme the catalog does not define.
    #[error("remedy {remedy:?}: unknown scheme code {code:?}")]
    UnknownRemedyScheme { remedy: String, code: String },
    #[error("remedy {rule}: empty code")]
    EmptyRemedyCode { rule: usize },
    #[error("the entitlement rules hold {found} remedies; at most {max} are supported")]
    TooManyRemedies { found: usize, max: usize },
    /// `PersonFacts::person` must index the persons (0..rows).
    #[error("row {row}: person index {person} is not below the row count {rows}")]
    PersonOutOfRange {
        row: usize,
        person: u32,
        rows: usize,
    },
    /// A per-row input slice does not have one entry per population row.
    #[error("{what}: {found} entries for {expected} population rows")]
    LengthMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
}

/// The catalog's error type is the crate's error type.
pub type CatalogError = Error;
