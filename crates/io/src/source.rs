use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toklon_types::columns as col;

use crate::TextEncoding;

/// Which contract input a file is; it decides the wanted and required columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Population,
    Households,
    Registry,
}

impl SourceKind {
    /// The column that identifies a row.
    pub fn id_column(self) -> &'static str {
        match self {
            SourceKind::Households => col::HOUSEHOLD_ID,
            _ => col::RECORD_ID,
        }
    }

    /// Canonical columns read from such a file (besides the id).
    pub fn wanted(self) -> Vec<&'static str> {
        match self {
            SourceKind::Population => [col::PERSON, col::POPULATION_EXTRA].concat(),
            SourceKind::Registry => [col::PERSON, col::REGISTRY_EXTRA].concat(),
            SourceKind::Households => col::HOUSEHOLD
                .iter()
                .copied()
                .filter(|c| *c != col::HOUSEHOLD_ID)
                .collect(),
        }
    }
}

/// One input file and how to read it.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    /// `population`, `households` or the registry name.
    pub name: String,
    pub path: PathBuf,
    pub kind: SourceKind,
    /// Canonical column name → the file's own column name, for files whose headers differ.
    pub columns: BTreeMap<String, String>,
    /// For registries: the scheme of every row that has none (then `scheme` is optional).
    pub default_scheme: Option<String>,
    /// CSV files: the text encoding, when the job names one (else told by the bytes).
    pub encoding: Option<TextEncoding>,
    /// Spreadsheets: the sheet to read (else the first).
    pub sheet: Option<String>,
}

impl SourceSpec {
    pub fn new(name: impl Into<String>, path: impl AsRef<Path>, kind: SourceKind) -> SourceSpec {
        SourceSpec {
            name: name.into(),
            path: path.as_ref().to_path_buf(),
            kind,
            columns: BTreeMap::new(),
            default_scheme: None,
            encoding: None,
            sheet: None,
        }
    }

    /// Canonical columns whose absence stops the read.
    pub fn required(&self) -> Vec<&'static str> {
        let mut req = vec![self.kind.id_column()];
        if self.kind == SourceKind::Registry && self.default_scheme.is_none() {
            req.push(col::SCHEME);
        }
        req
    }
}
