//! The true remedies of each person: the schemes they are entitled to and do not
//! hold, under the default entitlement table of DOMAIN.md §2a, from the true world
//! (true facts, true holdings at the reference date).
//!
//! Written from the domain text, independently of `toklon-coverage` (the code that
//! `toklon eval` scores against this truth): the generator must not agree with the
//! engine by construction.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{BooleanBuilder, ListBuilder, StringBuilder};
use arrow_schema::{DataType, Field};
use toklon_types::{Employment, Protection};

use crate::scheme::Scheme;
use crate::world::{Person, TrueCoverage};

/// A remedy code of the §2a table, in the table's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Remedy {
    Ucs,
    Oaa,
    DisabilityAllowance,
    ChildGrant,
    /// Section 40 as a whole (the person picks an option).
    SsoS40,
    Nsf,
    SsoS33,
    Wcf,
}

impl Remedy {
    pub const ALL: [Remedy; 8] = [
        Remedy::Ucs,
        Remedy::Oaa,
        Remedy::DisabilityAllowance,
        Remedy::ChildGrant,
        Remedy::SsoS40,
        Remedy::Nsf,
        Remedy::SsoS33,
        Remedy::Wcf,
    ];

    /// The remedy code (DOMAIN.md §2a).
    pub fn code(self) -> &'static str {
        match self {
            Remedy::Ucs => "ucs",
            Remedy::Oaa => "oaa",
            Remedy::DisabilityAllowance => "disability_allowance",
            Remedy::ChildGrant => "child_grant",
            Remedy::SsoS40 => "sso_s40",
            Remedy::Nsf => "nsf",
            Remedy::SsoS33 => "sso_s33",
            Remedy::Wcf => "wcf",
        }
    }
}

/// A person's true remedies and whether their legal status must be resolved first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TrueRemedies {
    /// In [`Remedy::ALL`] order.
    pub remedies: Vec<Remedy>,
    /// ID of person type 6, 7 or 0 (aliens, people without status): the
    /// status-problems list, where only the employer remedies apply.
    pub status_problem: bool,
}

/// The true facts the entitlement rules read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Facts {
    /// A valid ID of person type 1–5 or 8.
    pub thai: bool,
    /// Age in whole years at the reference date.
    pub age: u32,
    pub disabled: bool,
    pub employment: Employment,
    /// The household is deprived in some TPMAP dimension (any `dep_*` flag).
    pub poor: bool,
}

impl Facts {
    pub fn of(p: &Person, poor: bool) -> Facts {
        Facts {
            thai: p.is_thai(),
            age: p.age,
            disabled: p.disabled,
            employment: p.employment,
            poor,
        }
    }
}

/// The §2a table applied to one person; `cov` is what they hold and what reaches
/// them through the household.
///
/// The generator's people all have a known age, employment and a valid true ID, and
/// none has died, so the rules for unknown facts and for the dead never fire here.
pub(crate) fn true_remedies(p: &Facts, cov: &TrueCoverage) -> TrueRemedies {
    let holds = |s: Scheme| cov.direct.contains(&s);
    let holds_any = |l: &[Scheme]| l.iter().any(|&s| holds(s));
    let (thai, age, poor) = (p.thai, p.age, p.poor);
    // A civil servant or state pensioner holds CSMBS directly as its principal (the
    // generator writes principals' rows only).
    let civil_servant = holds(Scheme::Csmbs);
    let csmbs_dependant = cov.via.contains(&Scheme::Csmbs);
    let formal = p.employment == Employment::Formal;
    let informal = p.employment == Employment::Informal;
    let s40 = [Scheme::SsoS40Opt1, Scheme::SsoS40Opt2, Scheme::SsoS40Opt3];

    let mut out = Vec::new();
    let mut add = |r: Remedy, entitled: bool| {
        if entitled {
            out.push(r);
        }
    };
    add(
        Remedy::Ucs,
        thai && !holds_any(&[Scheme::SsoS33, Scheme::SsoS39, Scheme::Csmbs])
            && !csmbs_dependant
            && !holds(Scheme::Ucs),
    );
    add(
        Remedy::Oaa,
        thai && age >= 60 && !civil_servant && !holds(Scheme::Oaa),
    );
    add(
        Remedy::DisabilityAllowance,
        thai && p.disabled && !holds(Scheme::DisabilityAllowance),
    );
    add(
        Remedy::ChildGrant,
        thai && age <= 5
            && poor
            && !cov.via_covered.contains(Protection::FamilyChild)
            && !holds(Scheme::ChildGrant),
    );
    add(
        Remedy::SsoS40,
        thai && (15..=65).contains(&age)
            && informal
            && !holds_any(&[Scheme::SsoS33, Scheme::SsoS39])
            && !holds_any(&s40),
    );
    add(
        Remedy::Nsf,
        thai && (15..=60).contains(&age)
            && informal
            && !civil_servant
            && !holds_any(&[
                Scheme::SsoS33,
                Scheme::SsoS39,
                Scheme::SsoS40Opt2,
                Scheme::SsoS40Opt3,
                Scheme::Nsf,
            ]),
    );
    // The employer remedies do not depend on nationality.
    let employee = formal && (15..=59).contains(&age) && !civil_servant;
    add(Remedy::SsoS33, employee && !holds(Scheme::SsoS33));
    add(Remedy::Wcf, employee && !holds(Scheme::Wcf));
    TrueRemedies {
        remedies: out,
        status_problem: !thai,
    }
}

/// The truth's `remedies` (list of codes) and `status_problem` columns, built row
/// by row.
pub(crate) struct RemedyCols {
    remedies: ListBuilder<StringBuilder>,
    status_problem: BooleanBuilder,
}

impl RemedyCols {
    pub fn new() -> Self {
        RemedyCols {
            remedies: ListBuilder::new(StringBuilder::new()).with_field(list_item()),
            status_problem: BooleanBuilder::new(),
        }
    }

    pub fn push(&mut self, r: &TrueRemedies) {
        for x in &r.remedies {
            self.remedies.values().append_value(x.code());
        }
        self.remedies.append(true);
        self.status_problem.append_value(r.status_problem);
    }

    /// Appends the two columns, in the truth schema's order.
    pub fn finish(mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.remedies.finish()));
        out.push(Arc::new(self.status_problem.finish()));
    }
}

/// The item field of the `remedies` list column (Arrow's conventional `item`;
/// a remedy is never null).
pub(crate) fn list_item() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Utf8, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_types::ProtectionSet;

    /// A person whose ID starts with `id0`, not disabled, in a household that is not
    /// poor.
    fn person(id0: u8, age: u32, employment: Employment) -> Facts {
        Facts {
            thai: matches!(id0, 1..=5 | 8),
            age,
            disabled: false,
            employment,
            poor: false,
        }
    }

    fn poor(mut f: Facts) -> Facts {
        f.poor = true;
        f
    }

    fn holding(direct: &[Scheme]) -> TrueCoverage {
        TrueCoverage {
            direct: direct.to_vec(),
            ..TrueCoverage::default()
        }
    }

    fn codes(r: &TrueRemedies) -> Vec<&'static str> {
        r.remedies.iter().map(|r| r.code()).collect()
    }

    #[test]
    fn informal_thai_worker_without_schemes() {
        let p = person(1, 40, Employment::Informal);
        let r = true_remedies(&p, &holding(&[]));
        assert_eq!(codes(&r), ["ucs", "sso_s40", "nsf"]);
        assert!(!r.status_problem);
        // s40 option 1 closes s40 but not the NSF (no old-age saving).
        let r = true_remedies(&p, &holding(&[Scheme::Ucs, Scheme::SsoS40Opt1]));
        assert_eq!(codes(&r), ["nsf"]);
        let r = true_remedies(&p, &holding(&[Scheme::Ucs, Scheme::SsoS40Opt2]));
        assert!(codes(&r).is_empty());
        // Aged 61–65: s40 still, NSF no more.
        let r = true_remedies(&person(1, 63, Employment::Informal), &holding(&[]));
        assert_eq!(codes(&r), ["ucs", "oaa", "sso_s40"]);
    }

    #[test]
    fn civil_servants_and_their_dependants() {
        let p = person(3, 64, Employment::NotWorking);
        let r = true_remedies(&p, &holding(&[Scheme::Csmbs]));
        assert!(codes(&r).is_empty(), "a state pensioner gets no OAA");
        let dependant = TrueCoverage {
            via: vec![Scheme::Csmbs],
            ..TrueCoverage::default()
        };
        let r = true_remedies(&person(3, 64, Employment::NotWorking), &dependant);
        assert_eq!(
            codes(&r),
            ["oaa"],
            "a pensioner's parent: no UCS, but the OAA"
        );
        let cs = person(1, 40, Employment::Formal);
        assert!(codes(&true_remedies(&cs, &holding(&[Scheme::Csmbs]))).is_empty());
    }

    #[test]
    fn employees_and_aliens() {
        let p = person(1, 30, Employment::Formal);
        let r = true_remedies(&p, &holding(&[Scheme::SsoS33]));
        assert_eq!(codes(&r), ["wcf"]);
        let alien = person(6, 30, Employment::Formal);
        let r = true_remedies(&alien, &holding(&[]));
        assert_eq!(codes(&r), ["sso_s33", "wcf"]);
        assert!(r.status_problem);
        let stateless = person(0, 70, Employment::Informal);
        let r = true_remedies(&poor(stateless), &holding(&[]));
        assert!(codes(&r).is_empty() && r.status_problem);
        // 60 is past the employer remedies' 15–59.
        let r = true_remedies(&person(1, 60, Employment::Formal), &holding(&[Scheme::Ucs]));
        assert_eq!(codes(&r), ["oaa"]);
    }

    #[test]
    fn child_grant_needs_a_poor_household_and_stops_at_six() {
        let kid = person(1, 5, Employment::NotWorking);
        let r = true_remedies(&poor(kid), &holding(&[Scheme::Ucs]));
        assert_eq!(codes(&r), ["child_grant"]);
        assert!(codes(&true_remedies(&kid, &holding(&[Scheme::Ucs]))).is_empty());
        let six = person(1, 6, Employment::Student);
        assert!(codes(&true_remedies(&poor(six), &holding(&[Scheme::Ucs]))).is_empty());
        // A child allowance through a parent's s33 closes it.
        let via = TrueCoverage {
            direct: vec![Scheme::Ucs],
            via: vec![Scheme::SsoS33],
            via_covered: [Protection::FamilyChild, Protection::Dependents]
                .into_iter()
                .collect::<ProtectionSet>(),
            ..TrueCoverage::default()
        };
        assert!(codes(&true_remedies(&poor(kid), &via)).is_empty());
        // Non-Thai children get no allowance.
        let alien = person(7, 3, Employment::NotWorking);
        assert!(codes(&true_remedies(&poor(alien), &holding(&[]))).is_empty());
    }

    #[test]
    fn disabled_thai_get_the_allowance() {
        let mut p = person(1, 30, Employment::NotWorking);
        p.disabled = true;
        let r = true_remedies(&p, &holding(&[Scheme::Ucs]));
        assert_eq!(codes(&r), ["disability_allowance"]);
        let r = true_remedies(&p, &holding(&[Scheme::Ucs, Scheme::DisabilityAllowance]));
        assert!(codes(&r).is_empty());
    }

    /// DOMAIN.md §2a: "about a quarter of a typical population is listed, mostly
    /// informal workers outside s39/s40". Counted over people in the world.
    #[test]
    fn about_a_quarter_of_a_typical_population_has_a_remedy() {
        use rand::SeedableRng;
        let n = 20_000;
        let cfg = crate::GenConfig::default_for(n, 42);
        let lx = crate::lexicon::Lexicon::embedded();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
        let w = crate::world::build_chunk(&lx, &cfg, 0, 0, n, &mut rng);
        let (mut listed, mut informal, mut status) = (0, 0, 0);
        for h in &w.households {
            for i in h.members.clone() {
                let t = crate::world::household_coverage(&w, &h.members, i);
                let r = true_remedies(&Facts::of(&w.people[i], h.poor()), &t);
                if !r.remedies.is_empty() {
                    listed += 1;
                    if w.people[i].employment == Employment::Informal {
                        informal += 1;
                    }
                }
                if r.status_problem {
                    status += 1;
                    assert!(
                        r.remedies
                            .iter()
                            .all(|x| matches!(x, Remedy::SsoS33 | Remedy::Wcf))
                    );
                }
            }
        }
        let share = listed as f64 / n as f64;
        assert!((0.18..0.35).contains(&share), "share with a remedy {share}");
        assert!(
            informal * 2 > listed,
            "informal workers are most of the list"
        );
        let status = status as f64 / n as f64;
        assert!((0.01..0.03).contains(&status), "status problems {status}");
    }
}
