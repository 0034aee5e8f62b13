//! Thai person-data toolkit for toklon.
//!
//! Pure functions on `&str` that turn the way Thai registries write people into
//! comparable values, and compare them. It sits between the domain types and the
//! linkage crate: the I/O layer hands it raw cells, the linker calls it once per
//! record to build keys and once per candidate pair to grade agreement.
//!
//! - [`id`]: the 13-digit national ID (parse, check digit, person type, typo-aware
//!   comparison); other identifiers kept as plain strings.
//! - [`title`]: sex codes and the title/rank table (civil, military, police, royal,
//!   monastic, academic, English), stripped from a closed list.
//! - [`date`]: birth dates in BE or CE, partial dates, Thai month names, legal age.
//! - [`text`]: canonical Thai (NFC plus Thai repairs, never NFKC) and Latin forms.
//! - [`romanize`]: Thai → RTGS-like Latin and a cross-script consonant skeleton.
//! - [`phonetic`]: the LK82 and Udom83 Thai sound codes.
//! - [`similarity`]: char-based string distances and a graded name comparator.
//!
//! No function panics on any input, prints, or reads the environment or the clock.
//!
//! ```
//! use toklon_thai::id::NationalId;
//! use toklon_thai::title::split_name;
//! use toklon_thai::date::{parse_date, Date};
//!
//! let id = NationalId::parse("1-1017-00207-03-0").unwrap();
//! assert!(id.check_digit_ok());
//!
//! let name = split_name(None, Some("นายสมชาย"), Some("ใจดี"));
//! assert_eq!(name.title, Some("นาย"));
//! assert_eq!(name.first, "สมชาย");
//!
//! let d = parse_date("15 มี.ค. 2530").unwrap();
//! assert_eq!(d, Date::ymd(1987, 3, 15).unwrap());
//! ```

pub mod date;
pub mod id;
pub mod phonetic;
pub mod romanize;
pub mod similarity;
pub mod text;
pub mod title;

pub use date::{Date, DateError, DateMatch, age_on, compare_dates, parse_date};
pub use id::{IdMatch, IdValue, NationalId, PersonType, compare_id_values, compare_ids, parse_id};
pub use phonetic::{lk82, udom83};
pub use romanize::{romanize, skeleton};
pub use similarity::{NameLevel, compare_names, jaro_winkler};
pub use text::{Script, canonical_latin, canonical_name, canonical_thai, script};
pub use title::{NameParts, Sex, parse_sex, split_name, strip_title};
