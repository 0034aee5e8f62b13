//! The master plan's coverage measures, for `summary.json` and the reports.
//!
//! Persons, not rows: duplicated rows count once, from the person's chosen row. The
//! dead (a death date on or before the reference date) are counted apart and left
//! out of every measure.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toklon_types::{Date, Protection, ProtectionSet};

use crate::{
    Catalog, Coverage, EnrolmentCounts, Entitlements, Error, Groups, PersonFacts, PersonStatus,
    RowCoverage, SchemeSet,
};

/// The national target for the vulnerable groups (DOMAIN.md §1: 80%).
pub const TARGET: f64 = 0.80;

/// Per protection, over the persons in scope for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProtectionIndicator {
    pub code: String,
    pub thai: String,
    /// Persons in scope (the indicator's denominator, DOMAIN.md §2a).
    pub in_scope: u64,
    /// In-scope persons who are covered.
    pub covered: u64,
    /// `covered / in_scope`; `None` when nobody is in scope.
    pub share: Option<f64>,
    /// In scope, not covered, closable by no remedy: no office can fix it.
    pub structural_gaps: u64,
}

/// A vulnerable group and the scheme meant for it, against the national target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupIndicator {
    pub code: String,
    pub thai: String,
    pub description: String,
    /// Holding any of these directly counts as covered.
    pub schemes: Vec<String>,
    pub members: u64,
    pub covered: u64,
    pub share: Option<f64>,
    pub target: f64,
    pub meets_target: Option<bool>,
    /// The master plan's own figure, for comparison (DOMAIN.md §1).
    pub reported: f64,
    pub reported_year: u16,
}

/// A group's figures in one province.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupCount {
    pub code: String,
    pub members: u64,
    pub covered: u64,
    pub share: Option<f64>,
    pub meets_target: Option<bool>,
}

/// How many listed people one remedy (one office) must reach.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemedyCount {
    pub code: String,
    pub thai: String,
    pub office_thai: String,
    pub persons: u64,
}

/// Per province (of each person's chosen row; `unknown` when the row has none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProvinceIndicator {
    pub code: String,
    /// The province's Thai name, where the code is a known DOPA code.
    pub name: Option<String>,
    pub persons: u64,
    pub covered_any: u64,
    pub covered_any_share: Option<f64>,
    /// Persons on the fall-through list.
    pub fall_through: u64,
    pub status_problems: u64,
    /// Listed persons per remedy, in rule order (remedies with nobody left out).
    pub remedies: Vec<RemedyCount>,
    /// The four group indicators in the province.
    pub groups: Vec<GroupCount>,
    /// Structural gaps per protection code (protections with none left out).
    pub structural_gaps: BTreeMap<String, u64>,
}

/// Structural gaps (in scope, not covered, no remedy), counted three ways.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StructuralGaps {
    /// Persons with at least one structural gap.
    pub persons: u64,
    pub by_protection: BTreeMap<String, u64>,
    /// Per vulnerable group flag, per protection.
    pub by_group: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per province code, per protection.
    pub by_province: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Coverage measures of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    /// The run's reference date (`YYYY-MM-DD` in JSON).
    pub reference_date: Date,
    pub rows: u64,
    /// Living persons (the dead are in `dead_persons`).
    pub persons: u64,
    /// The plan's headline: persons covered by at least one protection.
    pub covered_any: u64,
    pub covered_any_share: Option<f64>,
    /// Persons covered for every protection they are in scope for.
    pub covered_all_in_scope: u64,
    pub covered_all_in_scope_share: Option<f64>,
    pub protections: Vec<ProtectionIndicator>,
    pub groups: Vec<GroupIndicator>,
    /// Listed persons per remedy, nationally, in rule order.
    pub remedies: Vec<RemedyCount>,
    pub provinces: Vec<ProvinceIndicator>,
    pub structural_gaps: StructuralGaps,
    /// Persons on the fall-through list (Thai, entitled to a scheme they lack).
    pub fall_through_persons: u64,
    /// Households with at least one member on the list.
    pub fall_through_households: u64,
    /// Persons on the status-problems list (ID of type 6, 7 or 0, or no valid ID).
    pub status_problem_persons: u64,
    /// Persons with a death date on or before the reference date: on no list.
    pub dead_persons: u64,
    pub overlap_persons: u64,
    pub enrolments: EnrolmentCounts,
}

fn share(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

struct GroupDef {
    code: &'static str,
    thai: &'static str,
    description: &'static str,
    schemes: &'static [&'static str],
    member: fn(Option<u32>, Groups) -> bool,
    reported: f64,
    reported_year: u16,
}

/// The four groups with a national target (DOMAIN.md §1).
const GROUPS: [GroupDef; 4] = [
    GroupDef {
        code: "poor_children_child_grant",
        thai: "เด็กยากจน 0-5 ปี ได้รับเงินอุดหนุนเด็ก",
        description: "children aged 0-5 in poor households holding the child grant",
        schemes: &["child_grant"],
        member: |age, g| age.is_some_and(|a| a <= 5) && g.contains(Groups::POOR_HOUSEHOLD),
        reported: 0.845,
        reported_year: 2018,
    },
    GroupDef {
        code: "elderly_oaa",
        thai: "ผู้สูงอายุ 60 ปีขึ้นไป ได้รับเบี้ยยังชีพ",
        description: "people aged 60+ holding the old-age allowance",
        schemes: &["oaa"],
        member: |_, g| g.contains(Groups::ELDERLY),
        reported: 0.817,
        reported_year: 2019,
    },
    GroupDef {
        code: "disabled_allowance",
        thai: "คนพิการ ได้รับเบี้ยความพิการ",
        description: "disabled people holding the disability allowance",
        schemes: &["disability_allowance"],
        member: |_, g| g.contains(Groups::DISABLED),
        reported: 0.756,
        reported_year: 2018,
    },
    GroupDef {
        code: "informal_s39_s40",
        thai: "แรงงานนอกระบบ ในประกันสังคม ม.39/ม.40",
        description: "informal workers in social security sections 39 or 40",
        schemes: &["sso_s39", "sso_s40_opt1", "sso_s40_opt2", "sso_s40_opt3"],
        member: |_, g| g.contains(Groups::INFORMAL_WORKER),
        reported: 0.207,
        reported_year: 2018,
    },
];

/// Counts of one province while they are gathered.
#[derive(Default)]
struct ProvinceTally {
    persons: u64,
    covered_any: u64,
    fall_through: u64,
    status_problems: u64,
    remedies: Vec<u64>,
    group_members: [u64; 4],
    group_covered: [u64; 4],
    gaps: [u64; 9],
}

impl ProvinceTally {
    fn merge(&mut self, o: ProvinceTally) {
        self.persons += o.persons;
        self.covered_any += o.covered_any;
        self.fall_through += o.fall_through;
        self.status_problems += o.status_problems;
        add_counts(&mut self.remedies, &o.remedies);
        add_counts(&mut self.group_members, &o.group_members);
        add_counts(&mut self.group_covered, &o.group_covered);
        add_counts(&mut self.gaps, &o.gaps);
    }
}

/// The counts [`Indicators::compute`] gathers over the persons.
struct Tally<'p> {
    in_scope: [u64; 9],
    covered: [u64; 9],
    gaps: [u64; 9],
    group_members: [u64; 4],
    group_cov: [u64; 4],
    remedy_persons: Vec<u64>,
    gap_by_group: BTreeMap<&'static str, [u64; 9]>,
    prov: BTreeMap<&'p str, ProvinceTally>,
    alive: u64,
    dead: u64,
    any: u64,
    all: u64,
    gap_persons: u64,
    listed: u64,
    status: u64,
}

impl<'p> Tally<'p> {
    fn new(remedies: usize) -> Self {
        Tally {
            in_scope: [0; 9],
            covered: [0; 9],
            gaps: [0; 9],
            group_members: [0; 4],
            group_cov: [0; 4],
            remedy_persons: vec![0; remedies],
            gap_by_group: BTreeMap::new(),
            prov: BTreeMap::new(),
            alive: 0,
            dead: 0,
            any: 0,
            all: 0,
            gap_persons: 0,
            listed: 0,
            status: 0,
        }
    }

    /// Counts one person: coverage `c` of their chosen row, their `age` and the
    /// row's `province`; `group_sets` are the schemes each group's target counts.
    fn add(
        &mut self,
        c: &RowCoverage,
        age: Option<u32>,
        province: Option<&'p str>,
        group_sets: &[SchemeSet],
    ) {
        if c.status == PersonStatus::Dead {
            self.dead += 1;
            return;
        }
        self.alive += 1;
        let is_any = !c.covered.is_empty();
        self.any += u64::from(is_any);
        self.all += u64::from(c.missing.is_empty());
        self.gap_persons += u64::from(!c.structural.is_empty());
        for p in c.in_scope.iter() {
            self.in_scope[p as usize] += 1;
            self.covered[p as usize] += u64::from(c.covered.contains(p));
        }
        add_gaps(&mut self.gaps, c.structural);
        for (g, name) in Groups::ALL {
            if c.groups.contains(g) && !c.structural.is_empty() {
                add_gaps(self.gap_by_group.entry(name).or_default(), c.structural);
            }
        }
        let code = province.unwrap_or("unknown");
        let n_remedies = self.remedy_persons.len();
        let t = self.prov.entry(code).or_insert_with(|| ProvinceTally {
            remedies: vec![0; n_remedies],
            ..ProvinceTally::default()
        });
        t.persons += 1;
        t.covered_any += u64::from(is_any);
        add_gaps(&mut t.gaps, c.structural);
        let on_list = match c.status {
            PersonStatus::Thai if !c.remedies.is_empty() => {
                self.listed += 1;
                t.fall_through += 1;
                true
            }
            PersonStatus::StatusProblem => {
                self.status += 1;
                t.status_problems += 1;
                true
            }
            _ => false,
        };
        if on_list {
            for i in c.remedies.iter() {
                self.remedy_persons[i] += 1;
                t.remedies[i] += 1;
            }
        }
        for (i, g) in GROUPS.iter().enumerate() {
            if (g.member)(age, c.groups) {
                let cov = u64::from(!c.direct().intersection(group_sets[i]).is_empty());
                self.group_members[i] += 1;
                self.group_cov[i] += cov;
                t.group_members[i] += 1;
                t.group_covered[i] += cov;
            }
        }
    }

    fn merge(mut self, o: Tally<'p>) -> Self {
        add_counts(&mut self.in_scope, &o.in_scope);
        add_counts(&mut self.covered, &o.covered);
        add_counts(&mut self.gaps, &o.gaps);
        add_counts(&mut self.group_members, &o.group_members);
        add_counts(&mut self.group_cov, &o.group_cov);
        add_counts(&mut self.remedy_persons, &o.remedy_persons);
        for (g, counts) in o.gap_by_group {
            add_counts(self.gap_by_group.entry(g).or_default(), &counts);
        }
        for (code, t) in o.prov {
            match self.prov.entry(code) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(t);
                }
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(t),
            }
        }
        self.alive += o.alive;
        self.dead += o.dead;
        self.any += o.any;
        self.all += o.all;
        self.gap_persons += o.gap_persons;
        self.listed += o.listed;
        self.status += o.status;
        self
    }
}

/// Adds `more` to `counts`, entry by entry.
fn add_counts(counts: &mut [u64], more: &[u64]) {
    for (c, m) in counts.iter_mut().zip(more) {
        *c += m;
    }
}

fn gap_map(counts: &[u64; 9]) -> BTreeMap<String, u64> {
    Protection::ALL
        .iter()
        .filter(|p| counts[**p as usize] > 0)
        .map(|p| (p.code().to_string(), counts[*p as usize]))
        .collect()
}

fn add_gaps(counts: &mut [u64; 9], gaps: ProtectionSet) {
    for p in gaps.iter() {
        counts[p as usize] += 1;
    }
}

impl Indicators {
    /// Computes the measures. `province` gives a population row's province code
    /// (`None` counts the row under `unknown`; `|_| None` when there are none). It
    /// is asked once a row, so a national base needs no table of them. `persons`
    /// and `coverage` are those given to and returned by [`crate::compute`].
    /// Province names are filled in later by the caller
    /// ([`Indicators::name_provinces`]).
    pub fn compute<'p>(
        catalog: &Catalog,
        entitlements: &Entitlements,
        persons: &[PersonFacts],
        coverage: &Coverage,
        province: impl Fn(usize) -> Option<&'p str> + Sync,
        reference: Date,
    ) -> Result<Indicators, Error> {
        let n = persons.len();
        if coverage.rows.len() != n {
            return Err(Error::LengthMismatch {
                what: "coverage rows",
                expected: n,
                found: coverage.rows.len(),
            });
        }
        let group_sets: Vec<SchemeSet> = GROUPS
            .iter()
            .map(|g| g.schemes.iter().filter_map(|s| catalog.id(s)).collect())
            .collect();
        let n_remedies = entitlements.remedies().len();
        // Sums over the persons, a chunk at a time in parallel: counts add up
        // the same in any order.
        let tally = coverage
            .people
            .par_chunks(1 << 16)
            .map(|chunk| {
                let mut t = Tally::new(n_remedies);
                for &row in chunk {
                    let row = row as usize;
                    if let Some(c) = coverage.rows.get(row) {
                        t.add(c, persons[row].age, province(row), &group_sets);
                    }
                }
                t
            })
            .reduce(|| Tally::new(n_remedies), Tally::merge);
        let Tally {
            in_scope,
            covered,
            gaps,
            group_members,
            group_cov,
            remedy_persons,
            gap_by_group,
            prov,
            alive,
            dead,
            any,
            all,
            gap_persons,
            listed,
            status,
        } = tally;
        let remedy_counts = |counts: &[u64]| -> Vec<RemedyCount> {
            entitlements
                .remedies()
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|(r, n)| RemedyCount {
                    code: r.code.clone(),
                    thai: r.thai.clone(),
                    office_thai: r.office_thai.clone(),
                    persons: *n,
                })
                .collect()
        };
        let provinces: Vec<ProvinceIndicator> = prov
            .iter()
            .map(|(code, t)| ProvinceIndicator {
                code: code.to_string(),
                name: None,
                persons: t.persons,
                covered_any: t.covered_any,
                covered_any_share: share(t.covered_any, t.persons),
                fall_through: t.fall_through,
                status_problems: t.status_problems,
                remedies: remedy_counts(&t.remedies),
                groups: GROUPS
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        let s = share(t.group_covered[i], t.group_members[i]);
                        GroupCount {
                            code: g.code.to_string(),
                            members: t.group_members[i],
                            covered: t.group_covered[i],
                            share: s,
                            meets_target: s.map(|s| s >= TARGET),
                        }
                    })
                    .collect(),
                structural_gaps: gap_map(&t.gaps),
            })
            .collect();
        let structural_gaps = StructuralGaps {
            persons: gap_persons,
            by_protection: gap_map(&gaps),
            by_group: gap_by_group
                .iter()
                .map(|(g, c)| (g.to_string(), gap_map(c)))
                .collect(),
            by_province: prov
                .iter()
                .filter(|(_, t)| t.gaps.iter().any(|g| *g > 0))
                .map(|(code, t)| (code.to_string(), gap_map(&t.gaps)))
                .collect(),
        };
        Ok(Indicators {
            reference_date: reference,
            rows: n as u64,
            persons: alive,
            covered_any: any,
            covered_any_share: share(any, alive),
            covered_all_in_scope: all,
            covered_all_in_scope_share: share(all, alive),
            protections: Protection::ALL
                .iter()
                .map(|&p| ProtectionIndicator {
                    code: p.code().to_string(),
                    thai: p.thai().to_string(),
                    in_scope: in_scope[p as usize],
                    covered: covered[p as usize],
                    share: share(covered[p as usize], in_scope[p as usize]),
                    structural_gaps: gaps[p as usize],
                })
                .collect(),
            groups: GROUPS
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let s = share(group_cov[i], group_members[i]);
                    GroupIndicator {
                        code: g.code.to_string(),
                        thai: g.thai.to_string(),
                        description: g.description.to_string(),
                        schemes: g.schemes.iter().map(|s| s.to_string()).collect(),
                        members: group_members[i],
                        covered: group_cov[i],
                        share: s,
                        target: TARGET,
                        meets_target: s.map(|s| s >= TARGET),
                        reported: g.reported,
                        reported_year: g.reported_year,
                    }
                })
                .collect(),
            remedies: remedy_counts(&remedy_persons),
            provinces,
            structural_gaps,
            fall_through_persons: listed,
            fall_through_households: coverage.households.len() as u64,
            status_problem_persons: status,
            dead_persons: dead,
            overlap_persons: coverage.overlaps.len() as u64,
            enrolments: coverage.enrolments.clone(),
        })
    }

    /// Fills in the provinces' names from `name(code)`.
    pub fn name_provinces(&mut self, name: impl Fn(&str) -> Option<String>) {
        for p in &mut self.provinces {
            p.name = name(&p.code);
        }
    }
}

fn pct(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_string(), |s| format!("{:.1}%", s * 100.0))
}

/// A plain-text summary for the terminal.
pub fn render_table(ind: &Indicators) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        o,
        "Coverage on {}: {} persons ({} rows; {} deceased left out)",
        ind.reference_date, ind.persons, ind.rows, ind.dead_persons
    );
    let _ = writeln!(
        o,
        "  covered by at least one protection  {:>7}",
        pct(ind.covered_any_share)
    );
    let _ = writeln!(
        o,
        "  covered for all in scope            {:>7}",
        pct(ind.covered_all_in_scope_share)
    );
    let _ = writeln!(
        o,
        "  fall-through list: {} persons in {} households; status problems: {}; overlaps: {}",
        ind.fall_through_persons,
        ind.fall_through_households,
        ind.status_problem_persons,
        ind.overlap_persons
    );
    let e = &ind.enrolments;
    let _ = writeln!(
        o,
        "  enrolments: {} linked, {} used, {} ended, {} out of period, {} unknown scheme",
        e.total, e.used, e.inactive, e.out_of_period, e.unknown_scheme
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<20} {:>10} {:>10} {:>7} {:>10}",
        "protection", "in scope", "covered", "share", "no remedy"
    );
    for p in &ind.protections {
        let _ = writeln!(
            o,
            "{:<20} {:>10} {:>10} {:>7} {:>10}",
            p.code,
            p.in_scope,
            p.covered,
            pct(p.share),
            p.structural_gaps
        );
    }
    if !ind.remedies.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{:<22} {:>9}  who acts", "remedy", "persons");
        for r in &ind.remedies {
            let _ = writeln!(o, "{:<22} {:>9}  {}", r.code, r.persons, r.office_thai);
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<28} {:>9} {:>9} {:>7} {:>7} {:>9}",
        "group", "members", "covered", "share", "target", "reported"
    );
    for g in &ind.groups {
        let mark = match g.meets_target {
            Some(false) => " (below)",
            _ => "",
        };
        let _ = writeln!(
            o,
            "{:<28} {:>9} {:>9} {:>7} {:>7} {:>9}{mark}",
            g.code,
            g.members,
            g.covered,
            pct(g.share),
            pct(Some(g.target)),
            pct(Some(g.reported)),
        );
    }
    if !ind.provinces.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:<6} {:<24} {:>9} {:>9} {:>8} {:>8}",
            "code", "province", "persons", "covered", "listed", "status"
        );
        for p in &ind.provinces {
            let _ = writeln!(
                o,
                "{:<6} {:<24} {:>9} {:>9} {:>8} {:>8}",
                p.code,
                p.name.as_deref().unwrap_or("-"),
                p.persons,
                pct(p.covered_any_share),
                p.fall_through,
                p.status_problems
            );
        }
    }
    o
}
