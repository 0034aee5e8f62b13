//! Domain types shared by every toklon crate.
//!
//! This is the leaf of the dependency graph: it knows nothing about Arrow, Parquet,
//! Thai text or linkage. It holds
//!
//! - [`Protection`] (the nine protections of Thailand's social-security master plan,
//!   after ILO C102) and [`ProtectionSet`], a bitset of them;
//! - [`StrColumn`], a compact nullable string column (one buffer plus offsets, like an
//!   Arrow `StringArray` but without Arrow), and [`Table`], a source read into the
//!   canonical column names of the data contract;
//! - [`Date`], the one calendar date of every crate: CE, month or day possibly
//!   unknown, packed as `YYYYMMDD`;
//! - [`SubdistrictCode`] with its [`DistrictCode`] and [`ProvinceCode`], read once
//!   from ASCII or Thai digits;
//! - [`Sex`] and [`PersonType`] (the first digit of a Thai national ID);
//! - small enums the contract fixes: [`Relationship`], [`Employment`].
//!
//! ```
//! use toklon_types::{Protection, ProtectionSet};
//! let mut set = ProtectionSet::empty();
//! set.insert(Protection::Sickness);
//! set.insert(Protection::OldAge);
//! assert!(set.contains(Protection::OldAge));
//! assert_eq!(set.codes(), vec!["sickness", "old_age"]);
//! ```

mod column;
pub mod date;
mod person;
pub mod place;
mod protection;
pub mod spill;
mod table;

pub use column::{ColumnError, NO_MEMO, PassThrough, StrColumn, StrColumnBuilder};
pub use date::{Date, DateError, days_in_month, is_leap_year};
pub use person::{PersonType, Sex};
pub use place::{DistrictCode, ProvinceCode, SubdistrictCode};
pub use protection::{Protection, ProtectionSet};
pub use table::{Employment, Relationship, Table, columns};

/// Index of a row inside one in-memory table (not the row number in the file).
///
/// What crosses crate boundaries as "a row" is a `RowIdx`: a link's registry and
/// population rows, the rows of a deduplication, the person row of a coverage
/// input. Hot loops inside a crate keep plain `u32`s; the newtype is the API.
/// Serialized as the bare number.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
#[repr(transparent)]
pub struct RowIdx(pub u32);

impl RowIdx {
    /// The index as `usize`, for slicing.
    #[inline]
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl From<u32> for RowIdx {
    #[inline]
    fn from(i: u32) -> RowIdx {
        RowIdx(i)
    }
}

impl std::fmt::Display for RowIdx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
