//! The scheme catalog: what each scheme gives, whom it reaches, what it excludes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use toklon_types::{Protection, ProtectionSet};

use crate::Error;

/// The catalog built into the binary (DOMAIN.md §2).
const BUILTIN: &str = include_str!("../catalog.toml");

/// A scheme interned by the catalog: its position in definition order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemeId(pub u16);

/// A set of schemes as a bitmask over [`SchemeId`]s. Bitsets keep a row's coverage at
/// a few bytes, which matters at tens of millions of rows; hence the catalog limit of
/// [`SchemeSet::MAX`] schemes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemeSet(u64);

impl SchemeSet {
    /// The most schemes a catalog may hold.
    pub const MAX: usize = 64;

    pub const fn empty() -> Self {
        SchemeSet(0)
    }

    #[inline]
    pub fn insert(&mut self, id: SchemeId) {
        if usize::from(id.0) < Self::MAX {
            self.0 |= 1 << id.0;
        }
    }

    #[inline]
    pub fn contains(self, id: SchemeId) -> bool {
        usize::from(id.0) < Self::MAX && self.0 & (1 << id.0) != 0
    }

    #[inline]
    pub fn union(self, other: Self) -> Self {
        SchemeSet(self.0 | other.0)
    }

    #[inline]
    pub fn intersection(self, other: Self) -> Self {
        SchemeSet(self.0 & other.0)
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    #[inline]
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn bits(self) -> u64 {
        self.0
    }

    /// Members in id order.
    pub fn iter(self) -> impl Iterator<Item = SchemeId> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let i = bits.trailing_zeros();
            bits &= bits - 1;
            Some(SchemeId(i as u16))
        })
    }
}

impl FromIterator<SchemeId> for SchemeSet {
    fn from_iter<I: IntoIterator<Item = SchemeId>>(iter: I) -> Self {
        let mut s = SchemeSet::empty();
        for id in iter {
            s.insert(id);
        }
        s
    }
}

/// A household relation of the scheme holder, seen from the holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    Spouse,
    /// The holder's child.
    Child,
    /// The holder's parent.
    Parent,
}

impl Relation {
    pub fn parse(s: &str) -> Option<Relation> {
        match s {
            "spouse" => Some(Relation::Spouse),
            "child" => Some(Relation::Child),
            "parent" => Some(Relation::Parent),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Relation::Spouse => "spouse",
            Relation::Child => "child",
            Relation::Parent => "parent",
        }
    }
}

/// Protections a scheme gives to some household relations of its holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    pub relations: Vec<Relation>,
    /// Inclusive bounds on the reached person's age; an unknown age never meets a bound.
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub protections: ProtectionSet,
}

impl Extension {
    /// Whether a person of `age` is within the bounds.
    pub fn age_ok(&self, age: Option<u32>) -> bool {
        if self.min_age.is_none() && self.max_age.is_none() {
            return true;
        }
        age.is_some_and(|a| {
            self.min_age.is_none_or(|m| a >= m) && self.max_age.is_none_or(|m| a <= m)
        })
    }
}

/// One scheme of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheme {
    pub code: String,
    pub name: String,
    pub thai: String,
    /// `health`, `social_security`, `allowance`, …: free text, for reports.
    pub group: String,
    /// What every holder gets, principal or dependant.
    pub protections: ProtectionSet,
    /// What a principal holder gets besides (a row not marked `beneficiary =
    /// dependant`): CSMBS principals are the civil servants and state pensioners, whose
    /// pension provisions no registry carries (DOMAIN.md §2).
    pub principal_protections: ProtectionSet,
    /// Holding it as principal makes a person a civil servant or state pensioner
    /// (CSMBS, a government pension: DOMAIN.md §2a "Civil servant").
    pub civil_service: bool,
    /// Reach into the household; only a principal's holding reaches anyone.
    pub extends: Vec<Extension>,
}

/// Schemes that should not be held together (a leakage signal, DOMAIN.md §2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    pub name: String,
    pub description: String,
    pub schemes: SchemeSet,
    pub versus: SchemeSet,
    /// Held directly as principal (CSMBS principals are the state pensioners).
    pub versus_principal: SchemeSet,
    pub versus_via_household: SchemeSet,
}

impl Exclusion {
    /// The conflicting schemes of a person holding `direct` and reached by `via`, or
    /// an empty set when there is no conflict. Without `versus` lists: two or more of
    /// `schemes` held directly. With them: any of `schemes` held directly together with
    /// any of `versus` (held), `versus_principal` (held as principal, within
    /// `principal`) or `versus_via_household` (reached).
    pub fn conflict(&self, direct: SchemeSet, principal: SchemeSet, via: SchemeSet) -> SchemeSet {
        let mine = direct.intersection(self.schemes);
        if self.versus.is_empty()
            && self.versus_principal.is_empty()
            && self.versus_via_household.is_empty()
        {
            return if mine.len() >= 2 {
                mine
            } else {
                SchemeSet::empty()
            };
        }
        let other = direct
            .intersection(self.versus)
            .union(principal.intersection(self.versus_principal))
            .union(via.intersection(self.versus_via_household));
        if !mine.is_empty() && !other.is_empty() {
            mine.union(other)
        } else {
            SchemeSet::empty()
        }
    }
}

/// The scheme catalog: schemes interned as [`SchemeId`]s in definition order, and the
/// mutual exclusions between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    schemes: Vec<Scheme>,
    exclusions: Vec<Exclusion>,
    by_code: HashMap<String, SchemeId>,
}

// ---- the TOML shape -------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default, rename = "scheme")]
    schemes: Vec<RawScheme>,
    #[serde(default, rename = "exclusion")]
    exclusions: Vec<RawExclusion>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawScheme {
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    thai: String,
    #[serde(default)]
    group: String,
    protections: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    principal_protections: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    civil_service: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    extends: Vec<RawExtension>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    relations: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_age: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_age: Option<u32>,
    protections: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawExclusion {
    name: String,
    #[serde(default)]
    description: String,
    schemes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    versus: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    versus_principal: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    versus_via_household: Vec<String>,
}

/// Protection codes checked against the nine (shared with the entitlement rules).
pub(crate) fn protections(owner: &str, codes: &[String]) -> Result<ProtectionSet, Error> {
    codes
        .iter()
        .map(|c| {
            Protection::from_code(c.trim()).ok_or_else(|| Error::UnknownProtection {
                owner: owner.to_string(),
                code: c.clone(),
            })
        })
        .collect()
}

fn scheme_from_raw(raw: &RawScheme) -> Result<Scheme, Error> {
    let owner = format!("scheme {:?}", raw.code);
    let mut extends = Vec::with_capacity(raw.extends.len());
    for e in &raw.extends {
        let relations = e
            .relations
            .iter()
            .map(|r| {
                Relation::parse(r.trim()).ok_or_else(|| Error::UnknownRelation {
                    scheme: raw.code.clone(),
                    relation: r.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let (Some(min), Some(max)) = (e.min_age, e.max_age) {
            if min > max {
                return Err(Error::BadAgeRange { owner, min, max });
            }
        }
        extends.push(Extension {
            relations,
            min_age: e.min_age,
            max_age: e.max_age,
            protections: protections(&owner, &e.protections)?,
        });
    }
    Ok(Scheme {
        code: raw.code.trim().to_string(),
        name: raw.name.clone(),
        thai: raw.thai.clone(),
        group: raw.group.clone(),
        protections: protections(&owner, &raw.protections)?,
        principal_protections: protections(&owner, &raw.principal_protections)?,
        civil_service: raw.civil_service,
        extends,
    })
}

impl Catalog {
    /// The catalog built into the binary (`catalog.toml`, from DOMAIN.md §2).
    pub fn builtin() -> Catalog {
        // The built-in text is tested (`builtin_parses`), so this cannot fail at run
        // time; an empty catalog is the harmless fallback all the same.
        Catalog::from_toml(BUILTIN).unwrap_or_else(|_| Catalog::empty())
    }

    /// A catalog without schemes.
    pub fn empty() -> Catalog {
        Catalog {
            schemes: Vec::new(),
            exclusions: Vec::new(),
            by_code: HashMap::new(),
        }
    }

    /// Parses a catalog; protection codes, relations and the schemes exclusions name
    /// are all checked.
    pub fn from_toml(text: &str) -> Result<Catalog, Error> {
        let mut c = Catalog::empty();
        c.extend_from_toml(text)?;
        Ok(c)
    }

    /// Adds or overrides schemes and exclusions from TOML. Exclusions may name schemes
    /// defined before (the built-in ones, say).
    pub fn extend_from_toml(&mut self, text: &str) -> Result<(), Error> {
        let raw: RawCatalog = toml::from_str(text).map_err(|e| Error::Toml {
            what: "catalog",
            source: Box::new(e),
        })?;
        let mut seen = std::collections::HashSet::new();
        for s in &raw.schemes {
            if !seen.insert(s.code.trim()) {
                return Err(Error::DuplicateScheme {
                    code: s.code.clone(),
                });
            }
        }
        let schemes = raw
            .schemes
            .iter()
            .map(scheme_from_raw)
            .collect::<Result<Vec<_>, _>>()?;
        let mut next = self.clone();
        for s in schemes {
            next.upsert_scheme(s)?;
        }
        for e in &raw.exclusions {
            let ex = next.exclusion_from_raw(e)?;
            next.upsert_exclusion(ex);
        }
        *self = next;
        Ok(())
    }

    /// Adds `other`'s schemes and exclusions, replacing those with the same code or
    /// name (user overrides). A replaced scheme keeps its id; new ones are appended.
    pub fn extend(&mut self, other: Catalog) -> Result<(), Error> {
        let mut next = self.clone();
        for s in &other.schemes {
            next.upsert_scheme(s.clone())?;
        }
        // Re-intern the other catalog's exclusions against the merged ids.
        let remap = |set: SchemeSet| -> SchemeSet {
            set.iter()
                .filter_map(|id| other.schemes.get(usize::from(id.0)))
                .filter_map(|s| next.id(&s.code))
                .collect()
        };
        let mapped: Vec<Exclusion> = other
            .exclusions
            .iter()
            .map(|e| Exclusion {
                name: e.name.clone(),
                description: e.description.clone(),
                schemes: remap(e.schemes),
                versus: remap(e.versus),
                versus_principal: remap(e.versus_principal),
                versus_via_household: remap(e.versus_via_household),
            })
            .collect();
        for e in mapped {
            next.upsert_exclusion(e);
        }
        *self = next;
        Ok(())
    }

    fn upsert_scheme(&mut self, s: Scheme) -> Result<(), Error> {
        if let Some(id) = self.by_code.get(&s.code) {
            self.schemes[usize::from(id.0)] = s;
            return Ok(());
        }
        if self.schemes.len() >= SchemeSet::MAX {
            return Err(Error::TooManySchemes {
                found: self.schemes.len() + 1,
                max: SchemeSet::MAX,
            });
        }
        let id = SchemeId(self.schemes.len() as u16);
        self.by_code.insert(s.code.clone(), id);
        self.schemes.push(s);
        Ok(())
    }

    fn upsert_exclusion(&mut self, e: Exclusion) {
        match self.exclusions.iter_mut().find(|x| x.name == e.name) {
            Some(x) => *x = e,
            None => self.exclusions.push(e),
        }
    }

    fn exclusion_from_raw(&self, raw: &RawExclusion) -> Result<Exclusion, Error> {
        let set = |codes: &[String]| -> Result<SchemeSet, Error> {
            codes
                .iter()
                .map(|c| {
                    self.id(c.trim())
                        .ok_or_else(|| Error::UnknownExclusionScheme {
                            exclusion: raw.name.clone(),
                            code: c.clone(),
                        })
                })
                .collect()
        };
        Ok(Exclusion {
            name: raw.name.clone(),
            description: raw.description.clone(),
            schemes: set(&raw.schemes)?,
            versus: set(&raw.versus)?,
            versus_principal: set(&raw.versus_principal)?,
            versus_via_household: set(&raw.versus_via_household)?,
        })
    }

    /// The id of a scheme code.
    pub fn id(&self, code: &str) -> Option<SchemeId> {
        self.by_code.get(code).copied()
    }

    /// Interns a registry's scheme code; unknown codes are kept for the report.
    pub fn scheme_ref(&self, code: &str) -> crate::SchemeRef {
        let code = code.trim();
        match self.id(code) {
            Some(id) => crate::SchemeRef::Known(id),
            None => crate::SchemeRef::Unknown(code.into()),
        }
    }

    /// The scheme behind an id (`None` for an id of another catalog).
    pub fn scheme(&self, id: SchemeId) -> Option<&Scheme> {
        self.schemes.get(usize::from(id.0))
    }

    /// The code of an id (`""` for an id of another catalog).
    pub fn code(&self, id: SchemeId) -> &str {
        self.scheme(id).map_or("", |s| s.code.as_str())
    }

    /// Codes of a set's members, in id order.
    pub fn codes(&self, set: SchemeSet) -> Vec<&str> {
        set.iter().map(|id| self.code(id)).collect()
    }

    pub fn schemes(&self) -> &[Scheme] {
        &self.schemes
    }

    pub fn exclusions(&self) -> &[Exclusion] {
        &self.exclusions
    }

    pub fn len(&self) -> usize {
        self.schemes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schemes.is_empty()
    }

    /// Protections the holder of every scheme in `set` gets.
    pub fn protections(&self, set: SchemeSet) -> ProtectionSet {
        set.iter()
            .filter_map(|id| self.scheme(id))
            .fold(ProtectionSet::empty(), |acc, s| acc.union(s.protections))
    }

    /// The schemes that make their principal a civil servant or state pensioner.
    pub fn civil_service(&self) -> SchemeSet {
        self.schemes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.civil_service)
            .map(|(i, _)| SchemeId(i as u16))
            .collect()
    }

    /// What a person holding `direct` gets on their own, of which `principal` as the
    /// principal: every scheme's protections, and the principal's extra ones.
    pub fn holder_protections(&self, direct: SchemeSet, principal: SchemeSet) -> ProtectionSet {
        principal
            .intersection(direct)
            .iter()
            .filter_map(|id| self.scheme(id))
            .fold(self.protections(direct), |acc, s| {
                acc.union(s.principal_protections)
            })
    }

    /// The catalog as TOML, in the shape `from_toml` reads (for `toklon catalog`).
    pub fn to_toml(&self) -> Result<String, Error> {
        let codes = |set: SchemeSet| -> Vec<String> {
            self.codes(set).into_iter().map(str::to_string).collect()
        };
        let pcodes = |p: ProtectionSet| -> Vec<String> {
            p.codes().into_iter().map(str::to_string).collect()
        };
        let raw = RawCatalog {
            schemes: self
                .schemes
                .iter()
                .map(|s| RawScheme {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    thai: s.thai.clone(),
                    group: s.group.clone(),
                    protections: pcodes(s.protections),
                    principal_protections: pcodes(s.principal_protections),
                    civil_service: s.civil_service,
                    extends: s
                        .extends
                        .iter()
                        .map(|e| RawExtension {
                            relations: e.relations.iter().map(|r| r.code().to_string()).collect(),
                            min_age: e.min_age,
                            max_age: e.max_age,
                            protections: pcodes(e.protections),
                        })
                        .collect(),
                })
                .collect(),
            exclusions: self
                .exclusions
                .iter()
                .map(|e| RawExclusion {
                    name: e.name.clone(),
                    description: e.description.clone(),
                    schemes: codes(e.schemes),
                    versus: codes(e.versus),
                    versus_principal: codes(e.versus_principal),
                    versus_via_household: codes(e.versus_via_household),
                })
                .collect(),
        };
        toml::to_string(&raw).map_err(|source| Error::TomlWrite {
            what: "catalog",
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses() {
        let c = Catalog::from_toml(BUILTIN).unwrap();
        assert_eq!(c.len(), 14);
        assert_eq!(Catalog::builtin(), c);
        let s33 = c.scheme(c.id("sso_s33").unwrap()).unwrap();
        assert_eq!(s33.protections.len(), 7);
        assert!(!s33.protections.contains(Protection::Dependents));
        let csmbs = c.scheme(c.id("csmbs").unwrap()).unwrap();
        assert_eq!(csmbs.extends.len(), 3);
        assert_eq!(csmbs.principal_protections.len(), 6);
        assert!(csmbs.civil_service);
        assert_eq!(c.codes(c.civil_service()), ["csmbs", "gov_pension"]);
        assert!(
            c.scheme(c.id("state_welfare_card").unwrap())
                .unwrap()
                .protections
                .is_empty()
        );
        assert_eq!(c.exclusions().len(), 5);
    }

    #[test]
    fn to_toml_round_trips() {
        let c = Catalog::builtin();
        let text = c.to_toml().unwrap();
        assert_eq!(Catalog::from_toml(&text).unwrap(), c);
    }

    #[test]
    fn rejects_typos() {
        let bad_field = "[[scheme]]\ncode='x'\nprotections=[]\nprotection=['old_age']";
        assert!(matches!(
            Catalog::from_toml(bad_field),
            Err(Error::Toml { .. })
        ));
        let bad_prot = "[[scheme]]\ncode='x'\nprotections=['pension']";
        assert!(matches!(
            Catalog::from_toml(bad_prot),
            Err(Error::UnknownProtection { code, .. }) if code == "pension"
        ));
        let bad_rel = "[[scheme]]\ncode='x'\nprotections=[]\nextends=[{relations=['cousin'], protections=[]}]";
        assert!(matches!(
            Catalog::from_toml(bad_rel),
            Err(Error::UnknownRelation { .. })
        ));
        let bad_ex = "[[exclusion]]\nname='e'\nschemes=['nope']";
        assert!(matches!(
            Catalog::from_toml(bad_ex),
            Err(Error::UnknownExclusionScheme { .. })
        ));
        let dup = "[[scheme]]\ncode='x'\nprotections=[]\n[[scheme]]\ncode='x'\nprotections=[]";
        assert!(matches!(
            Catalog::from_toml(dup),
            Err(Error::DuplicateScheme { .. })
        ));
    }

    #[test]
    fn extend_overrides_and_adds() {
        let mut c = Catalog::builtin();
        let oaa = c.id("oaa").unwrap();
        c.extend_from_toml(
            "[[scheme]]\ncode='oaa'\nprotections=['old_age','death']\n\
             [[scheme]]\ncode='provincial_fund'\nprotections=['sickness']\n\
             [[exclusion]]\nname='fund_vs_ucs'\nschemes=['provincial_fund','ucs']",
        )
        .unwrap();
        assert_eq!(c.id("oaa"), Some(oaa));
        assert!(
            c.scheme(oaa)
                .unwrap()
                .protections
                .contains(Protection::Death)
        );
        assert_eq!(c.id("provincial_fund"), Some(SchemeId(14)));
        assert_eq!(c.exclusions().len(), 6);

        let mut d = Catalog::builtin();
        let other = Catalog::from_toml(
            "[[scheme]]\ncode='a'\nprotections=[]\n[[scheme]]\ncode='b'\nprotections=[]\n\
             [[exclusion]]\nname='ab'\nschemes=['a','b']",
        )
        .unwrap();
        d.extend(other).unwrap();
        let ab = d.exclusions().iter().find(|e| e.name == "ab").unwrap();
        assert_eq!(d.codes(ab.schemes), vec!["a", "b"]);
    }

    #[test]
    fn too_many_schemes() {
        let text: String = (0..65)
            .map(|i| format!("[[scheme]]\ncode='s{i}'\nprotections=[]\n"))
            .collect();
        assert!(matches!(
            Catalog::from_toml(&text),
            Err(Error::TooManySchemes { max: 64, .. })
        ));
    }

    #[test]
    fn exclusion_conflicts() {
        let c = Catalog::builtin();
        let id = |s| c.id(s).unwrap();
        let ex = |n: &str| c.exclusions().iter().find(|e| e.name == n).unwrap();
        let health = ex("one_public_health_scheme");
        let both: SchemeSet = [id("ucs"), id("csmbs")].into_iter().collect();
        assert_eq!(
            health.conflict(both, SchemeSet::empty(), SchemeSet::empty()),
            both
        );
        let one: SchemeSet = [id("ucs"), id("oaa")].into_iter().collect();
        assert!(
            health
                .conflict(one, SchemeSet::empty(), SchemeSet::empty())
                .is_empty()
        );
        let grant = ex("child_grant_vs_child_allowance");
        let direct: SchemeSet = [id("child_grant")].into_iter().collect();
        let via: SchemeSet = [id("sso_s33")].into_iter().collect();
        assert_eq!(grant.conflict(direct, SchemeSet::empty(), via).len(), 2);
        assert!(
            grant
                .conflict(direct, SchemeSet::empty(), SchemeSet::empty())
                .is_empty()
        );
        // The old-age allowance held by a CSMBS principal (a state pensioner).
        let pension = ex("oaa_vs_state_pension");
        let held: SchemeSet = [id("oaa"), id("csmbs")].into_iter().collect();
        let principal: SchemeSet = [id("csmbs")].into_iter().collect();
        assert_eq!(pension.conflict(held, principal, SchemeSet::empty()), held);
        assert!(
            pension
                .conflict(held, SchemeSet::empty(), SchemeSet::empty())
                .is_empty()
        );
    }
}
