//! Coverage of the nine protections: who holds which scheme, who should, and who
//! falls through.
//!
//! This crate sits beside linkage in the pipeline. The engine links registry records
//! to the population base, then hands this crate plain inputs: one [`PersonFacts`]
//! per population row, the households' deprivation flags, and one [`Enrolment`] per
//! linked registry row. No Arrow, no I/O.
//!
//! - [`Catalog`]: the scheme catalog (`catalog.toml`, built in; DOMAIN.md §2). Each
//!   scheme gives protections to its holder and may extend some to the holder's
//!   spouse, children or parents; exclusions flag schemes held together that should
//!   not be. Scheme codes are interned as [`SchemeId`]s; unknown codes are counted.
//! - [`Rules`]: who is eligible for which protection (`eligibility.toml`, built in;
//!   each rule cites its source).
//! - [`compute`]: per row, schemes held directly (active and valid on the reference
//!   date), schemes reaching the person through the household, covered, eligible and
//!   missing protections, group flags and a [priority]; then the fall-through list
//!   (once per person), the household rollup and the overlaps. Rows of one person
//!   (duplicates in the base) share their schemes.
//! - [`Indicators`]: the master plan's measures for `summary.json`, a text table
//!   ([`render_table`]) and a self-contained HTML report ([`report::render_html`]).
//!
//! ```
//! use toklon_coverage::{compute, Catalog, Day, Enrolment, Inputs, PersonFacts, Rules};
//! use toklon_types::{Protection, Relationship};
//!
//! let catalog = Catalog::builtin();
//! // A civil servant (row 0) and their 5-year-old child (row 1) in household 0.
//! let persons = [
//!     PersonFacts { household: Some(0), relationship: Some(Relationship::Head),
//!                   age: Some(40), person: 0, ..Default::default() },
//!     PersonFacts { household: Some(0), relationship: Some(Relationship::Child),
//!                   age: Some(5), person: 1, ..Default::default() },
//! ];
//! let enrolments = [Enrolment { person_row: 0, scheme: catalog.scheme_ref("csmbs"),
//!                               active: true, valid_from: None, valid_to: None }];
//! let inputs = Inputs { persons: &persons, households: &[], enrolments: &enrolments,
//!                       reference: Day::new(2024, 1, 1) };
//! let cov = compute(&catalog, &Rules::builtin(), &inputs).unwrap();
//! // The child is covered for sickness through the parent's CSMBS ...
//! assert!(cov.rows[1].covered.contains(Protection::Sickness));
//! assert_eq!(catalog.codes(cov.rows[1].via_household), ["csmbs"]);
//! // ... but no one holds a child grant or SSO: family_child is missing.
//! assert!(cov.rows[1].missing.contains(Protection::FamilyChild));
//! ```

mod catalog;
mod compute;
mod eligibility;
mod error;
pub mod eval;
mod facts;
mod indicators;
pub mod places;
pub mod report;

pub use catalog::{Catalog, Exclusion, Extension, Relation, Scheme, SchemeId, SchemeSet};
pub use compute::{
    Coverage, DirectSchemes, EnrolmentCounts, FallThrough, Groups, HouseholdRollup, Inputs,
    Overlap, RowCoverage, compute, priority, protection_weight,
};
pub use eligibility::{Context, Rule, Rules};
pub use error::{CatalogError, Error};
pub use facts::{Day, Enrolment, HouseholdFacts, PersonFacts, PersonType, SchemeRef, Sex};
pub use indicators::{
    GroupIndicator, Indicators, ProtectionIndicator, ProvinceIndicator, TARGET, render_table,
};
pub use places::{Location, Place, Places};
