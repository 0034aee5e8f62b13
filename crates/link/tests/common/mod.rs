//! A deterministic synthetic population and registry with known truth, for the
//! linkage tests and the `scale` example. Names are built from Thai syllables with
//! a skewed (Zipf-like) distribution so that common names exist, as in real data.
#![allow(dead_code)]

use std::collections::BTreeSet;

use toklon_thai::id::check_digit;
use toklon_types::{StrColumn, Table, columns as col};

const SYLLABLES: &[&str] = &[
    "สม",
    "ชาย",
    "ศรี",
    "วิ",
    "ชัย",
    "ประ",
    "ยุทธ",
    "มา",
    "นี",
    "สุ",
    "ดา",
    "พร",
    "ทิพ",
    "กมล",
    "อรุณ",
    "รัตน์",
    "นภา",
    "ธนา",
    "กร",
    "พล",
    "เพ็ญ",
    "จันทร์",
    "แก้ว",
    "ทอง",
    "บุญ",
    "มี",
    "สุข",
    "ใจ",
    "ดี",
    "รัก",
    "ไทย",
    "มั่น",
    "คง",
    "เจริญ",
    "วงศ์",
    "ศักดิ์",
    "สวัสดิ์",
    "อนันต์",
    "ปรีชา",
    "วัฒนา",
    "กิตติ",
    "นันท์",
    "ภู",
    "มิ",
    "อำ",
    "ไพ",
    "โชค",
    "เกียรติ",
];
/// Sound-alike swaps seen in real registries (DOMAIN.md §6).
const SWAPS: &[(char, char)] = &[
    ('ศ', 'ส'),
    ('ษ', 'ส'),
    ('ท', 'ธ'),
    ('พ', 'ภ'),
    ('น', 'ณ'),
    ('ร', 'ล'),
    ('ข', 'ค'),
    ('ด', 'ฎ'),
];

/// splitmix64: a counter-based generator, enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// Skewed index in `0..n`: small indices much more likely.
    pub fn skewed(&mut self, n: usize) -> usize {
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((x * x * x) * n as f64) as usize % n
    }
}

#[derive(Clone)]
pub struct Person {
    pub entity: u64,
    pub id: String,
    pub first: String,
    pub last: String,
    pub male: bool,
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub subdistrict: u32,
    pub village: u32,
}

fn thai_id(rng: &mut Rng) -> String {
    let mut d = [0u8; 12];
    d[0] = 1 + rng.below(3) as u8;
    for x in d.iter_mut().skip(1) {
        *x = rng.below(10) as u8;
    }
    let c = check_digit(&d);
    d.iter()
        .chain([c].iter())
        .map(|x| char::from(b'0' + x))
        .collect()
}

fn name(rng: &mut Rng, syllables: usize) -> String {
    (0..syllables)
        .map(|_| SYLLABLES[rng.skewed(SYLLABLES.len())])
        .collect()
}

fn person(rng: &mut Rng, entity: u64, family: Option<&Person>) -> Person {
    let male = rng.chance(0.5);
    let (last, subdistrict, village) = match family {
        Some(f) => (f.last.clone(), f.subdistrict, f.village),
        None => {
            let province = 10 + rng.below(87) as u32;
            let district = province * 100 + 1 + rng.below(10) as u32;
            (
                name(rng, 3),
                district * 100 + 1 + rng.below(8) as u32,
                1 + rng.below(15) as u32,
            )
        }
    };
    Person {
        entity,
        id: thai_id(rng),
        first: name(rng, 2),
        last,
        male,
        year: 1940 + rng.below(80) as i32,
        month: 1 + rng.below(12) as u8,
        day: 1 + rng.below(28) as u8,
        subdistrict,
        village,
    }
}

/// Sound-alike swap, deleted char, or dropped tone mark.
fn misspell(rng: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    for _ in 0..4 {
        match rng.below(3) {
            0 => {
                let hits: Vec<usize> = (0..chars.len())
                    .filter(|&i| SWAPS.iter().any(|&(a, b)| chars[i] == a || chars[i] == b))
                    .collect();
                if let Some(&i) = hits.get(rng.below(hits.len() as u64 + 1) as usize) {
                    let mut out = chars.clone();
                    let &(a, b) = SWAPS
                        .iter()
                        .find(|&&(a, b)| chars[i] == a || chars[i] == b)
                        .unwrap();
                    out[i] = if chars[i] == a { b } else { a };
                    return out.into_iter().collect();
                }
            }
            1 if chars.len() > 3 => {
                let i = 1 + rng.below(chars.len() as u64 - 1) as usize;
                let mut out = chars.clone();
                out.remove(i);
                return out.into_iter().collect();
            }
            _ => {
                let tones = ['่', '้', '๊', '๋', '์'];
                if chars.iter().any(|c| tones.contains(c)) {
                    return chars.iter().filter(|c| !tones.contains(c)).collect();
                }
            }
        }
    }
    s.to_owned()
}

pub struct Synth {
    pub population: Table,
    pub registry: Table,
    /// `(source, record_id, entity_id)`.
    pub truth: Vec<(String, String, String)>,
    /// Registry record ids whose ID is missing or wrong.
    pub hard: BTreeSet<(String, String)>,
}

struct Cols {
    ids: Vec<String>,
    cols: [Vec<Option<String>>; 8],
}

impl Cols {
    fn new() -> Cols {
        Cols {
            ids: Vec::new(),
            cols: Default::default(),
        }
    }
    fn push(&mut self, id: String, v: [Option<String>; 8]) {
        self.ids.push(id);
        for (c, x) in self.cols.iter_mut().zip(v) {
            c.push(x);
        }
    }
    fn table(self, source: &str) -> Table {
        let names = [
            col::NATIONAL_ID,
            col::PREFIX,
            col::FIRST_NAME,
            col::LAST_NAME,
            col::SEX,
            col::BIRTH_DATE,
            col::SUBDISTRICT_CODE,
            col::VILLAGE_NO,
        ];
        let mut t = Table {
            source: source.into(),
            rows: (1..=self.ids.len() as u32).collect(),
            ids: StrColumn::from_options(self.ids.iter().map(|s| Some(s.as_str()))).unwrap(),
            ..Table::default()
        };
        for (name, c) in names.iter().zip(&self.cols) {
            t.columns.insert(
                name,
                StrColumn::from_options(c.iter().map(|x| x.as_deref())).unwrap(),
            );
        }
        t
    }
}

/// `n_pop` people in families of about three (1% duplicated in the base) and
/// `n_reg` registry records (85% of base people, the rest unknown to the base)
/// with realistic noise: missing, mistyped, swapped and borrowed IDs, misspelled
/// names, glued titles, Buddhist-era dates in two writings, moves.
pub fn generate(n_pop: usize, n_reg: usize, seed: u64) -> Synth {
    let mut rng = Rng::new(seed);
    let mut people: Vec<Person> = Vec::with_capacity(n_pop);
    for k in 0..n_pop {
        let family = (k % 3 != 0).then(|| people[k - k % 3].clone());
        let p = person(&mut rng, k as u64, family.as_ref());
        people.push(p);
    }
    let mut truth = Vec::new();
    let mut pop = Cols::new();
    for p in &people {
        let copies = if rng.chance(0.01) { 2 } else { 1 };
        for c in 0..copies {
            let rid = format!("P{}_{c}", p.entity);
            truth.push(("population".into(), rid.clone(), format!("e{}", p.entity)));
            let title = if p.male { "นาย" } else { "นาง" };
            pop.push(
                rid,
                [
                    (c == 0 || rng.chance(0.5)).then(|| p.id.clone()),
                    (c == 0).then(|| title.to_owned()),
                    Some(if c == 0 {
                        p.first.clone()
                    } else {
                        format!("{title}{}", p.first)
                    }),
                    Some(p.last.clone()),
                    Some(if p.male { "M" } else { "F" }.to_owned()),
                    Some(format!("{}-{:02}-{:02}", p.year + 543, p.month, p.day)),
                    Some(p.subdistrict.to_string()),
                    Some(p.village.to_string()),
                ],
            );
        }
    }
    let mut reg = Cols::new();
    let mut hard = BTreeSet::new();
    for r in 0..n_reg {
        let outsider;
        let p: &Person = if rng.chance(0.85) && !people.is_empty() {
            &people[rng.below(people.len() as u64) as usize]
        } else {
            outsider = person(&mut rng, (n_pop + r) as u64, None);
            &outsider
        };
        let rid = format!("R{r}");
        truth.push(("reg".into(), rid.clone(), format!("e{}", p.entity)));
        let roll = rng.below(100);
        let id = match roll {
            0..68 => Some(if rng.chance(0.3) {
                format!(
                    "{}-{}-{}-{}-{}",
                    &p.id[..1],
                    &p.id[1..5],
                    &p.id[5..10],
                    &p.id[10..12],
                    &p.id[12..]
                )
            } else {
                p.id.clone()
            }),
            68..83 => None,
            83..91 => {
                let mut b = p.id.clone().into_bytes();
                let i = rng.below(13) as usize;
                b[i] = b'0' + ((b[i] - b'0' + 1 + rng.below(9) as u8) % 10);
                Some(String::from_utf8(b).unwrap())
            }
            91..96 => {
                let mut b = p.id.clone().into_bytes();
                let i = rng.below(12) as usize;
                b.swap(i, i + 1);
                Some(String::from_utf8(b).unwrap())
            }
            _ => {
                // A relative's ID (a parent's entered for a child).
                let fam = (p.entity - p.entity % 3) as usize;
                Some(
                    people
                        .get(fam)
                        .map_or_else(|| thai_id(&mut rng), |f| f.id.clone()),
                )
            }
        };
        if roll >= 68 && id.as_deref() != Some(p.id.as_str()) {
            hard.insert(("reg".to_owned(), rid.clone()));
        }
        let mut first = p.first.clone();
        if rng.chance(0.10) {
            first = misspell(&mut rng, &first);
        }
        if rng.chance(0.4) {
            first = format!(
                "{}{first}",
                if p.male {
                    "นาย"
                } else {
                    "นางสาว"
                }
            );
        }
        let mut last = p.last.clone();
        if rng.chance(0.08) {
            last = misspell(&mut rng, &last);
        } else if !p.male && rng.chance(0.03) {
            last = name(&mut rng, 3);
        }
        let be = p.year + 543;
        let birth = match rng.below(100) {
            0..45 => Some(format!("{be}-{:02}-{:02}", p.month, p.day)),
            45..85 => Some(format!("{:02}/{:02}/{be}", p.day, p.month)),
            85..90 => None,
            90..93 if p.day <= 12 => Some(format!("{be}-{:02}-{:02}", p.day, p.month)),
            93..97 => Some(format!("{}-{:02}-{:02}", be + 1, p.month, p.day)),
            _ => Some(format!("{be}-00-00")),
        };
        let (sd, village) = match rng.below(100) {
            0..70 => (Some(p.subdistrict.to_string()), Some(p.village.to_string())),
            70..80 => (None, None),
            _ => {
                let other =
                    &people[rng.below(people.len().max(1) as u64) as usize % people.len().max(1)];
                (Some(other.subdistrict.to_string()), None)
            }
        };
        reg.push(
            rid,
            [
                id,
                None,
                Some(first),
                Some(last),
                rng.chance(0.7)
                    .then(|| if p.male { "1" } else { "2" }.to_owned()),
                birth,
                sd,
                village,
            ],
        );
    }
    Synth {
        population: pop.table("population"),
        registry: reg.table("reg"),
        truth,
        hard,
    }
}

/// Scores a linkage outcome of `s.registry` against `s.population` with the
/// synthetic truth (overall, and for the records whose ID is missing or wrong).
pub fn evaluate_outcome(
    out: &toklon_link::LinkOutcome,
    s: &Synth,
) -> toklon_link::eval::EvalReport {
    let links: Vec<(&str, &str, &str)> = out
        .links
        .iter()
        .map(|l| {
            (
                "reg",
                s.registry.id(l.registry_row.get()),
                s.population.id(l.population_row.get()),
            )
        })
        .collect();
    let truth: Vec<(&str, &str, &str)> = s
        .truth
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    toklon_link::eval::evaluate(&links, &truth, &s.hard)
}
