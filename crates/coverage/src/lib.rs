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
//! - [`Rules`]: who the plan's indicators count for each protection (*in scope*,
//!   `scope.toml`, built in; each rule cites its source).
//! - [`Entitlements`]: who is entitled to which scheme they do not hold — the
//!   *remedies* of the fall-through list (`entitlements.toml`, built in; DOMAIN.md
//!   §2a), each with the office that acts and the protections it closes.
//! - [`compute`]: per person, evaluated once from the row with the fewest missing
//!   facts: schemes held directly (active and valid on the reference date, pooled
//!   over the person's rows), schemes reaching them through the household, covered,
//!   in-scope and missing protections, remedies, structural gaps (missing and closed
//!   by no remedy), group flags and a [priority]; then the fall-through list (Thai
//!   people with a remedy), the status-problems list (no valid Thai ID), the
//!   households with a listed member and the overlaps.
//! - [`Indicators`]: the master plan's measures for `summary.json`, a text table
//!   ([`render_table`]) and a self-contained HTML report ([`report::render_html`]),
//!   with the provinces on a map ([`map`]).
//!
//! ```
//! use toklon_coverage::{
//!     compute, Catalog, Enrolment, Entitlements, Inputs, PersonFacts, Rules, RuleSets,
//! };
//! use toklon_types::{Date, Employment, Protection, Relationship, RowIdx};
//!
//! let catalog = Catalog::builtin();
//! let entitlements = Entitlements::builtin(&catalog).unwrap();
//! let rules = RuleSets { catalog: &catalog, scope: &Rules::builtin(), entitlements: &entitlements };
//! // A civil servant (row 0) and their 5-year-old child (row 1) in household 0, and
//! // an informal worker of 40 (row 2), all with valid Thai IDs.
//! let person = |person: u32, household: u32, relationship, age| PersonFacts {
//!     household: Some(household), relationship: Some(relationship), age: Some(age),
//!     thai_id: true, person: RowIdx(person), ..Default::default()
//! };
//! let mut worker = person(2, 1, Relationship::Head, 40);
//! worker.employment = Some(Employment::Informal);
//! let persons = [person(0, 0, Relationship::Head, 40), person(1, 0, Relationship::Child, 5), worker];
//! let enrolments = [Enrolment { person_row: RowIdx(0), scheme: catalog.scheme_ref("csmbs"),
//!                               active: true, valid_from: None, valid_to: None,
//!                               dependant: false, thai_id: true }];
//! let inputs = Inputs { persons: &persons, households: &[], enrolments: &enrolments,
//!                       reference: Date::ymd(2024, 1, 1).unwrap() };
//! let cov = compute(rules, &inputs).unwrap();
//! // The child is covered for sickness and family_child through the parent's CSMBS,
//! assert!(cov.rows[1].covered.contains(Protection::FamilyChild));
//! assert_eq!(catalog.codes(cov.rows[1].via_household()), ["csmbs"]);
//! // so only the informal worker is listed: for UCS, section 40 and the NSF.
//! assert_eq!(cov.fall_through.len(), 1);
//! assert_eq!(entitlements.codes(cov.fall_through[0].remedies), ["ucs", "sso_s40", "nsf"]);
//! ```

mod catalog;
mod compute;
mod eligibility;
mod entitlements;
mod error;
pub mod eval;
mod facts;
mod indicators;
pub mod map;
pub mod places;
pub mod report;

pub use catalog::{Catalog, Exclusion, Extension, Relation, Scheme, SchemeId, SchemeSet};
pub use compute::{
    Circumstances, Coverage, DirectSchemes, EnrolmentCounts, Groups, HouseholdRollup, Inputs,
    Listed, Overlap, PersonStatus, RowCoverage, RowOrder, RuleSets, Withhold, compute, priority,
    protection_weight,
};
pub use eligibility::{Conditions, Context, Rule, Rules};
pub use entitlements::{Entitlements, Holdings, Remedy, RemedySet};
pub use error::{CatalogError, Error};
pub use facts::{Enrolment, HouseholdFacts, PersonFacts, SchemeRef};
// Re-exported: the facts hold them, and callers need not name a second crate.
pub use indicators::{
    GroupCount, GroupIndicator, Indicators, ProtectionIndicator, ProvinceIndicator, RemedyCount,
    StructuralGaps, TARGET, render_table,
};
pub use places::{Location, Place, Places};
pub use toklon_types::{PersonType, Sex};
