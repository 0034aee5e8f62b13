//! Coverage of each person: schemes held, schemes reaching them through the
//! household, protections covered, in scope and missing, remedies and structural
//! gaps; then the fall-through and status-problems lists, the households with a
//! listed member and the overlaps.

use rayon::prelude::*;
use toklon_types::{Date, Employment, Protection, ProtectionSet, Relationship};

use crate::eligibility::Context;
use crate::entitlements::{Holdings, RemedySet};
use crate::{
    Catalog, Enrolment, Entitlements, Error, HouseholdFacts, PersonFacts, PersonType, Relation,
    Rules, SchemeRef, SchemeSet,
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
    pub reference: Date,
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

/// Weight of a protection a remedy would close, in the priority. Health care comes
/// first (it is the basic right the master plan counts at 99.94%); income
/// protections a poor household lives on (invalidity, child grant, old age) next;
/// the rest 1.
pub fn protection_weight(p: Protection) -> u32 {
    match p {
        Protection::Sickness => 3,
        Protection::Invalidity | Protection::FamilyChild | Protection::OldAge => 2,
        _ => 1,
    }
}

/// Priority of a listed person (integer, so ordering is exact and deterministic):
///
/// `priority = 10 × Σ_{r ∈ remedies} (1 + Σ_{p ∈ closes(r) ∩ missing} weight(p))
///           + 5 × deprived_dimensions + 10 × vulnerable_groups
///           + 20 × informal_worker + 20 × poor_household`
///
/// Only what a remedy can close counts: a protection no office can give (a
/// structural gap) adds nothing. `deprived_dimensions` counts the household's TPMAP
/// flags (0-5) and `vulnerable_groups` the [`Groups`] flags set; informal workers and
/// poor households, whom the master plan puts first, count once more. Zero when no
/// remedy applies: a person nobody can help further needs no visit. The factors are a
/// judgement call; the plan gives no formula.
pub fn priority(
    entitlements: &Entitlements,
    remedies: RemedySet,
    missing: ProtectionSet,
    deprived_dimensions: u32,
    groups: Groups,
) -> u32 {
    if remedies.is_empty() {
        return 0;
    }
    let closing: u32 = remedies
        .iter()
        .filter_map(|i| entitlements.get(i))
        .map(|r| {
            1 + r
                .closes
                .intersection(missing)
                .iter()
                .map(protection_weight)
                .sum::<u32>()
        })
        .sum();
    let first = [Groups::INFORMAL_WORKER, Groups::POOR_HOUSEHOLD]
        .iter()
        .filter(|g| groups.contains(**g))
        .count() as u32;
    10 * closing + 5 * deprived_dimensions + 10 * groups.len() + 20 * first
}

/// Coverage of one population row. Everything is the person's, evaluated once from
/// the person's chosen row (DOMAIN.md §2a): rows of one person share it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowCoverage {
    pub covered: ProtectionSet,
    /// The protections the indicators count this person for.
    pub in_scope: ProtectionSet,
    /// `in_scope − covered`.
    pub missing: ProtectionSet,
    /// Missing and closed by no applicable remedy: counted, never listed.
    pub structural: ProtectionSet,
    /// Schemes the person is entitled to and does not hold.
    pub remedies: RemedySet,
    pub groups: Groups,
    pub status: PersonStatus,
    pub priority: u32,
    /// Remedies the person is entitled to that a field finding withholds from the
    /// lists (see [`Withhold`]); not in `remedies`.
    pub withheld: RemedySet,
    /// The facts the entitlement rules read, as they are now.
    pub circumstances: Circumstances,
}

impl RowCoverage {
    /// Schemes held directly (active and valid on the reference date).
    pub fn direct(&self) -> SchemeSet {
        self.circumstances.direct
    }

    /// Schemes of household members that reach this person.
    pub fn via_household(&self) -> SchemeSet {
        self.circumstances.via_household
    }
}

/// The facts a person's remedies follow from: their age band, employment,
/// disability, their household's poverty and what they hold. A field finding that
/// a person is not eligible for a remedy, or refuses it, holds while these stay
/// the same; any change (a birthday across an age limit, a new job, a household
/// that became poor, a scheme gained or lost) reopens the question.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Circumstances {
    /// How many of the entitlement rules' age limits the age has reached
    /// ([`Entitlements::age_limits`]); `u8::MAX` when the age is unknown.
    pub age_band: u8,
    pub employment: Option<Employment>,
    pub disabled: bool,
    pub poor_household: bool,
    /// Schemes held directly.
    pub direct: SchemeSet,
    /// Schemes reaching the person through the household.
    pub via_household: SchemeSet,
}

impl Circumstances {
    /// The band of `age` among `limits` (ascending).
    pub fn age_band(limits: &[u32], age: Option<u32>) -> u8 {
        match age {
            None => u8::MAX,
            Some(a) => limits.partition_point(|&l| l <= a).min(254) as u8,
        }
    }
}

/// Field findings that withhold remedies: given a person (by index) and their
/// circumstances now, the remedies to keep off the lists. A finding applies only
/// while the circumstances it was made in hold.
pub type Withhold<'a> = &'a (dyn Fn(u32, &Circumstances) -> RemedySet + Sync);

/// What the lists make of a person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PersonStatus {
    /// Thai (a valid ID of type 1-5 or 8 somewhere) and alive.
    #[default]
    Thai,
    /// An ID of type 6, 7 or 0, or no valid ID anywhere: the status-problems list.
    StatusProblem,
    /// A death date on or before the reference date: on no list, in no indicator.
    Dead,
}

/// What happened to the enrolments.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// A person on a list: the fall-through list (Thai, entitled to a scheme they do
/// not hold) or the status-problems list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listed {
    pub person: u32,
    /// The row whose facts were used (fewest missing facts; ties: the smallest
    /// `record_id`).
    pub row: u32,
    pub remedies: RemedySet,
    pub priority: u32,
}

/// One household with at least one member on the fall-through list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HouseholdRollup {
    /// Index into the households slice.
    pub household: u32,
    /// Distinct persons.
    pub members: u32,
    /// Distinct persons on the fall-through list.
    pub listed_members: u32,
    /// Union of the listed members' remedies.
    pub remedies: RemedySet,
    pub deprived: [bool; 5],
    /// Sum of the listed members' priorities: a visit reaches them all.
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
    /// Each person's chosen row, by person index (ascending): one entry per person.
    pub people: Vec<u32>,
    /// Thai, alive, with at least one remedy: priority desc, then row.
    pub fall_through: Vec<Listed>,
    /// Alive, not Thai (ID of type 6, 7 or 0, or no valid ID): priority desc, then row.
    pub status_problems: Vec<Listed>,
    /// Households with a member on the fall-through list: priority desc, then index.
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
    /// (DOMAIN.md §2a "Household relations": the head's spouse ↔ the head; the head's
    /// children are children of head and spouse; the head's parents are the head's
    /// only, and two `parent` members are a couple; a spouse's parent is `other`).
    fn related(&self, holder: Relationship, rel: Relation) -> [&[u32]; 2] {
        use Relationship::*;
        let none: &[u32] = &[];
        match (holder, rel) {
            (Head, Relation::Spouse) => [&self.spouses, none],
            (Spouse, Relation::Spouse) => [&self.heads, none],
            (Parent, Relation::Spouse) => [&self.parents, none],
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

/// The rule sets coverage applies.
#[derive(Clone, Copy, Debug)]
pub struct RuleSets<'a> {
    pub catalog: &'a Catalog,
    /// Whom the indicators count.
    pub scope: &'a Rules,
    /// Who is listed, for what.
    pub entitlements: &'a Entitlements,
}

/// Orders two population rows by `record_id`, to break ties between a person's rows.
pub type RowOrder<'a> = &'a (dyn Fn(u32, u32) -> std::cmp::Ordering + Sync);

/// Computes coverage. See the crate docs for the rules; errors only when a
/// `person` index is out of range. Ties between a person's rows go to the lower row
/// index (see [`DirectSchemes::finish`] to order them otherwise).
pub fn compute(rules: RuleSets<'_>, inputs: &Inputs<'_>) -> Result<Coverage, Error> {
    let mut direct = DirectSchemes::new(rules.catalog, inputs.persons, inputs.reference)?;
    direct.add(inputs.enrolments);
    Ok(direct.finish(rules, inputs.households, &|a, b| a.cmp(&b)))
}

/// [`compute`] taking its enrolments in parts: each person's direct schemes are
/// gathered part by part (a registry at a time, say), so that a run never holds
/// every enrolment at once. The result is the same whatever the parts.
pub struct DirectSchemes<'a> {
    catalog: &'a Catalog,
    persons: &'a [PersonFacts],
    reference: Date,
    counts: EnrolmentCounts,
    unknown: std::collections::BTreeMap<String, u64>,
    /// Per person (rows of one person share their schemes).
    person_direct: Vec<SchemeSet>,
    /// Per person: the schemes held by a row not marked `dependant`.
    person_principal: Vec<SchemeSet>,
    /// Per person: a linked registry record carries a valid Thai ID.
    person_thai: Vec<bool>,
}

impl<'a> DirectSchemes<'a> {
    /// Errors when a `person` index is out of range.
    pub fn new(
        catalog: &'a Catalog,
        persons: &'a [PersonFacts],
        reference: Date,
    ) -> Result<Self, Error> {
        let n = persons.len();
        for (row, p) in persons.iter().enumerate() {
            if p.person.get() >= n {
                return Err(Error::PersonOutOfRange {
                    row,
                    person: p.person.0,
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
            person_principal: vec![SchemeSet::empty(); n],
            person_thai: vec![false; n],
        })
    }

    /// Takes in some enrolments.
    pub fn add(&mut self, enrolments: &[Enrolment]) {
        let counts = &mut self.counts;
        for e in enrolments {
            counts.total += 1;
            let Some(p) = self.persons.get(e.person_row.get()) else {
                counts.bad_row += 1;
                continue;
            };
            let pi = p.person.get();
            // Any linked record speaks to nationality, whatever its scheme or status.
            self.person_thai[pi] |= e.thai_id;
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
                self.person_direct[pi].insert(id);
                if !e.dependant {
                    self.person_principal[pi].insert(id);
                }
            }
        }
    }

    /// Coverage from the enrolments taken in. `order` breaks ties between a person's
    /// rows when choosing the row whose facts are used (the smallest `record_id`).
    pub fn finish(
        self,
        rules: RuleSets<'_>,
        households: &[HouseholdFacts],
        order: RowOrder<'_>,
    ) -> Coverage {
        self.finish_withholding(rules, households, order, &|_, _| RemedySet::empty())
    }

    /// [`finish`](Self::finish), keeping off the lists the remedies `withhold`
    /// names (a field team found the person not eligible, or the person refused).
    pub fn finish_withholding(
        self,
        rules: RuleSets<'_>,
        households: &[HouseholdFacts],
        order: RowOrder<'_>,
        withhold: Withhold<'_>,
    ) -> Coverage {
        let mut counts = self.counts;
        counts.unknown_codes = self.unknown.into_iter().collect();
        let held = Held {
            direct: self.person_direct,
            principal: self.person_principal,
            thai: self.person_thai,
        };
        finish(
            rules,
            self.persons,
            households,
            held,
            counts,
            order,
            withhold,
        )
    }
}

/// Per person: what they hold, and whether a linked record makes them Thai.
struct Held {
    direct: Vec<SchemeSet>,
    principal: Vec<SchemeSet>,
    thai: Vec<bool>,
}

/// How many of the facts the rules read are unknown in a row.
fn missing_facts(p: &PersonFacts) -> u32 {
    [
        p.age.is_none(),
        p.sex.is_none(),
        p.employment.is_none(),
        p.relationship.is_none(),
        p.household.is_none(),
        p.person_type.is_none(),
    ]
    .iter()
    .filter(|m| **m)
    .count() as u32
}

fn finish(
    rules: RuleSets<'_>,
    persons: &[PersonFacts],
    hh_facts: &[HouseholdFacts],
    held: Held,
    counts: EnrolmentCounts,
    order: RowOrder<'_>,
    withhold: Withhold<'_>,
) -> Coverage {
    let RuleSets {
        catalog,
        scope,
        entitlements,
    } = rules;
    let n = persons.len();
    let Held {
        direct: person_direct,
        principal: person_principal,
        thai: mut person_thai,
    } = held;

    // 1. Each person's chosen row (fewest missing facts, ties by `order`), and the
    //    facts pooled over their rows.
    let mut chosen = vec![u32::MAX; n];
    let mut dead = vec![false; n];
    for (row, p) in persons.iter().enumerate() {
        let pi = p.person.get();
        let row = row as u32;
        person_thai[pi] |= p.thai_id;
        dead[pi] |= p.dead;
        let c = chosen[pi];
        if c == u32::MAX {
            chosen[pi] = row;
            continue;
        }
        let (mine, theirs) = (missing_facts(p), missing_facts(&persons[c as usize]));
        if mine < theirs || (mine == theirs && order(row, c).is_lt()) {
            chosen[pi] = row;
        }
    }

    // 2. Schemes reaching people through their household: only a principal's
    //    holding reaches anyone.
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
    by_household.par_sort_unstable();
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
            let held = person_principal[holder.person.get()].intersection(extending);
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
                                person_via[target.person.get()].insert(id);
                                let pp = &mut person_via_prot[target.person.get()];
                                *pp = pp.union(ext.protections);
                            }
                        }
                    }
                }
            }
        }
    }

    // 3. Per person, from the chosen row: covered, in scope, missing, remedies,
    //    structural gaps, groups, priority; copied to each of the person's rows.
    //    Each person's alone, so in parallel.
    let civil_service = catalog.civil_service();
    let age_limits = entitlements.age_limits();
    let people: Vec<u32> = chosen.iter().copied().filter(|&c| c != u32::MAX).collect();
    let person_cov: Vec<RowCoverage> = (0..n)
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|pi| {
            let c = chosen[pi];
            if c == u32::MAX {
                return RowCoverage::default();
            }
            let p = &persons[c as usize];
            let hh = poor(hh_facts, p.household);
            let (direct, principal) = (person_direct[pi], person_principal[pi]);
            let covered = catalog
                .holder_protections(direct, principal)
                .union(person_via_prot[pi]);
            let ctx = Context {
                poor_household: hh.is_poor(),
                civil_servant: !principal.intersection(civil_service).is_empty(),
                thai: person_thai[pi],
            };
            let status = if dead[pi] {
                PersonStatus::Dead
            } else if ctx.thai {
                PersonStatus::Thai
            } else {
                PersonStatus::StatusProblem
            };
            let in_scope = scope.in_scope(p, ctx);
            let missing = in_scope.difference(covered);
            let mut remedies = match status {
                PersonStatus::Dead => RemedySet::empty(),
                _ => entitlements.applicable(
                    p,
                    ctx,
                    &Holdings {
                        direct,
                        via_household: person_via[pi],
                        via_household_protections: person_via_prot[pi],
                    },
                ),
            };
            if status == PersonStatus::StatusProblem {
                // Only what does not depend on nationality (the employer remedies).
                remedies = remedies
                    .iter()
                    .filter(|&i| entitlements.get(i).is_some_and(|r| r.any_nationality()))
                    .fold(RemedySet::empty(), |mut s, i| {
                        s.insert(i);
                        s
                    });
            }
            let circumstances = Circumstances {
                age_band: Circumstances::age_band(&age_limits, p.age),
                employment: p.employment,
                disabled: p.disabled,
                poor_household: hh.is_poor(),
                direct,
                via_household: person_via[pi],
            };
            let withheld = if remedies.is_empty() {
                RemedySet::empty()
            } else {
                withhold(pi as u32, &circumstances).intersection(remedies)
            };
            // A withheld remedy is still one the data shows: the gap it would close is
            // not structural.
            let structural = missing.difference(entitlements.closes(remedies));
            let remedies = remedies.difference(withheld);
            let groups = Groups::of(p, hh.is_poor());
            RowCoverage {
                covered,
                in_scope,
                missing,
                structural,
                remedies,
                groups,
                status,
                priority: priority(entitlements, remedies, missing, hh.deprived_count(), groups),
                withheld,
                circumstances,
            }
        })
        .collect();
    // 4. The lists: once per person, at the chosen row.
    let mut fall_through = Vec::new();
    let mut status_problems = Vec::new();
    for (pi, c) in person_cov.iter().enumerate() {
        let row = chosen[pi];
        if row == u32::MAX {
            continue;
        }
        let listed = Listed {
            person: pi as u32,
            row,
            remedies: c.remedies,
            priority: c.priority,
        };
        match c.status {
            PersonStatus::Thai if !c.remedies.is_empty() => fall_through.push(listed),
            PersonStatus::StatusProblem => status_problems.push(listed),
            _ => {}
        }
    }
    let by_priority = |a: &Listed, b: &Listed| b.priority.cmp(&a.priority).then(a.row.cmp(&b.row));
    // A person is listed once, at one row: the order is total, and an unstable
    // sort (no buffer beside the list) gives it.
    fall_through.par_sort_unstable_by(by_priority);
    status_problems.par_sort_unstable_by(by_priority);

    // 5. Households with a member on the fall-through list: distinct persons.
    let mut households: Vec<HouseholdRollup> = by_household
        .par_chunk_by(|a, b| a.0 == b.0)
        .filter_map(|group| {
            let h = group[0].0;
            let mut in_household: Vec<u32> = group
                .iter()
                .map(|&(_, row)| persons[row as usize].person.0)
                .collect();
            in_household.sort_unstable();
            in_household.dedup();
            let mut r = HouseholdRollup {
                household: h,
                members: in_household.len() as u32,
                deprived: poor(hh_facts, Some(h)).deprived,
                ..HouseholdRollup::default()
            };
            for &pi in &in_household {
                let c = &person_cov[pi as usize];
                if c.status == PersonStatus::Thai && !c.remedies.is_empty() {
                    r.listed_members += 1;
                    r.remedies = r.remedies.union(c.remedies);
                    r.priority = r.priority.saturating_add(c.priority);
                }
            }
            (r.listed_members > 0).then_some(r)
        })
        .collect();
    households.par_sort_unstable_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.household.cmp(&b.household))
    });

    // 6. Overlaps: once per person, at their chosen row.
    let mut overlaps: Vec<Overlap> = (0..n)
        .into_par_iter()
        .with_min_len(1 << 14)
        .filter_map(|pi| {
            if chosen[pi] == u32::MAX || person_direct[pi].len() + person_via[pi].len() < 2 {
                return None;
            }
            let mut schemes = SchemeSet::empty();
            let mut broken = Vec::new();
            for (i, ex) in catalog.exclusions().iter().enumerate() {
                let c = ex.conflict(person_direct[pi], person_principal[pi], person_via[pi]);
                if !c.is_empty() {
                    schemes = schemes.union(c);
                    broken.push(i);
                }
            }
            (!broken.is_empty()).then(|| Overlap {
                person: pi as u32,
                row: chosen[pi],
                schemes,
                exclusions: broken,
            })
        })
        .collect();
    overlaps.par_sort_unstable_by_key(|o| o.row);

    // 7. Every row gets its person's coverage. The rows that are not their
    // person's own (a person's other rows in the base: few) are copied aside
    // first, so that the persons' vector becomes the rows' in place: collecting
    // the rows into a second vector would hold two of the stage's largest.
    let others: Vec<(usize, RowCoverage)> = persons
        .iter()
        .enumerate()
        .filter(|&(i, p)| p.person.get() != i)
        .map(|(i, p)| (i, person_cov[p.person.get()]))
        .collect();
    let mut rows = person_cov;
    for (i, c) in others {
        rows[i] = c;
    }

    Coverage {
        rows,
        people,
        fall_through,
        status_problems,
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
    use toklon_types::{Employment, Protection::*, RowIdx};

    fn day(packed: u32) -> Date {
        Date::from_packed(packed).unwrap()
    }

    fn person(person: u32, household: u32, rel: Relationship, age: u32) -> PersonFacts {
        PersonFacts {
            household: Some(household),
            relationship: Some(rel),
            age: Some(age),
            thai_id: true,
            person: RowIdx(person),
            ..PersonFacts::default()
        }
    }

    fn enrol(c: &Catalog, row: u32, code: &str) -> Enrolment {
        Enrolment {
            person_row: RowIdx(row),
            scheme: c.scheme_ref(code),
            active: true,
            valid_from: None,
            valid_to: None,
            dependant: false,
            thai_id: false,
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
            reference: day(20240615),
        };
        let c = Catalog::builtin();
        let e = Entitlements::builtin(&c).unwrap();
        compute(
            RuleSets {
                catalog: &c,
                scope: &Rules::builtin(),
                entitlements: &e,
            },
            &inputs,
        )
        .unwrap()
    }

    fn remedies(cov: &Coverage, row: usize) -> Vec<String> {
        let c = Catalog::builtin();
        let e = Entitlements::builtin(&c).unwrap();
        e.codes(cov.rows[row].remedies)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn csmbs_reaches_the_household_as_domain_2_says() {
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
        // The principal: every protection but unemployment.
        let head = &cov.rows[0];
        assert_eq!(head.covered.len(), 8);
        assert!(!head.covered.contains(Unemployment));
        assert!(head.remedies.is_empty());
        assert_eq!(
            cov.rows[1].covered.codes(),
            ["sickness", "maternity", "dependents"]
        );
        assert_eq!(
            cov.rows[2].covered.codes(),
            ["sickness", "family_child", "dependents"]
        );
        assert_eq!(cov.rows[4].covered.codes(), ["sickness", "dependents"]);
        for row in [3, 5, 6] {
            assert!(cov.rows[row].via_household().is_empty(), "row {row}");
        }
        assert!(cov.rows[1].via_household().contains(csmbs));
        // The elderly parent, reached by CSMBS, is owed the old-age allowance only:
        // CSMBS dependants get no UCS.
        assert_eq!(remedies(&cov, 4), ["oaa"]);
        // The adult child and the `other` member are on their own: UCS.
        assert_eq!(remedies(&cov, 3), ["ucs"]);

        // Held by the spouse: the head and the children are reached, the head's
        // parent is not (parents of the head only).
        let cov = run(&persons, &[], &[enrol(&c, 1, "csmbs")]);
        assert!(cov.rows[0].via_household().contains(csmbs));
        assert!(cov.rows[2].via_household().contains(csmbs));
        assert!(cov.rows[4].via_household().is_empty());

        // A row marked `dependant` gives medical care only and reaches nobody.
        let mut dep = enrol(&c, 0, "csmbs");
        dep.dependant = true;
        let cov = run(&persons, &[], &[dep]);
        assert_eq!(cov.rows[0].covered.codes(), ["sickness", "maternity"]);
        assert!(cov.rows[1].via_household().is_empty());
    }

    #[test]
    fn two_parent_members_are_a_couple() {
        let c = Catalog::builtin();
        use Relationship::*;
        let persons = [
            person(0, 1, Head, 40),
            person(1, 1, Parent, 70),
            person(2, 1, Parent, 68),
        ];
        let cov = run(&persons, &[], &[enrol(&c, 1, "csmbs")]);
        // The pensioner's spouse is the other parent; the head is their child (40:
        // too old for the children's reach).
        assert!(cov.rows[2].covered.contains(Sickness));
        assert!(!cov.rows[0].covered.contains(Sickness));
    }

    #[test]
    fn poor_child_without_grant_is_listed_until_the_6th_birthday() {
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
            person(5, 0, Child, 6),
        ];
        let enrolments = [
            enrol(&c, 0, "ucs"),
            enrol(&c, 1, "ucs"),
            enrol(&c, 2, "sso_s33"),
            enrol(&c, 4, "child_grant"),
            enrol(&c, 4, "ucs"),
            enrol(&c, 5, "ucs"),
        ];
        let cov = run(&persons, &[poor, poor, poor], &enrolments);
        assert!(
            cov.rows[1]
                .groups
                .contains(Groups::POOR_HOUSEHOLD | Groups::CHILD)
        );
        assert_eq!(remedies(&cov, 1), ["child_grant"]);
        // The s33 member's child gets the SSO child allowance through the parent.
        assert!(cov.rows[3].covered.contains(FamilyChild));
        assert!(!remedies(&cov, 3).contains(&"child_grant".to_string()));
        assert!(remedies(&cov, 4).is_empty());
        // Six: out of scope for family_child, no grant.
        assert!(!cov.rows[5].in_scope.contains(FamilyChild));
        assert!(remedies(&cov, 5).is_empty());
        let hh0 = cov.households.iter().find(|h| h.household == 0).unwrap();
        assert_eq!((hh0.members, hh0.listed_members), (3, 1));
        assert_eq!(hh0.deprived, poor.deprived);
    }

    #[test]
    fn structural_gaps_are_counted_not_listed() {
        use Relationship::*;
        let c = Catalog::builtin();
        // A child of 10 with UCS: in scope for sickness and dependents; dependents
        // is missing and nothing can close it.
        let cov = run(&[person(0, 0, Child, 10)], &[], &[enrol(&c, 0, "ucs")]);
        let r = cov.rows[0];
        assert_eq!(r.missing.codes(), ["dependents"]);
        assert_eq!(r.structural.codes(), ["dependents"]);
        assert!(r.remedies.is_empty() && cov.fall_through.is_empty());
        // An informal worker of 40 with nothing: s40 closes most; maternity is not
        // in scope for a man; UCS closes sickness.
        let mut w = person(0, 0, Head, 40);
        w.employment = Some(Employment::Informal);
        w.sex = Some(crate::Sex::Male);
        let cov = run(&[w], &[], &[]);
        assert_eq!(remedies(&cov, 0), ["ucs", "sso_s40", "nsf"]);
        assert_eq!(cov.rows[0].structural.codes(), ["employment_injury"]);
        assert_eq!(cov.fall_through.len(), 1);
    }

    #[test]
    fn a_person_is_evaluated_once_from_the_row_with_most_facts() {
        let c = Catalog::builtin();
        let mut sparse = person(0, 0, Relationship::Head, 70);
        sparse.age = None;
        sparse.sex = None;
        let full = PersonFacts {
            sex: Some(crate::Sex::Female),
            ..person(0, 0, Relationship::Head, 70)
        };
        // Rows 0 and 1 are one person; row 1 knows more.
        let persons = [sparse, full, person(2, 0, Relationship::Spouse, 68)];
        let cov = run(&persons, &[], &[enrol(&c, 0, "ucs")]);
        assert_eq!(cov.rows[0], cov.rows[1]);
        assert_eq!(remedies(&cov, 0), ["oaa"]);
        let listed: Vec<_> = cov.fall_through.iter().filter(|f| f.person == 0).collect();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].row, 1);
        assert_eq!(cov.people, [1, 2]);
        let e = Entitlements::builtin(&c).unwrap();
        let ind = Indicators::compute(&c, &e, &persons, &cov, |_| None, day(20240615)).unwrap();
        assert_eq!((ind.rows, ind.persons), (3, 2));
        let elderly = ind.groups.iter().find(|g| g.code == "elderly_oaa").unwrap();
        assert_eq!((elderly.members, elderly.covered), (2, 0));
    }

    #[test]
    fn status_problems_and_the_dead_are_listed_apart() {
        use Relationship::*;
        let mut alien = person(0, 0, Head, 30);
        alien.thai_id = false;
        alien.person_type = Some(PersonType::Alien);
        alien.employment = Some(Employment::Formal);
        let mut no_id = person(1, 1, Head, 70);
        no_id.thai_id = false;
        let mut dead = person(2, 2, Head, 70);
        dead.dead = true;
        // Row 3 has no valid ID, but a linked record does: Thai.
        let mut linked = person(3, 3, Head, 70);
        linked.thai_id = false;
        let c = Catalog::builtin();
        let mut e = enrol(&c, 3, "nhso_unknown_code");
        e.thai_id = true;
        let cov = run(&[alien, no_id, dead, linked], &[], &[e]);
        assert_eq!(cov.rows[0].status, PersonStatus::StatusProblem);
        assert_eq!(remedies(&cov, 0), ["sso_s33", "wcf"]);
        assert_eq!(cov.rows[1].status, PersonStatus::StatusProblem);
        assert!(remedies(&cov, 1).is_empty());
        assert_eq!(cov.rows[2].status, PersonStatus::Dead);
        assert_eq!(cov.rows[3].status, PersonStatus::Thai);
        let rows = |l: &[Listed]| {
            let mut r: Vec<u32> = l.iter().map(|x| x.row).collect();
            r.sort_unstable();
            r
        };
        assert_eq!(rows(&cov.status_problems), [0, 1]);
        assert_eq!(rows(&cov.fall_through), [3]);
    }

    #[test]
    fn ended_or_out_of_period_gives_nothing() {
        let c = Catalog::builtin();
        let p = person(0, 0, Relationship::Head, 70);
        let mut ended = enrol(&c, 0, "ucs");
        ended.active = false;
        let mut expired = enrol(&c, 0, "oaa");
        expired.valid_to = Some(day(20231231));
        let mut future = enrol(&c, 0, "csmbs");
        future.valid_from = Some(day(20250101));
        let mut current = enrol(&c, 0, "disability_allowance");
        current.valid_from = Some(day(20240000));
        current.valid_to = Some(day(20240600));
        let cov = run(&[p], &[], &[ended, expired, future, current]);
        assert_eq!(c.codes(cov.rows[0].direct()), ["disability_allowance"]);
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
            person: RowIdx(3),
            ..PersonFacts::default()
        };
        let c = Catalog::builtin();
        let e = Entitlements::builtin(&c).unwrap();
        let inputs = Inputs {
            persons: &[p],
            households: &[],
            enrolments: &[],
            reference: day(20240615),
        };
        let rules = RuleSets {
            catalog: &c,
            scope: &Rules::builtin(),
            entitlements: &e,
        };
        assert!(matches!(
            compute(rules, &inputs),
            Err(Error::PersonOutOfRange {
                row: 0,
                person: 3,
                rows: 1
            })
        ));
    }

    #[test]
    fn overlaps_follow_the_exclusions_of_domain_2() {
        let c = Catalog::builtin();
        use Relationship::*;
        let persons = [
            person(0, 0, Head, 40),
            person(1, 0, Child, 3),
            person(2, 1, Head, 70),
            person(3, 2, Head, 70),
            person(4, 3, Head, 40),
            person(5, 3, Child, 3),
        ];
        let enrolments = [
            enrol(&c, 0, "ucs"),
            enrol(&c, 0, "sso_s33"),
            enrol(&c, 1, "child_grant"),
            enrol(&c, 2, "oaa"),
            enrol(&c, 2, "disability_allowance"), // allowed together
            enrol(&c, 2, "nsf"),
            enrol(&c, 2, "sso_s40_opt1"), // NSF with s40: no overlap
            enrol(&c, 3, "oaa"),
            enrol(&c, 3, "csmbs"), // a state pensioner with the allowance
            enrol(&c, 4, "csmbs"),
            enrol(&c, 5, "child_grant"), // the child allowance through CSMBS
        ];
        let cov = run(&persons, &[], &enrolments);
        let by_row = |row: u32| cov.overlaps.iter().find(|o| o.row == row);
        assert_eq!(c.codes(by_row(0).unwrap().schemes), ["sso_s33", "ucs"]);
        assert_eq!(
            c.codes(by_row(1).unwrap().schemes),
            ["sso_s33", "child_grant"]
        );
        assert!(by_row(2).is_none());
        let o = by_row(3).unwrap();
        assert_eq!(c.exclusions()[o.exclusions[0]].name, "oaa_vs_state_pension");
        assert_eq!(
            c.codes(by_row(5).unwrap().schemes),
            ["csmbs", "child_grant"]
        );
        assert_eq!(cov.overlaps.len(), 4);
    }

    #[test]
    fn priority_puts_informal_and_poor_first() {
        use Relationship::*;
        let poor = HouseholdFacts {
            deprived: [true, true, false, false, false],
        };
        let mut informal = person(1, 1, Head, 40);
        informal.employment = Some(Employment::Informal);
        let persons = [person(0, 0, Head, 40), informal];
        let cov = run(&persons, &[HouseholdFacts::default(), poor], &[]);
        assert_eq!(cov.fall_through[0].row, 1);
        assert!(cov.fall_through[0].priority > cov.fall_through[1].priority);
        // Row 0 is owed UCS alone: 10 × (1 + sickness 3).
        assert_eq!(cov.rows[0].priority, 40);
        let c = Catalog::builtin();
        let e = Entitlements::builtin(&c).unwrap();
        assert_eq!(
            priority(
                &e,
                RemedySet::empty(),
                ProtectionSet::empty(),
                5,
                Groups::CHILD
            ),
            0
        );
        assert_eq!(cov.households[0].household, 1);
    }

    #[test]
    fn unknown_age_gets_no_age_based_remedy() {
        let p = PersonFacts {
            age: None,
            thai_id: true,
            person: RowIdx(0),
            ..PersonFacts::default()
        };
        let cov = run(&[p], &[], &[]);
        assert_eq!(remedies(&cov, 0), ["ucs"]);
        assert_eq!(cov.rows[0].in_scope.codes(), ["sickness"]);
    }

    /// Coverage with a field finding that withholds `codes` from person 0 while
    /// their circumstances are `found_in` (any, when `None`).
    fn run_withholding(
        persons: &[PersonFacts],
        codes: &[&str],
        found_in: Option<Circumstances>,
    ) -> Coverage {
        let c = Catalog::builtin();
        let e = Entitlements::builtin(&c).unwrap();
        let mut remedies = RemedySet::empty();
        for code in codes {
            remedies.insert(e.index_of(code).unwrap());
        }
        let direct = DirectSchemes::new(&c, persons, day(20240615)).unwrap();
        let withhold = |person: u32, now: &Circumstances| {
            if person == 0 && found_in.is_none_or(|f| f == *now) {
                remedies
            } else {
                RemedySet::empty()
            }
        };
        let rules = RuleSets {
            catalog: &c,
            scope: &Rules::builtin(),
            entitlements: &e,
        };
        direct.finish_withholding(rules, &[], &|a, b| a.cmp(&b), &withhold)
    }

    #[test]
    fn a_withheld_remedy_leaves_the_lists_while_the_circumstances_hold() {
        let mut p = person(0, 0, Relationship::Head, 70);
        p.household = None;
        let cov = run(&[p], &[], &[]);
        assert_eq!(remedies(&cov, 0), ["ucs", "oaa"]);
        let found_in = cov.rows[0].circumstances;

        let cov = run_withholding(&[p], &["oaa"], Some(found_in));
        assert_eq!(remedies(&cov, 0), ["ucs"]);
        let e = Entitlements::builtin(&Catalog::builtin()).unwrap();
        assert_eq!(e.codes(cov.rows[0].withheld), ["oaa"]);
        assert_eq!(cov.fall_through.len(), 1);
        // The gap the withheld remedy would close is not structural.
        assert!(!cov.rows[0].structural.contains(OldAge));

        // Everything withheld: off the fall-through list.
        let cov = run_withholding(&[p], &["ucs"], None);
        assert_eq!(remedies(&cov, 0), ["oaa"]);
        let cov = run_withholding(&[p], &["ucs", "oaa"], None);
        assert!(cov.fall_through.is_empty() && cov.rows[0].remedies.is_empty());

        // A year older within the same age band: the finding holds.
        let mut older = p;
        older.age = Some(71);
        let cov = run_withholding(&[older], &["oaa"], Some(found_in));
        assert_eq!(remedies(&cov, 0), ["ucs"]);
        // A new job: the finding lapses and the remedy is listed again.
        let mut working = p;
        working.employment = Some(Employment::Informal);
        let cov = run_withholding(&[working], &["oaa"], Some(found_in));
        assert!(remedies(&cov, 0).contains(&"oaa".to_string()));
        assert!(cov.rows[0].withheld.is_empty());
    }

    fn arb_person(n: usize) -> impl Strategy<Value = PersonFacts> {
        (
            proptest::option::of(0u32..4),
            proptest::option::of(0usize..5),
            proptest::option::of(0u32..95),
            (any::<bool>(), any::<bool>(), any::<bool>()),
            0..n as u32,
            proptest::option::of(0usize..3),
        )
            .prop_map(
                |(household, rel, age, (disabled, thai_id, dead), person, employment)| {
                    PersonFacts {
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
                        thai_id,
                        dead,
                        person: RowIdx(person),
                        employment: employment.map(|e| {
                            [
                                Employment::Informal,
                                Employment::Formal,
                                Employment::Student,
                            ][e]
                        }),
                        ..PersonFacts::default()
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn every_person_once_and_lists_consistent(
            persons in (1usize..30).prop_flat_map(|n| proptest::collection::vec(arb_person(n), n)),
            enrols in proptest::collection::vec((0u32..32, 0usize..15, any::<bool>(), any::<bool>()), 0..40),
            split in 0usize..8,
        ) {
            let c = Catalog::builtin();
            let e = Entitlements::builtin(&c).unwrap();
            let enrolments: Vec<Enrolment> = enrols
                .iter()
                .map(|&(row, s, active, dependant)| Enrolment {
                    person_row: RowIdx(row),
                    scheme: match c.schemes().get(s) {
                        Some(sc) => c.scheme_ref(&sc.code),
                        None => SchemeRef::Unknown("zzz".into()),
                    },
                    active,
                    valid_from: None,
                    valid_to: None,
                    dependant,
                    thai_id: false,
                })
                .collect();
            let households = [HouseholdFacts { deprived: [true, false, false, false, false] }];
            let cov = run(&persons, &households, &enrolments);
            prop_assert_eq!(cov.rows.len(), persons.len());
            for (p, r) in persons.iter().zip(&cov.rows) {
                prop_assert_eq!(r.missing, r.in_scope.difference(r.covered));
                prop_assert_eq!(r.structural.difference(r.missing), ProtectionSet::empty());
                let first = persons.iter().position(|q| q.person == p.person).unwrap();
                prop_assert_eq!(cov.rows[first], *r);
                if r.status == PersonStatus::Dead {
                    prop_assert!(r.remedies.is_empty());
                }
                // What a remedy closes is never a structural gap.
                prop_assert!(r.structural.intersection(e.closes(r.remedies)).is_empty());
            }
            let mut seen: Vec<u32> = cov
                .fall_through
                .iter()
                .chain(&cov.status_problems)
                .map(|f| f.person)
                .collect();
            seen.sort_unstable();
            let len = seen.len();
            seen.dedup();
            prop_assert_eq!(seen.len(), len);
            for f in &cov.fall_through {
                prop_assert!(!f.remedies.is_empty());
                prop_assert_eq!(persons[f.row as usize].person.0, f.person);
                prop_assert_eq!(cov.rows[f.row as usize].status, PersonStatus::Thai);
            }
            for w in cov.fall_through.windows(2) {
                prop_assert!((w[0].priority, std::cmp::Reverse(w[0].row)) >= (w[1].priority, std::cmp::Reverse(w[1].row)));
            }
            let mut distinct: Vec<u32> = persons.iter().map(|p| p.person.0).collect();
            distinct.sort_unstable();
            distinct.dedup();
            prop_assert_eq!(cov.people.len(), distinct.len());
            let en = &cov.enrolments;
            prop_assert_eq!(en.total, en.used + en.inactive + en.out_of_period + en.unknown_scheme + en.bad_row);
            let ind = Indicators::compute(&c, &e, &persons, &cov, |_| None, day(20240615)).unwrap();
            prop_assert_eq!(ind.fall_through_persons, cov.fall_through.len() as u64);
            prop_assert_eq!(ind.status_problem_persons, cov.status_problems.len() as u64);
            prop_assert!(ind.covered_all_in_scope <= ind.persons);
            // Enrolments taken in parts (a registry at a time) give the same.
            let mut direct = DirectSchemes::new(&c, &persons, day(20240615)).unwrap();
            for part in enrolments.chunks(split.max(1)) {
                direct.add(part);
            }
            let rules = RuleSets { catalog: &c, scope: &Rules::builtin(), entitlements: &e };
            prop_assert_eq!(direct.finish(rules, &households, &|a, b| a.cmp(&b)), cov);
        }
    }
}
