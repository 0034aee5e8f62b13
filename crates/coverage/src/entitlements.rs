//! Entitlement rules: the schemes a person is entitled to and does not hold, each a
//! *remedy* a provincial team can act on (DOMAIN.md §2a, "Entitled, not enrolled").
//! Rules are data (`entitlements.toml`, built in); a job file extends or replaces them.

use serde::{Deserialize, Serialize};
use toklon_types::ProtectionSet;

use crate::catalog::protections;
use crate::eligibility::{Conditions, Context, RawConditions};
use crate::{Catalog, Error, PersonFacts, SchemeSet};

const BUILTIN: &str = include_str!("../entitlements.toml");

/// One remedy: a scheme to enrol in, when a person is entitled to it and does not
/// hold it, and what it would close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remedy {
    /// The code of DOMAIN.md §2a's table (`ucs`, `oaa`, `sso_s40`, …).
    pub code: String,
    pub name: String,
    pub thai: String,
    pub when: Conditions,
    /// None of these held directly (active at the reference date).
    pub holds_none: SchemeSet,
    /// None of these reaching the person through a household member.
    pub not_reached_by: SchemeSet,
    /// None of these protections covered through the household.
    pub not_covered_via_household: ProtectionSet,
    /// What enrolling would give.
    pub closes: ProtectionSet,
    pub closes_note: String,
    pub closes_thai: String,
    /// Who acts.
    pub office: String,
    pub office_thai: String,
    pub source: String,
}

impl Remedy {
    /// Whether nationality plays no part (the employer remedies): such a remedy is
    /// also offered to people on the status-problems list.
    pub fn any_nationality(&self) -> bool {
        self.when.thai.is_none()
    }
}

/// What [`Entitlements::applicable`] looks at of a person.
#[derive(Clone, Copy, Debug)]
pub struct Holdings {
    /// Schemes held directly, active at the reference date (pooled over the rows).
    pub direct: SchemeSet,
    /// Schemes of household members reaching the person.
    pub via_household: SchemeSet,
    /// Protections covered through the household.
    pub via_household_protections: ProtectionSet,
}

/// A set of remedies, as bits over [`Entitlements::remedies`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RemedySet(u32);

impl RemedySet {
    /// At most this many remedies in a rule set.
    pub const MAX: usize = 32;

    pub const fn empty() -> Self {
        RemedySet(0)
    }

    pub fn insert(&mut self, i: usize) {
        if i < Self::MAX {
            self.0 |= 1 << i;
        }
    }

    pub fn contains(self, i: usize) -> bool {
        i < Self::MAX && self.0 & (1 << i) != 0
    }

    pub fn union(self, other: Self) -> Self {
        RemedySet(self.0 | other.0)
    }

    pub fn intersection(self, other: Self) -> Self {
        RemedySet(self.0 & other.0)
    }

    /// The remedies of `self` not in `other`.
    pub fn difference(self, other: Self) -> Self {
        RemedySet(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Indices into [`Entitlements::remedies`], ascending.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..Self::MAX).filter(move |&i| self.contains(i))
    }
}

/// An entitlement rule set, its scheme codes interned against a catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entitlements {
    remedies: Vec<Remedy>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawEntitlements {
    /// Replace the built-in set instead of extending it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    replace: bool,
    #[serde(default, rename = "remedy")]
    remedies: Vec<RawRemedy>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawRemedy {
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    thai: String,
    #[serde(default)]
    when: RawConditions,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    holds_none: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    not_reached_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    not_covered_via_household: Vec<String>,
    closes: Vec<String>,
    #[serde(default)]
    closes_note: String,
    #[serde(default)]
    closes_thai: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    office_thai: String,
    source: String,
}

impl Entitlements {
    /// The built-in rules as written (with their comments), for `toklon catalog`.
    pub fn builtin_toml() -> &'static str {
        BUILTIN
    }

    /// The built-in rules (DOMAIN.md §2a's table), interned against `catalog`.
    /// Errors only when the catalog lacks a scheme the rules name (a user catalog
    /// that dropped one).
    pub fn builtin(catalog: &Catalog) -> Result<Entitlements, Error> {
        Entitlements::from_toml(BUILTIN, catalog)
    }

    /// Parses a rule file; protection, scheme, sex and employment codes are checked.
    pub fn from_toml(text: &str, catalog: &Catalog) -> Result<Entitlements, Error> {
        let mut e = Entitlements {
            remedies: Vec::new(),
        };
        e.extend_from_toml(text, catalog)?;
        Ok(e)
    }

    /// Merges a rule file over these rules: a remedy with a known code replaces the
    /// old one in place, a new code is appended; `replace = true` starts afresh.
    pub fn extend_from_toml(&mut self, text: &str, catalog: &Catalog) -> Result<(), Error> {
        let raw: RawEntitlements = toml::from_str(text).map_err(|e| Error::Toml {
            what: "entitlement rules",
            source: Box::new(e),
        })?;
        let mut next = if raw.replace {
            Vec::new()
        } else {
            self.remedies.clone()
        };
        for (i, r) in raw.remedies.into_iter().enumerate() {
            let remedy = remedy_from_raw(r, i + 1, catalog)?;
            match next.iter_mut().find(|x| x.code == remedy.code) {
                Some(x) => *x = remedy,
                None => next.push(remedy),
            }
        }
        if next.len() > RemedySet::MAX {
            return Err(Error::TooManyRemedies {
                found: next.len(),
                max: RemedySet::MAX,
            });
        }
        self.remedies = next;
        Ok(())
    }

    pub fn remedies(&self) -> &[Remedy] {
        &self.remedies
    }

    pub fn get(&self, i: usize) -> Option<&Remedy> {
        self.remedies.get(i)
    }

    /// The remedy with this code, by index.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.remedies.iter().position(|r| r.code == code)
    }

    /// Every age at which some rule's answer may change (each `min_age`, and the
    /// year after each `max_age`), ascending: two ages between the same limits are
    /// alike to every rule.
    pub fn age_limits(&self) -> Vec<u32> {
        let mut limits: Vec<u32> = self
            .remedies
            .iter()
            .flat_map(|r| [r.when.min_age, r.when.max_age.map(|m| m.saturating_add(1))])
            .flatten()
            .collect();
        limits.sort_unstable();
        limits.dedup();
        limits
    }

    /// Codes of a set, in rule order.
    pub fn codes(&self, set: RemedySet) -> Vec<&str> {
        set.iter()
            .filter_map(|i| self.remedies.get(i))
            .map(|r| r.code.as_str())
            .collect()
    }

    /// Union of what the remedies of `set` close.
    pub fn closes(&self, set: RemedySet) -> ProtectionSet {
        set.iter()
            .filter_map(|i| self.remedies.get(i))
            .fold(ProtectionSet::empty(), |acc, r| acc.union(r.closes))
    }

    /// The remedies that apply to a person with facts `p` (the person's chosen row),
    /// context `ctx` and holdings `h`.
    pub fn applicable(&self, p: &PersonFacts, ctx: Context, h: &Holdings) -> RemedySet {
        let mut set = RemedySet::empty();
        for (i, r) in self.remedies.iter().enumerate() {
            if h.direct.intersection(r.holds_none).is_empty()
                && h.via_household.intersection(r.not_reached_by).is_empty()
                && h.via_household_protections
                    .intersection(r.not_covered_via_household)
                    .is_empty()
                && r.when.hold(p, ctx)
            {
                set.insert(i);
            }
        }
        set
    }
}

fn remedy_from_raw(r: RawRemedy, rule: usize, catalog: &Catalog) -> Result<Remedy, Error> {
    let owner = format!("remedy {:?}", r.code);
    let schemes = |codes: &[String]| -> Result<SchemeSet, Error> {
        codes
            .iter()
            .map(|c| {
                catalog
                    .id(c.trim())
                    .ok_or_else(|| Error::UnknownRemedyScheme {
                        remedy: r.code.clone(),
                        code: c.clone(),
                    })
            })
            .collect()
    };
    let code = r.code.trim().to_string();
    if code.is_empty() {
        return Err(Error::EmptyRemedyCode { rule });
    }
    Ok(Remedy {
        holds_none: schemes(&r.holds_none)?,
        not_reached_by: schemes(&r.not_reached_by)?,
        not_covered_via_household: protections(&owner, &r.not_covered_via_household)?,
        closes: protections(&owner, &r.closes)?,
        when: r.when.parse(&owner, rule)?,
        code,
        name: r.name,
        thai: r.thai,
        closes_note: r.closes_note,
        closes_thai: r.closes_thai,
        office: r.office,
        office_thai: r.office_thai,
        source: r.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_types::{Employment, Protection};

    fn ctx(thai: bool, civil_servant: bool, poor: bool) -> Context {
        Context {
            poor_household: poor,
            civil_servant,
            thai,
        }
    }

    fn none() -> Holdings {
        Holdings {
            direct: SchemeSet::empty(),
            via_household: SchemeSet::empty(),
            via_household_protections: ProtectionSet::empty(),
        }
    }

    fn person(age: Option<u32>, employment: Option<Employment>) -> PersonFacts {
        PersonFacts {
            age,
            employment,
            ..PersonFacts::default()
        }
    }

    #[test]
    fn builtin_parses_with_the_table_of_domain_2a() {
        let c = Catalog::builtin();
        let e = Entitlements::builtin(&c).unwrap();
        let codes: Vec<&str> = e.remedies().iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "ucs",
                "oaa",
                "disability_allowance",
                "child_grant",
                "sso_s40",
                "nsf",
                "sso_s33",
                "wcf"
            ]
        );
        assert!(e.remedies().iter().all(|r| r.source.contains("DOMAIN.md")));
        assert!(e.remedies().iter().all(|r| !r.office_thai.is_empty()));
        let employer: Vec<&str> = e
            .remedies()
            .iter()
            .filter(|r| r.any_nationality())
            .map(|r| r.code.as_str())
            .collect();
        assert_eq!(employer, ["sso_s33", "wcf"]);
    }

    #[test]
    fn the_default_rules_person_by_person() {
        let c = Catalog::builtin();
        let e = Entitlements::builtin(&c).unwrap();
        let id = |s| c.id(s).unwrap();
        let codes = |p: &PersonFacts, cx: Context, h: &Holdings| e.codes(e.applicable(p, cx, h));

        // A Thai informal worker of 40 with nothing: UCS, s40 and the NSF.
        let informal = person(Some(40), Some(Employment::Informal));
        assert_eq!(
            codes(&informal, ctx(true, false, false), &none()),
            ["ucs", "sso_s40", "nsf"]
        );
        // The same person, not Thai: nothing (employer remedies need formal work).
        assert!(codes(&informal, ctx(false, false, false), &none()).is_empty());
        // Holding s40 option 1: UCS still (s40 is no health scheme) and the NSF.
        let mut h = none();
        h.direct.insert(id("sso_s40_opt1"));
        assert_eq!(
            codes(&informal, ctx(true, false, false), &h),
            ["ucs", "nsf"]
        );
        // Option 2 saves for old age already: no NSF.
        let mut h = none();
        h.direct.insert(id("sso_s40_opt2"));
        h.direct.insert(id("ucs"));
        assert!(codes(&informal, ctx(true, false, false), &h).is_empty());

        // A formal migrant employee: the employer remedies only.
        let migrant = person(Some(30), Some(Employment::Formal));
        assert_eq!(
            codes(&migrant, ctx(false, false, false), &none()),
            ["sso_s33", "wcf"]
        );
        // A civil servant: nothing (CSMBS is their health scheme).
        let mut h = none();
        h.direct.insert(id("csmbs"));
        assert!(codes(&migrant, ctx(true, true, false), &h).is_empty());

        // A pensioner of 70 (CSMBS principal): no old-age allowance.
        let old = person(Some(70), None);
        assert!(codes(&old, ctx(true, true, false), &h).is_empty());
        // Any other Thai of 70 with UCS: the old-age allowance.
        let mut ucs = none();
        ucs.direct.insert(id("ucs"));
        assert_eq!(codes(&old, ctx(true, false, false), &ucs), ["oaa"]);
        // A CSMBS dependant (reached through the household) gets no UCS.
        let mut dep = none();
        dep.via_household.insert(id("csmbs"));
        assert_eq!(codes(&old, ctx(true, false, false), &dep), ["oaa"]);

        // Children: the grant from 0 to 5 in a poor household, unless a parent's
        // scheme gives the child allowance.
        let mut kid = person(Some(5), None);
        assert_eq!(codes(&kid, ctx(true, false, true), &ucs), ["child_grant"]);
        assert!(codes(&kid, ctx(true, false, false), &ucs).is_empty());
        let mut reached = ucs;
        reached
            .via_household_protections
            .insert(Protection::FamilyChild);
        assert!(codes(&kid, ctx(true, false, true), &reached).is_empty());
        kid.age = Some(6);
        assert!(codes(&kid, ctx(true, false, true), &ucs).is_empty());
        // Unknown age: no age-based remedy, UCS still.
        kid.age = None;
        assert_eq!(codes(&kid, ctx(true, false, true), &none()), ["ucs"]);

        // A disabled Thai of any age.
        let mut disabled = person(Some(8), None);
        disabled.disabled = true;
        assert_eq!(
            codes(&disabled, ctx(true, false, false), &ucs),
            ["disability_allowance"]
        );
    }

    #[test]
    fn a_job_file_extends_or_replaces() {
        let c = Catalog::builtin();
        let mut e = Entitlements::builtin(&c).unwrap();
        e.extend_from_toml(
            "[[remedy]]\ncode='oaa'\nwhen={thai=true, min_age=65}\nholds_none=['oaa']\n\
             closes=['old_age']\nsource='province'\n\
             [[remedy]]\ncode='welfare_card'\nwhen={poor_household=true}\n\
             holds_none=['state_welfare_card']\ncloses=[]\nsource='s'",
            &c,
        )
        .unwrap();
        assert_eq!(e.remedies().len(), 9);
        assert_eq!(e.remedies()[1].when.min_age, Some(65));
        assert_eq!(e.remedies()[8].code, "welfare_card");
        e.extend_from_toml(
            "replace = true\n[[remedy]]\ncode='ucs'\ncloses=['sickness']\nsource='s'",
            &c,
        )
        .unwrap();
        assert_eq!(e.remedies().len(), 1);
    }

    #[test]
    fn bad_rules_are_errors() {
        let c = Catalog::builtin();
        let bad = |t: &str| Entitlements::from_toml(t, &c).unwrap_err();
        assert!(matches!(
            bad("[[remedy]]\ncode='x'\nholds_none=['lottery']\ncloses=[]\nsource='s'"),
            Error::UnknownRemedyScheme { .. }
        ));
        assert!(matches!(
            bad("[[remedy]]\ncode='x'\ncloses=['luck']\nsource='s'"),
            Error::UnknownProtection { .. }
        ));
        assert!(matches!(
            bad("[[remedy]]\ncode='x'\nwhen={min_age=9, max_age=3}\ncloses=[]\nsource='s'"),
            Error::BadAgeRange { .. }
        ));
        assert!(matches!(
            bad("[[remedy]]\ncode=' '\ncloses=[]\nsource='s'"),
            Error::EmptyRemedyCode { rule: 1 }
        ));
        assert!(matches!(
            bad("[[remedy]]\ncode='x'\ncloses=[]\nsource='s'\nextra=1"),
            Error::Toml { .. }
        ));
        let many: String = (0..33)
            .map(|i| format!("[[remedy]]\ncode='r{i}'\ncloses=[]\nsource='s'\n"))
            .collect();
        assert!(matches!(bad(&many), Error::TooManyRemedies { .. }));
    }
}
