//! Hard cases written by hand from the domain (how Thai registries go wrong),
//! never produced by this crate or `toklon_thai`: names in each other's fields,
//! Latin spellings people choose, a household member's ID on another member's
//! row. Each checks a level, a link or a merge decision end to end.

use crate::compare::{Field, FieldSpec, ID_CONFLICT, NAME_SWAPPED, NameThresholds, compare_pair};
use crate::dedupe::{DedupeConfig, dedupe};
use crate::model::{Model, PopulationIndex};
use crate::prepare::{PrepareOptions, Records};
use crate::testutil::{Row, table};
use crate::{LinkConfig, link};

fn records(source: &str, rows: &[Row<'_>]) -> Records {
    Records::from_table(&table(source, rows), &PrepareOptions::default()).0
}

/// Levels of `a` row 0 against `b` row 0, by field.
fn levels(a: &[Row<'_>], b: &[Row<'_>]) -> Vec<(Field, u8)> {
    let (a, b) = (records("a", a), records("b", b));
    let fields = FieldSpec::defaults();
    let lv = compare_pair(&fields, &NameThresholds::default(), &a, 0, &b, 0);
    fields
        .iter()
        .map(|f| f.field)
        .zip(lv.as_slice().iter().copied())
        .collect()
}

fn level(l: &[(Field, u8)], f: Field) -> u8 {
    l.iter().find(|(g, _)| *g == f).map_or(u8::MAX, |(_, l)| *l)
}

const ID: &str = "1101700207030";

fn row<'a>(id: Option<&'a str>, first: &'a str, last: &'a str, born: &'a str) -> Row<'a> {
    [
        id,
        Some(first),
        Some(last),
        None,
        Some(born),
        Some("100101"),
        Some("4"),
    ]
}

#[test]
fn names_in_each_others_fields_are_swapped_not_different() {
    let l = levels(
        &[row(None, "สมชาย", "ใจดี", "2530-03-15")],
        &[row(None, "ใจดี", "สมชาย", "2530-03-15")],
    );
    assert_eq!(level(&l, Field::FirstName), NAME_SWAPPED);
    assert_eq!(level(&l, Field::LastName), NAME_SWAPPED);
    // Romanized and swapped at once.
    let l = levels(
        &[row(None, "สมชาย", "ใจดี", "2530")],
        &[row(None, "Jaidee", "Somchay", "")],
    );
    assert_eq!(level(&l, Field::FirstName), NAME_SWAPPED);
    // One name moved to the other field and the other replaced: the crossing
    // counts once, on the first name.
    let l = levels(
        &[row(None, "สมชาย", "ใจดี", "2530")],
        &[row(None, "ใจดี", "มั่นคง", "2530")],
    );
    assert_eq!(level(&l, Field::FirstName), NAME_SWAPPED);
    assert_eq!(level(&l, Field::LastName), 5);
    // No crossing at all: different.
    let l = levels(
        &[row(None, "สมชาย", "ใจดี", "2530")],
        &[row(None, "วิชัย", "มั่นคง", "2530")],
    );
    assert_eq!(level(&l, Field::FirstName), 5);
}

#[test]
fn latin_spellings_people_choose_meet_the_thai_name() {
    // Thai in the base, a passport or informal spelling in the registry.
    for (thai, latin) in [
        ("บุญส่ง", "Boonsong"),
        ("ณัฐพล", "Nuttapol"),
        ("ศรีสุข", "Srisuk"),
        ("วิชัย", "Vichai"),
        ("ประเสริฐ", "Prasert"),
        ("พรรณี", "Pannee"),
        ("สุรชัย", "Surachai"),
        ("ชัยวัฒน์", "Chaiwat"),
        ("เกียรติศักดิ์", "Kiattisak"),
    ] {
        let l = levels(
            &[row(None, thai, "ใจดี", "2530")],
            &[row(None, latin, "Jaidee", "2530")],
        );
        assert!(level(&l, Field::FirstName) <= 2, "{thai} / {latin}: {l:?}");
    }
}

#[test]
fn a_shared_id_with_other_names_and_dates_is_a_conflict() {
    // A father's ID on his son's row: same ID, other first name, other date.
    let l = levels(
        &[row(Some(ID), "สมชาย", "ใจดี", "2525-01-10")],
        &[row(Some(ID), "ธนากร", "ใจดี", "2566-08-02")],
    );
    assert_eq!(level(&l, Field::NationalId), ID_CONFLICT);
    // The same ID with the same first name, or the same date, stays exact.
    let l = levels(
        &[row(Some(ID), "สมชาย", "ใจดี", "2525-01-10")],
        &[row(Some(ID), "สมชาย", "ใจดี", "2566-08-02")],
    );
    assert_eq!(level(&l, Field::NationalId), 1);
    let l = levels(
        &[row(Some(ID), "สมชาย", "ใจดี", "2525-01-10")],
        &[row(Some(ID), "ธนากร", "ใจดี", "2525-01-10")],
    );
    assert_eq!(level(&l, Field::NationalId), 1);
    // Sisters born in one year on other days; a wife with her husband's ID
    // (another sex, a partial date).
    let l = levels(
        &[row(Some(ID), "มาลี", "ใจดี", "2550-03-01")],
        &[row(Some(ID), "สุดา", "ใจดี", "2550-11-20")],
    );
    assert_eq!(level(&l, Field::NationalId), ID_CONFLICT);
    let husband = [
        Some(ID),
        Some("สมชาย"),
        Some("ใจดี"),
        Some("M"),
        Some("2525"),
        None,
        None,
    ];
    let wife = [
        Some(ID),
        Some("มาลี"),
        Some("ใจดี"),
        Some("F"),
        Some("2527"),
        None,
        None,
    ];
    assert_eq!(
        level(&levels(&[husband], &[wife]), Field::NationalId),
        ID_CONFLICT
    );
    // A year-only date in the same year is not a clear disagreement.
    let l = levels(
        &[row(Some(ID), "มาลี", "ใจดี", "2550-03-01")],
        &[row(Some(ID), "สุดา", "ใจดี", "2550")],
    );
    assert_eq!(level(&l, Field::NationalId), 1);
    // An unknown date is no evidence of a conflict.
    let l = levels(
        &[row(Some(ID), "สมชาย", "ใจดี", "2525-01-10")],
        &[row(Some(ID), "ธนากร", "ใจดี", "")],
    );
    assert_eq!(level(&l, Field::NationalId), 1);
}

/// A household of three in the base: the father with his ID, his son with the
/// father's ID entered on his row, a daughter without ID.
fn household() -> Vec<Row<'static>> {
    vec![
        [
            Some(ID),
            Some("สมชาย"),
            Some("ใจดี"),
            Some("M"),
            Some("2525-01-10"),
            Some("100101"),
            Some("4"),
        ],
        [
            Some(ID),
            Some("ธนากร"),
            Some("ใจดี"),
            Some("M"),
            Some("2566-08-02"),
            Some("100101"),
            Some("4"),
        ],
        [
            None,
            Some("มาลี"),
            Some("ใจดี"),
            Some("F"),
            Some("2560-02-14"),
            Some("100101"),
            Some("4"),
        ],
    ]
}

#[test]
fn a_shared_id_does_not_link_the_wrong_member() {
    let pop = records("p", &household());
    // The son's child-allowance row carries the father's ID too.
    let reg = records(
        "r",
        &[
            [
                Some(ID),
                Some("ธนากร"),
                Some("ใจดี"),
                Some("M"),
                Some("02/08/2566"),
                Some("100101"),
                None,
            ],
            [
                Some(ID),
                Some("นายสมชาย"),
                Some("ใจดี"),
                None,
                Some("2525-01-10"),
                None,
                None,
            ],
        ],
    );
    let cfg = LinkConfig::default();
    let model = Model::untrained(&cfg);
    let out = link(&pop, &reg, &cfg, Some(&model), &|_| {}).unwrap();
    let linked: Vec<(u32, u32)> = out
        .links
        .iter()
        .map(|l| (l.registry_row.0, l.population_row.0))
        .collect();
    assert_eq!(linked, vec![(0, 1), (1, 0)], "{:?}", out.unlinked);
}

#[test]
fn a_shared_id_does_not_merge_father_and_son() {
    let mut rows = household();
    // The father listed twice (a true duplicate: one row lacks the ID).
    rows.push([
        None,
        Some("นายสมชาย"),
        Some("ใจดี"),
        None,
        Some("10/01/2525"),
        Some("100101"),
        Some("4"),
    ]);
    let pop = records("p", &rows);
    let cfg = LinkConfig::default();
    let idx = PopulationIndex::build(&pop, &cfg).unwrap();
    let model = Model::untrained(&cfg);
    let guard = DedupeConfig {
        distinct_ids_differ: false,
        ..DedupeConfig::default()
    };
    let out = dedupe(&pop, &idx, &cfg, &model, &guard, &|_| {}).unwrap();
    assert_eq!(out.cluster_of_row, [0, 1, 2, 0].map(toklon_types::RowIdx));
}

#[test]
fn explain_names_the_conflict() {
    let pop = records("p", &household());
    let cfg = LinkConfig::default();
    let idx = PopulationIndex::build(&pop, &cfg).unwrap();
    let model = Model::untrained(&cfg);
    let x = crate::explain_pair(&pop, &idx, 0, &pop, 1, &cfg, &model).unwrap();
    let id = &x.terms[0];
    assert_eq!((id.field, id.level_name), (Field::NationalId, "conflict"));
    assert_eq!(id.partial_weight, 0.0);
    assert!(id.note.is_some_and(|n| n.contains("household")));
    assert!(x.probability < 0.5);
}
