//! Small hand-built tables for unit tests.

use toklon_types::{StrColumn, Table, columns as col};

/// One row: national_id, first, last, sex, birth_date, subdistrict, village.
pub(crate) type Row<'a> = [Option<&'a str>; 7];

pub(crate) fn table(source: &str, rows: &[Row<'_>]) -> Table {
    let names = [
        col::NATIONAL_ID,
        col::FIRST_NAME,
        col::LAST_NAME,
        col::SEX,
        col::BIRTH_DATE,
        col::SUBDISTRICT_CODE,
        col::VILLAGE_NO,
    ];
    let ids: Vec<String> = (0..rows.len()).map(|i| format!("{source}{i}")).collect();
    let mut t = Table {
        source: source.into(),
        rows: (1..=rows.len() as u32).collect(),
        ids: StrColumn::from_options(ids.iter().map(|s| Some(s.as_str()))).unwrap(),
        ..Table::default()
    };
    for (c, name) in names.iter().enumerate() {
        t.columns.insert(
            name,
            StrColumn::from_options(rows.iter().map(|r| r[c])).unwrap(),
        );
    }
    t
}
