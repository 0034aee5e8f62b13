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
mod protection;
mod table;

pub use column::{ColumnError, NO_MEMO, PassThrough, StrColumn, StrColumnBuilder};
pub use date::{Date, DateError, days_in_month, is_leap_year};
pub use person::{PersonType, Sex};
pub use protection::{Protection, ProtectionSet};
pub use table::{Employment, Relationship, Table, columns};

/// Index of a row inside one in-memory table (not the row number in the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowIdx(pub u32);

impl RowIdx {
    /// The index as `usize`, for slicing.
    #[inline]
    pub fn get(self) -> usize {
        self.0 as usize
    }
}
