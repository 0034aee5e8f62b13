//! Batched writes: a table longer than one batch comes back whole and in order.

use toklon_io::{BATCH_ROWS, OutColumn, OutTable, read_columns, write_parquet_batches};

#[test]
fn batched_parquet_and_csv_keep_every_row_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let rows = BATCH_ROWS * 2 + 17;
    let build = |r: std::ops::Range<usize>| {
        let names: Vec<String> = r.clone().map(|i| format!("r{i}")).collect();
        OutTable::new("t")
            .with(OutColumn::str("id", names.iter().map(|s| Some(s.as_str()))))
            .with(OutColumn::u32("n", r.map(|i| Some(i as u32))))
    };
    let path = dir.path().join("t.parquet");
    write_parquet_batches(&path, rows, build).unwrap();
    let cols = read_columns(&path, &["id", "n"]).unwrap();
    assert_eq!(cols[0].len(), rows);
    for i in [0, BATCH_ROWS - 1, BATCH_ROWS, rows - 1] {
        assert_eq!(cols[0].get(i), Some(format!("r{i}").as_str()));
        assert_eq!(cols[1].get(i), Some(i.to_string().as_str()));
    }

    // One whole table written through the batched CSV path.
    let whole = build(0..rows);
    let csv = dir.path().join("t.csv");
    whole.write_csv(&csv, &|h| h.to_uppercase()).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), rows + 1);
    assert_eq!(lines[0], "\u{feff}ID,N");
    assert_eq!(lines[BATCH_ROWS + 1], format!("r{BATCH_ROWS},{BATCH_ROWS}"));
    assert_eq!(lines[rows], format!("r{},{}", rows - 1, rows - 1));
}

#[test]
fn empty_and_ragged_tables() {
    let dir = tempfile::tempdir().unwrap();
    let empty = OutTable::new("e").with(OutColumn::str("id", std::iter::empty()));
    let path = dir.path().join("e.parquet");
    empty.write_parquet(&path).unwrap();
    assert_eq!(read_columns(&path, &["id"]).unwrap()[0].len(), 0);

    let ragged = OutTable::new("r")
        .with(OutColumn::u32("a", [Some(1), Some(2)]))
        .with(OutColumn::u32("b", [Some(1)]));
    assert!(ragged.write_parquet(&dir.path().join("r.parquet")).is_err());
    assert!(
        ragged
            .write_csv(&dir.path().join("r.csv"), &|h| h.into())
            .is_err()
    );
}

#[test]
fn csv_writers_take_rows_of_batches_in_turn() {
    // Rows of each batch dealt to two files by parity, as the province lists
    // are: each file gets its header once and its rows in order.
    let dir = tempfile::tempdir().unwrap();
    let (even, odd) = (dir.path().join("even.csv"), dir.path().join("odd.csv"));
    let mut w = [
        toklon_io::CsvWriter::create(&even).unwrap(),
        toklon_io::CsvWriter::create(&odd).unwrap(),
    ];
    let header = |h: &str| h.to_string();
    for start in [0u32, 5] {
        let t = OutTable::new("t")
            .with(OutColumn::u32("n", (start..start + 5).map(Some)))
            .with(OutColumn::str_list(
                "l",
                (start..start + 5).map(|i| if i % 3 == 0 { vec!["a", "b"] } else { vec![] }),
            ));
        let batch = toklon_io::CsvBatch::new(&t).unwrap();
        for row in 0..5usize {
            let n = start as usize + row;
            // A row past the batch is skipped, not an error.
            w[n % 2].write(&batch, [row, 99], &header).unwrap();
        }
    }
    for x in w {
        x.finish().unwrap();
    }
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
    assert_eq!(
        read(&even),
        "\u{feff}n,l\r\n0,a; b\r\n2,\r\n4,\r\n6,a; b\r\n8,\r\n"
    );
    assert_eq!(
        read(&odd),
        "\u{feff}n,l\r\n1,\r\n3,a; b\r\n5,\r\n7,\r\n9,a; b\r\n"
    );
}

#[test]
fn a_replaced_column_keeps_its_place_and_the_rest() {
    let t = OutTable::new("t")
        .with(OutColumn::str("id", [Some("1234567890123")]))
        .with(OutColumn::u32("n", [Some(7)]));
    let masked = t.replaced(OutColumn::str("id", [Some("*********0123")]));
    let names: Vec<&str> = masked.columns().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["id", "n"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    t.write_csv(&a, &|h| h.to_string()).unwrap();
    masked.write_csv(&b, &|h| h.to_string()).unwrap();
    assert!(
        std::fs::read_to_string(&a)
            .unwrap()
            .contains("1234567890123,7")
    );
    assert!(
        std::fs::read_to_string(&b)
            .unwrap()
            .contains("*********0123,7")
    );
    // No column of that name: unchanged.
    let same = t.replaced(OutColumn::str("other", [Some("x")]));
    assert_eq!(same.columns().len(), 2);
}

#[test]
fn csv_cells_are_quoted_exactly_when_needed_and_read_back_whole() {
    // Every cell that holds a delimiter, a quote or a line break, at the start,
    // the end or past the first 32 bytes (the quoting check works on chunks),
    // beside Thai text, empty and missing cells, numbers and lists.
    let long = format!("{}\"tail", "ก".repeat(30));
    let texts: Vec<Option<&str>> = vec![
        Some("plain"),
        Some("a,b"),
        Some("say \"hi\""),
        Some("two\nlines"),
        Some("cr\rhere"),
        Some(""),
        None,
        Some("สมชาย ใจดี"),
        Some(&long),
        Some("\"\""),
    ];
    let n = texts.len();
    let lists: Vec<Vec<&str>> = (0..n)
        .map(|i| match i % 3 {
            0 => vec!["x", "y"],
            1 => vec!["has,comma", "z"],
            _ => vec![],
        })
        .collect();
    let t = OutTable::new("t")
        .with(OutColumn::str("text", texts.iter().copied()))
        .with(OutColumn::u64(
            "big",
            (0..n).map(|i| Some(u64::MAX - i as u64)),
        ))
        .with(OutColumn::i32(
            "neg",
            (0..n).map(|i| (i % 2 == 0).then_some(-(i as i32))),
        ))
        .with(OutColumn::f64(
            "share",
            (0..n).map(|i| Some(i as f64 / 3.0)),
        ))
        .with(OutColumn::bool("flag", (0..n).map(|i| Some(i % 2 == 0))))
        .with(OutColumn::str_list("list", lists.clone()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.csv");
    t.write_csv(&path, &|h| {
        if h == "text" {
            "te,xt".into()
        } else {
            h.into()
        }
    })
    .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let body = std::str::from_utf8(&bytes)
        .unwrap()
        .strip_prefix('\u{feff}')
        .unwrap();
    // Quoted only where needed: the plain and Thai cells are bare.
    assert!(body.starts_with("\"te,xt\",big,neg,share,flag,list\r\nplain,"));
    assert!(body.contains("\r\n\"a,b\","));
    assert!(body.contains("\r\n\"say \"\"hi\"\"\","));
    assert!(body.contains("\r\nสมชาย ใจดี,"));
    assert!(body.contains("\r\n\"\"\"\"\"\","));
    // The csv crate reads every cell back as written.
    let mut r = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["te,xt", "big", "neg", "share", "flag", "list"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), n);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(&row[0], texts[i].unwrap_or(""), "row {i}");
        assert_eq!(row[1], (u64::MAX - i as u64).to_string());
        let neg = if i % 2 == 0 {
            (-(i as i32)).to_string()
        } else {
            String::new()
        };
        assert_eq!(row[2], neg);
        assert_eq!(&row[4], if i % 2 == 0 { "true" } else { "false" });
        assert_eq!(row[5], lists[i].join("; "));
    }
}
