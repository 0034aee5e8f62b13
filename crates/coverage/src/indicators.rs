//! The master plan's coverage measures, for `summary.json` and the reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use toklon_types::Protection;

use crate::{Catalog, Coverage, Day, EnrolmentCounts, Error, Groups, PersonFacts, SchemeSet};

/// The national target for the vulnerable groups (DOMAIN.md §1: 80%).
pub const TARGET: f64 = 0.80;

/// Per protection, over persons.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProtectionIndicator {
    pub code: &'static str,
    pub thai: &'static str,
    /// Persons eligible.
    pub eligible: u64,
    /// Eligible persons who are covered.
    pub covered: u64,
    /// `covered / eligible`; `None` when nobody is eligible.
    pub share: Option<f64>,
}

/// A vulnerable group and the scheme meant for it, against the national target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupIndicator {
    pub code: &'static str,
    pub thai: &'static str,
    pub description: &'static str,
    /// Holding any of these directly counts as covered.
    pub schemes: Vec<&'static str>,
    pub members: u64,
    pub covered: u64,
    pub share: Option<f64>,
    pub target: f64,
    pub meets_target: Option<bool>,
    /// The master plan's own figure, for comparison (DOMAIN.md §1).
    pub reported: f64,
    pub reported_year: u16,
}

/// Per province (of each person's first row; `unknown` when the row has none).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProvinceIndicator {
    pub code: String,
    pub persons: u64,
    pub covered_any: u64,
    pub covered_all_eligible: u64,
    /// `covered_all_eligible / persons`.
    pub share_all_eligible: Option<f64>,
    pub fall_through: u64,
}

/// Coverage measures of a run. Persons, not rows: duplicated rows count once.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicators {
    /// `YYYY-MM-DD`.
    pub reference_date: String,
    pub rows: u64,
    pub persons: u64,
    /// Persons covered by at least one protection.
    pub covered_any: u64,
    pub covered_any_share: Option<f64>,
    /// Persons covered for every protection they are eligible for.
    pub covered_all_eligible: u64,
    pub covered_all_eligible_share: Option<f64>,
    pub protections: Vec<ProtectionIndicator>,
    pub groups: Vec<GroupIndicator>,
    pub provinces: Vec<ProvinceIndicator>,
    pub fall_through_persons: u64,
    pub fall_through_households: u64,
    pub overlap_persons: u64,
    /// Persons from IDs starting 6-7 (non-Thai) or 0 (no status) with something
    /// missing: the allowances cannot reach them, so they are listed apart.
    pub fall_through_non_thai_or_no_status: u64,
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
        thai: "เด็กยากจน 0-6 ปี ได้รับเงินอุดหนุนเด็ก",
        description: "children aged 0-6 in poor households holding the child grant",
        schemes: &["child_grant"],
        member: |age, g| age.is_some_and(|a| a <= 6) && g.contains(Groups::POOR_HOUSEHOLD),
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

impl Indicators {
    /// Computes the measures. `provinces` holds each population row's province code
    /// (or is empty when there are none); `persons` and `coverage` are those given to
    /// and returned by [`crate::compute`].
    pub fn compute(
        catalog: &Catalog,
        persons: &[PersonFacts],
        coverage: &Coverage,
        provinces: &[Option<&str>],
        reference: Day,
    ) -> Result<Indicators, Error> {
        let n = persons.len();
        if coverage.rows.len() != n {
            return Err(Error::LengthMismatch {
                what: "coverage rows",
                expected: n,
                found: coverage.rows.len(),
            });
        }
        if !provinces.is_empty() && provinces.len() != n {
            return Err(Error::LengthMismatch {
                what: "provinces",
                expected: n,
                found: provinces.len(),
            });
        }
        // Person-level view: the first row's facts, the union of eligibility and
        // groups over the person's rows.
        struct P {
            first: u32,
            eligible: toklon_types::ProtectionSet,
            groups: Groups,
        }
        let mut per: Vec<Option<P>> = (0..n).map(|_| None).collect();
        for (row, (p, c)) in persons.iter().zip(&coverage.rows).enumerate() {
            let Some(slot) = per.get_mut(p.person as usize) else {
                continue;
            };
            match slot {
                Some(x) => {
                    x.eligible = x.eligible.union(c.eligible);
                    x.groups = x.groups.union(c.groups);
                }
                None => {
                    *slot = Some(P {
                        first: row as u32,
                        eligible: c.eligible,
                        groups: c.groups,
                    })
                }
            }
        }
        let group_sets: Vec<SchemeSet> = GROUPS
            .iter()
            .map(|g| g.schemes.iter().filter_map(|s| catalog.id(s)).collect())
            .collect();
        let mut prot_elig = [0u64; 9];
        let mut prot_cov = [0u64; 9];
        let mut group_members = [0u64; 4];
        let mut group_cov = [0u64; 4];
        let mut prov: BTreeMap<&str, ProvinceIndicator> = BTreeMap::new();
        let (mut n_persons, mut any, mut all, mut ft, mut ft_alien) =
            (0u64, 0u64, 0u64, 0u64, 0u64);
        for p in per.iter().flatten() {
            let first = p.first as usize;
            let c = &coverage.rows[first];
            let missing = p.eligible.difference(c.covered);
            n_persons += 1;
            let is_any = !c.covered.is_empty();
            let is_all = missing.is_empty();
            any += u64::from(is_any);
            all += u64::from(is_all);
            ft += u64::from(!is_all);
            if !is_all
                && (p.groups.contains(Groups::NON_THAI) || p.groups.contains(Groups::NO_STATUS))
            {
                ft_alien += 1;
            }
            for pr in p.eligible.iter() {
                prot_elig[pr as usize] += 1;
                prot_cov[pr as usize] += u64::from(c.covered.contains(pr));
            }
            for (i, g) in GROUPS.iter().enumerate() {
                if (g.member)(persons[first].age, p.groups) {
                    group_members[i] += 1;
                    group_cov[i] += u64::from(!c.direct.intersection(group_sets[i]).is_empty());
                }
            }
            let code = provinces.get(first).copied().flatten().unwrap_or("unknown");
            let e = prov.entry(code).or_insert_with(|| ProvinceIndicator {
                code: code.to_string(),
                persons: 0,
                covered_any: 0,
                covered_all_eligible: 0,
                share_all_eligible: None,
                fall_through: 0,
            });
            e.persons += 1;
            e.covered_any += u64::from(is_any);
            e.covered_all_eligible += u64::from(is_all);
            e.fall_through += u64::from(!is_all);
        }
        let provinces = prov
            .into_values()
            .map(|mut p| {
                p.share_all_eligible = share(p.covered_all_eligible, p.persons);
                p
            })
            .collect();
        Ok(Indicators {
            reference_date: format!(
                "{:04}-{:02}-{:02}",
                reference.0 / 10_000,
                reference.0 / 100 % 100,
                reference.0 % 100
            ),
            rows: n as u64,
            persons: n_persons,
            covered_any: any,
            covered_any_share: share(any, n_persons),
            covered_all_eligible: all,
            covered_all_eligible_share: share(all, n_persons),
            protections: Protection::ALL
                .iter()
                .map(|&p| ProtectionIndicator {
                    code: p.code(),
                    thai: p.thai(),
                    eligible: prot_elig[p as usize],
                    covered: prot_cov[p as usize],
                    share: share(prot_cov[p as usize], prot_elig[p as usize]),
                })
                .collect(),
            groups: GROUPS
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let s = share(group_cov[i], group_members[i]);
                    GroupIndicator {
                        code: g.code,
                        thai: g.thai,
                        description: g.description,
                        schemes: g.schemes.to_vec(),
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
            provinces,
            fall_through_persons: ft,
            fall_through_households: coverage
                .households
                .iter()
                .filter(|h| h.uncovered_members > 0)
                .count() as u64,
            overlap_persons: coverage.overlaps.len() as u64,
            fall_through_non_thai_or_no_status: ft_alien,
            enrolments: coverage.enrolments.clone(),
        })
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
        "Coverage on {}: {} persons ({} rows)",
        ind.reference_date, ind.persons, ind.rows
    );
    let _ = writeln!(
        o,
        "  covered by at least one protection  {:>7}",
        pct(ind.covered_any_share)
    );
    let _ = writeln!(
        o,
        "  covered for all eligible            {:>7}",
        pct(ind.covered_all_eligible_share)
    );
    let _ = writeln!(
        o,
        "  fall-through: {} persons in {} households ({} non-Thai or without status); overlaps: {}",
        ind.fall_through_persons,
        ind.fall_through_households,
        ind.fall_through_non_thai_or_no_status,
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
        "{:<20} {:>10} {:>10} {:>7}",
        "protection", "eligible", "covered", "share"
    );
    for p in &ind.protections {
        let _ = writeln!(
            o,
            "{:<20} {:>10} {:>10} {:>7}",
            p.code,
            p.eligible,
            p.covered,
            pct(p.share)
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<28} {:>9} {:>9} {:>7} {:>7} {:>9}",
        "group", "members", "covered", "share", "target", "reported"
    );
    for g in &ind.groups {
        let mark = match g.meets_target {
            Some(true) => "",
            Some(false) => " (below)",
            None => "",
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
            "{:<10} {:>9} {:>12} {:>9} {:>12}",
            "province", "persons", "all covered", "share", "fall-through"
        );
        for p in &ind.provinces {
            let _ = writeln!(
                o,
                "{:<10} {:>9} {:>12} {:>9} {:>12}",
                p.code,
                p.persons,
                p.covered_all_eligible,
                pct(p.share_all_eligible),
                p.fall_through
            );
        }
    }
    o
}
