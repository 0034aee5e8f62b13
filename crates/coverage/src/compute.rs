//! Coverage of each population row: schemes held, schemes reaching the row through
//! the household, protections covered, eligible and missing; then the fall-through
//! list, the household rollup and the overlaps.

use toklon_types::{Protection, ProtectionSet, Relationship};

use crate::eligibility::Context;
use crate::{
    Catalog, Day, Enrolment, Error, HouseholdFacts, PersonFacts, PersonType, Relation, Rules,
    SchemeRef, SchemeSet,
};

/// What the engine hands over: one [`PersonFacts`] per population row, the households
/// they point into, the linked enrolments and the reference date.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    pub persons: &'a [PersonFacts],
    /// Indexed by [`PersonFacts::household`]; a household index beyond the slice (no
    /// households file) reads as not deprived.
    pub households: &'a [HouseholdFacts],
    pub enrolments: &'a [Enrolment],
    /// Enrolments count when active and valid on this day; ages are taken on it.
    pub reference: Day,
}

/// Vulnerable-group flags of a row, as a bitmask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Groups(u8);

impl Groups {
    /// Aged 0-17.
    pub const CHILD: Groups = Groups(1);
    /// Aged 60+.
    pub const ELDERLY: Groups = Groups(1 << 1);
    pub const DISABLED: Groups = Groups(1 << 2);
    pub const CHRONIC_ILL: Groups = Groups(1 << 3);
    /// Employment `informal`.
    pub const INFORMAL_WORKER: Groups = Groups(1 << 4);
    /// The household is deprived in any TPMAP dimension.
    pub const POOR_HOUSEHOLD: Groups = Groups(1 << 5);
    /// ID starting 6 or 7.
    pub const NON_THAI: Groups = Groups(1 << 6);
    /// ID starting 0.
    pub const NO_STATUS: Groups = Groups(1 << 7);

    /// Every flag with its output column name, in column order.
    pub const ALL: [(Groups, &'static str); 8] = [
        (Groups::CHILD, "child"),
        (Groups::ELDERLY, "elderly"),
        (Groups::DISABLED, "disabled"),
        (Groups::CHRONIC_ILL, "chronic_ill"),
        (Groups::INFORMAL_WORKER, "informal_worker"),
        (Groups::POOR_HOUSEHOLD, "poor_household"),
        (Groups::NON_THAI, "non_thai"),
        (Groups::NO_STATUS, "no_status"),
    ];

    pub fn contains(self, g: Groups) -> bool {
        self.0 & g.0 == g.0
    }

    pub fn insert(&mut self, g: Groups) {
        self.0 |= g.0;
    }

    pub fn union(self, g: Groups) -> Groups {
        Groups(self.0 | g.0)
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Names of the flags set.
    pub fn codes(self) -> Vec<&'static str> {
        Groups::ALL
            .iter()
            .filter(|(g, _)| self.contains(*g))
            .map(|(_, n)| *n)
            .collect()
    }

    /// The flags of one row.
    pub fn of(p: &PersonFacts, poor_household: bool) -> Groups {
        let mut g = Groups::default();
        let flags = [
            (p.age.is_some_and(|a| a <= 17), Groups::CHILD),
            (p.age.is_some_and(|a| a >= 60), Groups::ELDERLY),
            (p.disabled, Groups::DISABLED),
            (p.chronic_ill, Groups::CHRONIC_ILL),
            (
                p.employment == Some(toklon_types::Employment::Informal),
                Groups::INFORMAL_WORKER,
            ),
            (poor_household, Groups::POOR_HOUSEHOLD),
            (p.person_type == Some(PersonType::Alien), Groups::NON_THAI),
            (
                p.person_type == Some(PersonType::NoStatus),
                Groups::NO_STATUS,
            ),
        ];
        for (on, flag) in flags {
            if on {
                g.insert(flag);
            }
        }
        g
    }
}

impl std::ops::BitOr for Groups {
    type Output = Groups;
    fn bitor(self, rhs: Groups) -> Groups {
        self.union(rhs)
    }
}

/// Weight of a missing protection in the priority. Health care comes first (it is
/// the basic right the master plan counts at 99.94%); income protections a poor
/// household lives on (invalidity, child grant, old age) next; the rest 1.
pub fn protection_weight(p: Protection) -> u32 {
    match p {
        Protection::Sickness => 3,
        Protection::Invalidity | Protection::FamilyChild | Protection::OldAge => 2,
        _ => 1,
    }
}

/// Priority of a row (integer, so ordering is exact and deterministic):
///
/// `priority = 10 × Σ_{p ∈ missing} weight(p) + 5 × deprived_dimensions + 10 × vulnerable_groups`
///
/// where `deprived_dimensions` counts the household's TPMAP flags (0-5) and
/// `vulnerable_groups` the [`Groups`] flags set. Zero when nothing is missing: a fully
/// covered person needs no visit, however poor. The factors are a judgement call
/// (missing protections dominate, deprivation and vulnerability break ties); the
/// master plan gives no formula.
pub fn priority(missing: ProtectionSet, deprived_dimensions: u32, groups: Groups) -> u32 {
    if missing.is_empty() {
        return 0;
    }
    let w: u32 = missing.iter().map(protection_weight).sum();
    10 * w + 5 * deprived_dimensions + 10 * groups.len()
}

/// Coverage of one population row. Rows of one person share `direct`,
/// `via_household` and `covered`; `eligible` is the row's own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowCoverage {
    /// Schemes held directly (active and valid on the reference date).
    pub direct: SchemeSet,
    /// Schemes of household members that reach this person.
    pub via_household: SchemeSet,
    pub covered: ProtectionSet,
    pub eligible: ProtectionSet,
    /// `eligible − covered`.
    pub missing: ProtectionSet,
    pub groups: Groups,
    pub priority: u32,
}

/// What happened to the enrolments.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct EnrolmentCounts {
    pub total: u64,
    /// Active and valid on the reference date, with a known scheme.
    pub used: u64,
    /// `status = ended`.
    pub inactive: u64,
    /// Active but the reference date is outside the enrolment period.
    pub out_of_period: u64,
    /// Scheme code not in the catalog.
    pub unknown_scheme: u64,
    /// Linked to a row index beyond the population (an engine bug, counted not fatal).
    pub bad_row: u64,
    /// Each unknown scheme code with its count, sorted by code.
    pub unknown_codes: Vec<(String, u64)>,
}

/// A person lacking a protection they are eligible for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FallThrough {
    pub person: u32,
    /// The person's first row (lowest index) with something missing.
    pub row: u32,
    /// Union of the missing protections over the person's rows.
    pub missing: ProtectionSet,
    /// The highest priority over the person's rows.
    pub priority: u32,
}

/// One household's summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HouseholdRollup {
    /// Index into the households slice.
    pub household: u32,
    /// Distinct persons.
    pub members: u32,
    /// Distinct persons with something missing.
    pub uncovered_members: u32,
    pub missing: ProtectionSet,
    pub deprived: [bool; 5],
    /// Sum of the uncovered members' priorities: a visit reaches them all.
    pub priority: u32,
}

/// A person holding schemes that exclude each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap {
    pub person: u32,
    /// The person's first row.
    pub row: u32,
    /// The conflicting schemes (held, or reaching them, for via-household rules).
    pub schemes: SchemeSet,
    /// Indices into [`Catalog::exclusions`] of the rules broken.
    pub exclusions: Vec<usize>,
}

/// Everything coverage computes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// One per population row, in row order.
    pub rows: Vec<RowCoverage>,
    /// One per person with something missing: priority desc, then row.
    pub fall_through: Vec<FallThrough>,
    /// One per household some row points to: priority desc, then household index.
    pub households: Vec<HouseholdRollup>,
    /// By row.
    pub overlaps: Vec<Overlap>,
    pub enrolments: EnrolmentCounts,
}

/// Household members by their relation to the head.
#[derive(Default)]
struct Members {
    heads: Vec<u32>,
    spouses: Vec<u32>,
    children: Vec<u32>,
    parents: Vec<u32>,
}

impl Members {
    /// Rows in relation `rel` to a holder whose relation to the head is `holder`
    /// (DOMAIN.md §2 "Household relations": the head's spouse ↔ the head; the head's
    /// children are children of head and spouse; the head's parents are the head's
    /// only).
    fn related(&self, holder: Relationship, rel: Relation) -> [&[u32]; 2] {
        use Relationship::*;
        let none: &[u32] = &[];
        match (holder, rel) {
            (Head, Relation::Spouse) => [&self.spouses, none],
            (Spouse, Relation::Spouse) => [&self.heads, none],
            (Head | Spouse, Relation::Child) => [&self.children, none],
            (Head, Relation::Parent) => [&self.parents, none],
            (Child, Relation::Parent) => [&self.heads, &self.spouses],
            // The head's parent's child is the head; its scheme's "child" reaches them.
            (Parent, Relation::Child) => [&self.heads, none],
            _ => [none, none],
        }
    }
}

fn poor(households: &[HouseholdFacts], h: Option<u32>) -> HouseholdFacts {
    h.and_then(|h| households.get(h as usize))
        .copied()
        .unwrap_or_default()
}

/// Computes coverage. See the crate docs for the rules; errors only when a
/// `person` index is out of range.
pub fn compute(catalog: &Catalog, rules: &Rules, inputs: &Inputs<'_>) -> Result<Coverage, Error> {
    let mut direct = DirectSchemes::new(catalog, inputs.persons, inputs.reference)?;
    direct.add(inputs.enrolments);
    Ok(direct.finish(rules, inputs.households))
}

/// [`compute`] taking its enrolments in parts: each person's direct schemes are
/// gathered part by part (a registry at a time, say), so that a run never holds
/// every enrolment at once. The result is the same whatever the parts.
pub struct DirectSchemes<'a> {
    catalog: &'a Catalog,
    persons: &'a [PersonFacts],
    reference: Day,
    counts: EnrolmentCounts,
    unknown: std::collections::BTreeMap<String, u64>,
    /// Per person (rows of one person share their schemes).
    person_direct: Vec<SchemeSet>,
}

impl<'a> DirectSchemes<'a> {
    /// Errors when a `person` index is out of range.
    pub fn new(
        catalog: &'a Catalog,
        persons: &'a [PersonFacts],
        reference: Day,
    ) -> Result<Self, Error> {
        let n = persons.len();
        for (row, p) in persons.iter().enumerate() {
            if p.person as usize >= n {
                return Err(Error::PersonOutOfRange {
                    row,
                    person: p.person,
                    rows: n,
                });
            }
        }
        Ok(DirectSchemes {
            catalog,
            persons,
            reference,
            counts: EnrolmentCounts::default(),
            unknown: Default::default(),
            person_direct: vec![SchemeSet::empty(); n],
        })
    }

    /// Takes in some enrolments.
    pub fn add(&mut self, enrolments: &[Enrolment]) {
        let counts = &mut self.counts;
        for e in enrolments {
            counts.total += 1;
            let Some(p) = self.persons.get(e.person_row as usize) else {
                counts.bad_row += 1;
                continue;
            };
            let id = match &e.scheme {
                SchemeRef::Known(id) if self.catalog.scheme(*id).is_some() => *id,
                SchemeRef::Known(_) => {
                    counts.unknown_scheme += 1;
                    continue;
                }
                SchemeRef::Unknown(code) => {
                    counts.unknown_scheme += 1;
                    match self.unknown.get_mut(&**code) {
                        Some(c) => *c += 1,
                        None => {
                            self.unknown.insert(code.to_string(), 1);
                        }
                    }
                    continue;
                }
            };
            if !e.active {
                counts.inactive += 1;
            } else if !e.valid_on(self.reference) {
                counts.out_of_period += 1;
            } else {
                counts.used += 1;
                self.person_direct[p.person as usize].insert(id);
            }
        }
    }

    /// Coverage from the enrolments taken in (steps 2 to 6 of [`compute`]).
    pub fn finish(self, rules: &Rules, households: &[HouseholdFacts]) -> Coverage {
        let mut counts = self.counts;
        counts.unknown_codes = self.unknown.into_iter().collect();
        finish(
            self.catalog,
            rules,
            self.persons,
            households,
            self.person_direct,
            counts,
        )
    }
}

fn finish(
    catalog: &Catalog,
    rules: &Rules,
    persons: &[PersonFacts],
    hh_facts: &[HouseholdFacts],
    person_direct: Vec<SchemeSet>,
    counts: EnrolmentCounts,
) -> Coverage {
    let n = persons.len();

    // 2. Schemes reaching people through their household.
    let extending: SchemeSet = catalog
        .schemes()
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.extends.is_empty())
        .map(|(i, _)| crate::SchemeId(i as u16))
        .collect();
    let mut by_household: Vec<(u32, u32)> = persons
        .iter()
        .enumerate()
        .filter_map(|(row, p)| p.household.map(|h| (h, row as u32)))
        .collect();
    by_household.sort_unstable();
    let mut person_via = vec![SchemeSet::empty(); n];
    let mut person_via_prot = vec![ProtectionSet::empty(); n];
    let mut members = Members::default();
    for group in by_household.chunk_by(|a, b| a.0 == b.0) {
        members.heads.clear();
        members.spouses.clear();
        members.children.clear();
        members.parents.clear();
        for &(_, row) in group {
            match persons[row as usize].relationship {
                Some(Relationship::Head) => members.heads.push(row),
                Some(Relationship::Spouse) => members.spouses.push(row),
                Some(Relationship::Child) => members.children.push(row),
                Some(Relationship::Parent) => members.parents.push(row),
                Some(Relationship::Other) | None => {}
            }
        }
        for &(_, row) in group {
            let holder = &persons[row as usize];
            let Some(rel_to_head) = holder.relationship else {
                continue;
            };
            let held = person_direct[holder.person as usize].intersection(extending);
            for id in held.iter() {
                let Some(scheme) = catalog.scheme(id) else {
                    continue;
                };
                for ext in &scheme.extends {
                    for &rel in &ext.relations {
                        for targets in members.related(rel_to_head, rel) {
                            for &t in targets {
                                let target = &persons[t as usize];
                                if target.person == holder.person || !ext.age_ok(target.age) {
                                    continue;
                                }
                                person_via[target.person as usize].insert(id);
                                let pp = &mut person_via_prot[target.person as usize];
                                *pp = pp.union(ext.protections);
                            }
                        }
                    }
                }
            }
        }
    }

    // 3. Per row: covered, eligible, missing, groups, priority.
    let mut rows = Vec::with_capacity(n);
    for p in persons {
        let hh = poor(hh_facts, p.household);
        let pi = p.person as usize;
        let direct = person_direct[pi];
        let covered = catalog.protections(direct).union(person_via_prot[pi]);
        let eligible = rules.eligible(
            p,
            Context {
                poor_household: hh.is_poor(),
            },
        );
        let missing = eligible.difference(covered);
        let groups = Groups::of(p, hh.is_poor());
        rows.push(RowCoverage {
            direct,
            via_household: person_via[pi],
            covered,
            eligible,
            missing,
            groups,
            priority: priority(missing, hh.deprived_count(), groups),
        });
    }

    // 4. Fall-through: once per person.
    let mut first_row = vec![u32::MAX; n];
    let mut person_missing = vec![ProtectionSet::empty(); n];
    let mut person_priority = vec![0u32; n];
    let mut ft_row = vec![u32::MAX; n];
    for (row, (p, c)) in persons.iter().zip(&rows).enumerate() {
        let pi = p.person as usize;
        let row = row as u32;
        first_row[pi] = first_row[pi].min(row);
        person_missing[pi] = person_missing[pi].union(c.missing);
        person_priority[pi] = person_priority[pi].max(c.priority);
        if !c.missing.is_empty() {
            ft_row[pi] = ft_row[pi].min(row);
        }
    }
    let mut fall_through: Vec<FallThrough> = (0..n)
        .filter(|&pi| ft_row[pi] != u32::MAX)
        .map(|pi| FallThrough {
            person: pi as u32,
            row: ft_row[pi],
            missing: person_missing[pi],
            priority: person_priority[pi],
        })
        .collect();
    fall_through.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.row.cmp(&b.row)));

    // 5. Households: distinct persons per household.
    let mut households = Vec::new();
    let mut people: Vec<u32> = Vec::new();
    for group in by_household.chunk_by(|a, b| a.0 == b.0) {
        let h = group[0].0;
        people.clear();
        people.extend(group.iter().map(|&(_, row)| persons[row as usize].person));
        people.sort_unstable();
        people.dedup();
        let mut r = HouseholdRollup {
            household: h,
            members: people.len() as u32,
            deprived: poor(hh_facts, Some(h)).deprived,
            ..HouseholdRollup::default()
        };
        for &pi in &people {
            let m = person_missing[pi as usize];
            if !m.is_empty() {
                r.uncovered_members += 1;
                r.missing = r.missing.union(m);
                r.priority = r.priority.saturating_add(person_priority[pi as usize]);
            }
        }
        households.push(r);
    }
    households.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.household.cmp(&b.household))
    });

    // 6. Overlaps: once per person, at their first row.
    let mut overlaps = Vec::new();
    for pi in 0..n {
        if first_row[pi] == u32::MAX || person_direct[pi].len() + person_via[pi].len() < 2 {
            continue;
        }
        let mut schemes = SchemeSet::empty();
        let mut broken = Vec::new();
        for (i, ex) in catalog.exclusions().iter().enumerate() {
            let c = ex.conflict(person_direct[pi], person_via[pi]);
            if !c.is_empty() {
                schemes = schemes.union(c);
                broken.push(i);
            }
        }
        if !broken.is_empty() {
            overlaps.push(Overlap {
                person: pi as u32,
                row: first_row[pi],
                schemes,
                exclusions: broken,
            });
        }
    }
    overlaps.sort_by_key(|o| o.row);

    Coverage {
        rows,
        fall_through,
        households,
        overlaps,
        enrolments: counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Indicators, SchemeId};
    use proptest::prelude::*;
    use toklon_types::{Employment, Protection::*};

    const REF: Day = Day(20240615);

    fn person(person: u32, household: u32, rel: Relationship, age: u32) -> PersonFacts {
        PersonFacts {
            household: Some(household),
            relationship: Some(rel),
            age: Some(age),
            person,
            ..PersonFacts::default()
        }
    }

    fn enrol(c: &Catalog, row: u32, code: &str) -> Enrolment {
        Enrolment {
            person_row: row,
            scheme: c.scheme_ref(code),
            active: true,
            valid_from: None,
            valid_to: None,
        }
    }

    fn run(
        persons: &[PersonFacts],
        households: &[HouseholdFacts],
        enrolments: &[Enrolment],
    ) -> Coverage {
        let inputs = Inputs {
            persons,
            households,
            enrolments,
            reference: REF,
        };
        compute(&Catalog::builtin(), &Rules::builtin(), &inputs).unwrap()
    }

    #[test]
    fn csmbs_reaches_spouse_children_and_parents() {
        let c = Catalog::builtin();
        use Relationship::*;
        let persons = [
            person(0, 7, Head, 45),
            person(1, 7, Spouse, 43),
            person(2, 7, Child, 10),
            person(3, 7, Child, 22),
            person(4, 7, Parent, 75),
            person(5, 7, Other, 70),
            person(6, 8, Child, 10), // another household
        ];
        let cov = run(&persons, &[], &[enrol(&c, 0, "csmbs")]);
        let csmbs = c.id("csmbs").unwrap();
        for row in [1, 2, 4] {
            let r = &cov.rows[row];
            assert!(r.via_household.contains(csmbs), "row {row}");
            assert!(
                r.covered.contains(Sickness) && r.covered.contains(Dependents),
                "row {row}"
            );
        }
        for row in [3, 5, 6] {
            assert!(cov.rows[row].via_household.is_empty(), "row {row}");
            assert!(cov.rows[row].missing.contains(Sickness), "row {row}");
        }
        assert!(cov.rows[0].direct.contains(csmbs) && cov.rows[0].via_household.is_empty());
        // The elderly parent still lacks old_age: CSMBS gives health care only.
        assert_eq!(cov.rows[4].missing.codes(), ["death", "old_age"]);

        // Held by the spouse: the head and the children are reached, the head's
        // parent is not (parents of the head only).
        let cov = run(&persons, &[], &[enrol(&c, 1, "csmbs")]);
        assert!(cov.rows[0].via_household.contains(csmbs));
        assert!(cov.rows[2].via_household.contains(csmbs));
        assert!(cov.rows[4].via_household.is_empty());

        // Held by a child (of head and spouse): both are the child's parents.
        let cov = run(&persons, &[], &[enrol(&c, 3, "csmbs")]);
        assert!(cov.rows[0].via_household.contains(csmbs));
        assert!(cov.rows[1].via_household.contains(csmbs));
        assert!(cov.rows[2].via_household.is_empty());
    }

    #[test]
    fn poor_child_without_grant_falls_through() {
        let c = Catalog::builtin();
        use Relationship::*;
        let poor = HouseholdFacts {
            deprived: [false, false, false, true, false],
        };
        let persons = [
            person(0, 0, Head, 35),
            person(1, 0, Child, 4),
            person(2, 1, Head, 35),
            person(3, 1, Child, 4),
            person(4, 2, Child, 3),
        ];
        let enrolments = [
            enrol(&c, 0, "ucs"),
            enrol(&c, 1, "ucs"),
            enrol(&c, 2, "sso_s33"),
            enrol(&c, 4, "child_grant"),
        ];
        let cov = run(
            &persons,
            &[poor, HouseholdFacts::default(), poor],
            &enrolments,
        );
        assert!(
            cov.rows[1]
                .groups
                .contains(Groups::POOR_HOUSEHOLD | Groups::CHILD)
        );
        assert!(cov.rows[1].missing.contains(FamilyChild));
        let ft = cov.fall_through.iter().find(|f| f.row == 1).unwrap();
        assert!(ft.missing.contains(FamilyChild));
        // The s33 member's child gets the SSO child allowance through the parent.
        assert!(cov.rows[3].covered.contains(FamilyChild));
        assert!(cov.rows[4].covered.contains(FamilyChild));
        let hh0 = cov.households.iter().find(|h| h.household == 0).unwrap();
        assert_eq!((hh0.members, hh0.uncovered_members), (2, 2));
        assert!(hh0.missing.contains(FamilyChild));
        assert_eq!(hh0.deprived, poor.deprived);
    }

    #[test]
    fn no_enrolment_misses_everything_eligible() {
        let mut p = person(0, 0, Relationship::Head, 30);
        p.employment = Some(Employment::Formal);
        let cov = run(&[p], &[], &[]);
        let r = cov.rows[0];
        assert!(r.covered.is_empty() && r.direct.is_empty());
        assert_eq!(r.missing, r.eligible);
        assert_eq!(r.eligible.len(), 6);
        assert_eq!(cov.fall_through.len(), 1);
    }

    #[test]
    fn duplicated_rows_share_coverage_and_count_once() {
        let c = Catalog::builtin();
        let a = person(0, 0, Relationship::Head, 70);
        // Row 1 is the same person recorded twice (same `person`).
        let persons = [a, a, person(2, 0, Relationship::Spouse, 68)];
        let cov = run(&persons, &[], &[enrol(&c, 1, "oaa"), enrol(&c, 1, "ucs")]);
        assert_eq!(cov.rows[0].covered, cov.rows[1].covered);
        assert!(cov.rows[0].direct.contains(c.id("oaa").unwrap()));
        assert_eq!(cov.fall_through.iter().filter(|f| f.person == 0).count(), 1);
        assert_eq!(
            cov.fall_through.iter().find(|f| f.person == 0).unwrap().row,
            0
        );
        assert_eq!(cov.households[0].members, 2);
        let ind = Indicators::compute(&c, &persons, &cov, &[], REF).unwrap();
        assert_eq!((ind.rows, ind.persons), (3, 2));
        let elderly = ind.groups.iter().find(|g| g.code == "elderly_oaa").unwrap();
        assert_eq!((elderly.members, elderly.covered), (2, 1));
    }

    #[test]
    fn ended_or_out_of_period_gives_nothing() {
        let c = Catalog::builtin();
        let p = person(0, 0, Relationship::Head, 70);
        let mut ended = enrol(&c, 0, "ucs");
        ended.active = false;
        let mut expired = enrol(&c, 0, "oaa");
        expired.valid_to = Some(Day(20231231));
        let mut future = enrol(&c, 0, "csmbs");
        future.valid_from = Some(Day(20250101));
        let mut current = enrol(&c, 0, "disability_allowance");
        current.valid_from = Some(Day(20240000));
        current.valid_to = Some(Day(20240600));
        let cov = run(&[p], &[], &[ended, expired, future, current]);
        assert_eq!(c.codes(cov.rows[0].direct), ["disability_allowance"]);
        let e = &cov.enrolments;
        assert_eq!((e.total, e.used, e.inactive, e.out_of_period), (4, 1, 1, 2));
    }

    #[test]
    fn unknown_scheme_and_bad_rows_counted() {
        let c = Catalog::builtin();
        let p = person(0, 0, Relationship::Head, 30);
        let cov = run(
            &[p],
            &[],
            &[
                enrol(&c, 0, "lottery"),
                enrol(&c, 0, "lottery"),
                enrol(&c, 0, "  bonus "),
                enrol(&c, 9, "ucs"),
                Enrolment {
                    scheme: SchemeRef::Known(SchemeId(999)),
                    ..enrol(&c, 0, "ucs")
                },
            ],
        );
        let e = &cov.enrolments;
        assert_eq!((e.unknown_scheme, e.bad_row, e.used), (4, 1, 0));
        assert_eq!(
            e.unknown_codes,
            [("bonus".to_string(), 1), ("lottery".to_string(), 2)]
        );
    }

    #[test]
    fn person_out_of_range_is_an_error() {
        let p = PersonFacts {
            person: 3,
            ..PersonFacts::default()
        };
        let inputs = Inputs {
            persons: &[p],
            households: &[],
            enrolments: &[],
            reference: REF,
        };
        assert!(matches!(
            compute(&Catalog::builtin(), &Rules::builtin(), &inputs),
            Err(Error::PersonOutOfRange {
                row: 0,
                person: 3,
                rows: 1
            })
        ));
    }

    #[test]
    fn overlaps_listed() {
        let c = Catalog::builtin();
        use Relationship::*;
        let persons = [
            person(0, 0, Head, 40),
            person(1, 0, Child, 3),
            person(2, 1, Head, 70),
        ];
        let enrolments = [
            enrol(&c, 0, "ucs"),
            enrol(&c, 0, "sso_s33"),
            enrol(&c, 1, "child_grant"),
            enrol(&c, 2, "oaa"),
            enrol(&c, 2, "disability_allowance"), // allowed together
        ];
        let cov = run(&persons, &[], &enrolments);
        assert_eq!(cov.overlaps.len(), 2);
        assert_eq!(c.codes(cov.overlaps[0].schemes), ["sso_s33", "ucs"]);
        let o = &cov.overlaps[1];
        assert_eq!(o.row, 1);
        assert_eq!(c.codes(o.schemes), ["sso_s33", "child_grant"]);
        assert_eq!(
            c.exclusions()[o.exclusions[0]].name,
            "child_grant_vs_sso_child_allowance"
        );
    }

    #[test]
    fn priority_orders_fall_through() {
        use Relationship::*;
        let mut disabled = person(1, 1, Head, 40);
        disabled.disabled = true;
        let poor = HouseholdFacts {
            deprived: [true, true, false, false, false],
        };
        let persons = [person(0, 0, Head, 40), disabled];
        let cov = run(&persons, &[HouseholdFacts::default(), poor], &[]);
        assert_eq!(cov.fall_through[0].row, 1);
        assert!(cov.fall_through[0].priority > cov.fall_through[1].priority);
        // Formula: 10 × weights + 5 × deprived + 10 × groups.
        let m = cov.rows[1].missing;
        let w: u32 = m.iter().map(protection_weight).sum();
        assert_eq!(cov.rows[1].priority, 10 * w + 5 * 2 + 10 * 2);
        assert_eq!(priority(ProtectionSet::empty(), 5, Groups::CHILD), 0);
        assert_eq!(cov.households[0].household, 1);
    }

    #[test]
    fn unknown_age_only_age_free_missing() {
        let p = PersonFacts {
            age: None,
            person: 0,
            ..PersonFacts::default()
        };
        let cov = run(&[p], &[], &[]);
        assert_eq!(cov.rows[0].missing.codes(), ["sickness", "death"]);
        assert!(cov.rows[0].groups.is_empty());
    }

    fn arb_person(n: usize) -> impl Strategy<Value = PersonFacts> {
        (
            proptest::option::of(0u32..4),
            proptest::option::of(0usize..5),
            proptest::option::of(0u32..95),
            any::<bool>(),
            0..n as u32,
            proptest::option::of(0usize..4),
        )
            .prop_map(|(household, rel, age, disabled, person, pt)| PersonFacts {
                household,
                relationship: rel.map(|r| {
                    [
                        Relationship::Head,
                        Relationship::Spouse,
                        Relationship::Child,
                        Relationship::Parent,
                        Relationship::Other,
                    ][r]
                }),
                age,
                disabled,
                person,
                person_type: pt.map(|t| {
                    [
                        PersonType::Thai,
                        PersonType::Alien,
                        PersonType::NoStatus,
                        PersonType::Unknown,
                    ][t]
                }),
                employment: Some(Employment::Informal),
                ..PersonFacts::default()
            })
    }

    proptest! {
        #[test]
        fn every_row_once_and_missing_within_eligible(
            persons in (1usize..30).prop_flat_map(|n| proptest::collection::vec(arb_person(n), n)),
            enrols in proptest::collection::vec((0u32..32, 0usize..15, any::<bool>()), 0..40),
            split in 0usize..8,
        ) {
            let c = Catalog::builtin();
            let enrolments: Vec<Enrolment> = enrols
                .iter()
                .map(|&(row, s, active)| Enrolment {
                    person_row: row,
                    scheme: match c.schemes().get(s) {
                        Some(sc) => c.scheme_ref(&sc.code),
                        None => SchemeRef::Unknown("zzz".into()),
                    },
                    active,
                    valid_from: None,
                    valid_to: None,
                })
                .collect();
            let households = [HouseholdFacts { deprived: [true, false, false, false, false] }];
            let cov = run(&persons, &households, &enrolments);
            prop_assert_eq!(cov.rows.len(), persons.len());
            for (p, r) in persons.iter().zip(&cov.rows) {
                prop_assert_eq!(r.missing.difference(r.eligible), ProtectionSet::empty());
                prop_assert_eq!(r.missing, r.eligible.difference(r.covered));
                let first = persons.iter().position(|q| q.person == p.person).unwrap();
                prop_assert_eq!(cov.rows[first].covered, r.covered);
            }
            let mut seen: Vec<u32> = cov.fall_through.iter().map(|f| f.person).collect();
            seen.sort_unstable();
            let len = seen.len();
            seen.dedup();
            prop_assert_eq!(seen.len(), len);
            for f in &cov.fall_through {
                prop_assert!(!f.missing.is_empty());
                prop_assert_eq!(persons[f.row as usize].person, f.person);
            }
            for w in cov.fall_through.windows(2) {
                prop_assert!((w[0].priority, std::cmp::Reverse(w[0].row)) >= (w[1].priority, std::cmp::Reverse(w[1].row)));
            }
            let e = &cov.enrolments;
            prop_assert_eq!(e.total, e.used + e.inactive + e.out_of_period + e.unknown_scheme + e.bad_row);
            let ind = Indicators::compute(&c, &persons, &cov, &[], REF).unwrap();
            prop_assert_eq!(ind.fall_through_persons, cov.fall_through.len() as u64);
            prop_assert!(ind.covered_all_eligible <= ind.persons);
            // Enrolments taken in parts (a registry at a time) give the same.
            let mut direct = DirectSchemes::new(&c, &persons, REF).unwrap();
            for part in enrolments.chunks(split.max(1)) {
                direct.add(part);
            }
            prop_assert_eq!(direct.finish(&Rules::builtin(), &households), cov);
        }
    }
}
