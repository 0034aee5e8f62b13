//! Coverage over a synthetic base: 200 k rows in 50 k households, 300 k enrolments.

use criterion::{Criterion, criterion_group, criterion_main};
use toklon_coverage::{
    Catalog, Enrolment, Entitlements, HouseholdFacts, Indicators, Inputs, PersonFacts, RuleSets,
    Rules, compute,
};
use toklon_types::{Employment, Relationship, RowIdx};

fn build(n: u32) -> (Vec<PersonFacts>, Vec<HouseholdFacts>, Vec<Enrolment>) {
    let catalog = Catalog::builtin();
    let rels = [
        Relationship::Head,
        Relationship::Spouse,
        Relationship::Child,
        Relationship::Parent,
    ];
    let persons: Vec<PersonFacts> = (0..n)
        .map(|i| PersonFacts {
            household: Some(i / 4),
            relationship: Some(rels[(i % 4) as usize]),
            age: Some([40, 38, 5, 72][(i % 4) as usize] + i % 3),
            employment: Some(if i % 3 == 0 {
                Employment::Informal
            } else {
                Employment::Formal
            }),
            disabled: i % 50 == 0,
            thai_id: i % 40 != 0,
            // Every 100th row duplicates the row before it.
            person: RowIdx(if i % 100 == 99 { i - 1 } else { i }),
            ..PersonFacts::default()
        })
        .collect();
    let households: Vec<HouseholdFacts> = (0..n / 4 + 1)
        .map(|h| HouseholdFacts {
            deprived: [h % 7 == 0, false, false, h % 5 == 0, false],
        })
        .collect();
    let codes: Vec<&str> = catalog.schemes().iter().map(|s| s.code.as_str()).collect();
    let enrolments = (0..n + n / 2)
        .map(|i| Enrolment {
            person_row: RowIdx((i.wrapping_mul(2_654_435_761)) % n),
            scheme: catalog.scheme_ref(codes[(i as usize * 7) % codes.len()]),
            active: i % 10 != 0,
            valid_from: None,
            valid_to: None,
            dependant: false,
            thai_id: true,
        })
        .collect();
    (persons, households, enrolments)
}

fn bench(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let scope = Rules::builtin();
    let entitlements = Entitlements::builtin(&catalog).expect("built-in rules");
    let rules = RuleSets {
        catalog: &catalog,
        scope: &scope,
        entitlements: &entitlements,
    };
    let (persons, households, enrolments) = build(200_000);
    let reference = toklon_types::Date::ymd(2024, 6, 15).unwrap();
    let inputs = Inputs {
        persons: &persons,
        households: &households,
        enrolments: &enrolments,
        reference,
    };
    c.bench_function("compute_200k_rows", |b| b.iter(|| compute(rules, &inputs)));
    let cov = compute(rules, &inputs).expect("valid inputs");
    c.bench_function("indicators_200k_rows", |b| {
        b.iter(|| Indicators::compute(&catalog, &entitlements, &persons, &cov, |_| None, reference))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
