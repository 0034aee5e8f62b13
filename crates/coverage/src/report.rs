//! A self-contained HTML report: inline CSS and inline SVG, no script, no network,
//! no external fonts, so it opens from a USB stick in a provincial office. The
//! provinces' map is drawn by [`crate::map`].

use std::fmt::Write as _;

use crate::{Coverage, Entitlements, HouseholdFacts, Indicators, TARGET};

/// One household line of the report's tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HouseholdLine {
    pub household_id: String,
    /// The household's village and house number, as written.
    pub address: String,
    pub members: u32,
    pub listed_members: u32,
    /// The Thai names of the listed members' remedies.
    pub remedies: Vec<String>,
    pub deprived: [bool; 5],
    pub priority: u32,
}

/// The top fall-through households of one province.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvinceHouseholds {
    pub province: String,
    pub households: Vec<HouseholdLine>,
}

/// Where the report finds each household: indexed like the households slice given
/// to [`crate::compute`].
#[derive(Clone, Copy)]
pub struct HouseholdPlaces<'a> {
    pub ids: &'a [&'a str],
    /// Province code of household `i` (`unknown` when `None`). Asked once a
    /// listed household, so that no table over every household is needed.
    pub province: &'a dyn Fn(usize) -> Option<&'a str>,
    /// Village and house number of household `i`, ready to print. Asked only of
    /// the households the report shows: a national run has tens of millions.
    pub address: &'a dyn Fn(usize) -> String,
}

/// The `per_province` highest-priority households with someone listed, per
/// province. Provinces come out in code order.
pub fn top_households(
    coverage: &Coverage,
    entitlements: &Entitlements,
    places: HouseholdPlaces<'_>,
    per_province: usize,
) -> Vec<ProvinceHouseholds> {
    let mut out: std::collections::BTreeMap<&str, Vec<HouseholdLine>> = Default::default();
    // `coverage.households` is already in priority order.
    for h in &coverage.households {
        let i = h.household as usize;
        let province = (places.province)(i).unwrap_or("unknown");
        let list = out.entry(province).or_default();
        if list.len() < per_province {
            list.push(HouseholdLine {
                household_id: places.ids.get(i).copied().unwrap_or("").to_string(),
                address: (places.address)(i),
                members: h.members,
                listed_members: h.listed_members,
                remedies: h
                    .remedies
                    .iter()
                    .filter_map(|r| entitlements.get(r))
                    .map(|r| r.thai.clone())
                    .collect(),
                deprived: h.deprived,
                priority: h.priority,
            });
        }
    }
    out.into_iter()
        .map(|(p, households)| ProvinceHouseholds {
            province: p.to_string(),
            households,
        })
        .collect()
}

/// New and resolved people per province since the previous run.
fn changes_section(o: &mut String, ind: &Indicators, c: &ListChanges) {
    match &c.previous_as_of {
        Some(date) => {
            let _ = writeln!(
                o,
                "<h2>ความเปลี่ยนแปลงจากรอบก่อน (ข้อมูล ณ วันที่ {})</h2>",
                esc(date)
            );
        }
        None => {
            o.push_str("<h2>ความเปลี่ยนแปลงจากรอบก่อน</h2>\n<p>รอบแรก: ไม่มีรอบก่อนให้เทียบ ทุกคนในรายชื่อเป็นรายชื่อใหม่</p>\n");
        }
    }
    o.push_str("<table id=\"changes\">\n<tr><th>จังหวัด</th><th>ใหม่</th><th>ยังอยู่ในรายชื่อ</th><th>แก้ไขแล้ว (ได้รับสิทธิ)</th><th>ออกจากฐาน</th></tr>\n");
    let mut total = [0u64; 4];
    for (code, n) in &c.by_province {
        let _ = writeln!(
            o,
            "<tr data-province=\"{}\"><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(code),
            esc(&province_label(ind, code)),
            n[0],
            n[1],
            n[2],
            n[3]
        );
        for (t, v) in total.iter_mut().zip(n) {
            *t += v;
        }
    }
    let _ = writeln!(
        o,
        "<tr><th>รวม</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>\n</table>",
        total[0], total[1], total[2], total[3]
    );
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn pct(s: Option<f64>) -> String {
    s.map_or_else(|| "–".to_string(), |s| format!("{:.1}%", s * 100.0))
}

/// A province's name with its code beside it (`unknown`: no province code).
fn province_label(ind: &Indicators, code: &str) -> String {
    if code == "unknown" {
        return "ไม่ทราบจังหวัด".to_string();
    }
    match ind
        .provinces
        .iter()
        .find(|p| p.code == code)
        .and_then(|p| p.name.as_deref())
    {
        Some(name) => format!("{name} ({code})"),
        None => format!("จังหวัดรหัส {code}"),
    }
}

/// A link to the province's workbook, `provinces/<code>.xlsx` beside the report.
/// The engine writes one for every province with someone on the fall-through or the
/// status-problems list; the code is the engine's (two digits or `unknown`), checked
/// again here so that a link never leaves the output folder.
fn workbook_link(p: &crate::ProvinceIndicator) -> String {
    let safe =
        p.code == "unknown" || (p.code.len() == 2 && p.code.bytes().all(|b| b.is_ascii_digit()));
    if safe && (p.fall_through > 0 || p.status_problems > 0) {
        format!(
            " · <a class=\"workbook\" href=\"provinces/{code}.xlsx\">ไฟล์ Excel</a>",
            code = p.code
        )
    } else {
        String::new()
    }
}

struct Bar {
    label: String,
    note: String,
    share: Option<f64>,
    /// Where to draw a grey tick (the plan's reported figure), if any.
    reference: Option<f64>,
}

const LABEL_W: f64 = 300.0;
const BAR_W: f64 = 380.0;
const ROW_H: f64 = 28.0;

/// A horizontal bar chart as inline SVG; `target` draws a dashed line.
fn bar_chart(id: &str, title: &str, bars: &[Bar], target: Option<f64>) -> String {
    let h = ROW_H * bars.len() as f64 + 30.0;
    let w = LABEL_W + BAR_W + 150.0;
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg id="{id}" class="chart" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">"#,
        t = esc(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 10.0 + ROW_H * i as f64;
        let v = b.share.unwrap_or(0.0).clamp(0.0, 1.0);
        let below = target.is_some_and(|t| b.share.is_some_and(|s| s < t));
        let class = if below { "bar below" } else { "bar" };
        let _ = writeln!(
            o,
            r#"<text class="label" x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect class="track" x="{LABEL_W}" y="{y}" width="{BAR_W}" height="18"/><rect class="{class}" x="{LABEL_W}" y="{y}" width="{bw:.1}" height="18"><title>{label}: {p}</title></rect><text class="value" x="{vx}" y="{ty}">{p} {note}</text>"#,
            lx = LABEL_W - 8.0,
            ty = y + 14.0,
            label = esc(&b.label),
            bw = v * BAR_W,
            p = pct(b.share),
            note = esc(&b.note),
            vx = LABEL_W + BAR_W + 6.0,
        );
        if let Some(r) = b.reference {
            let x = LABEL_W + r.clamp(0.0, 1.0) * BAR_W;
            let _ = writeln!(
                o,
                r#"<line class="reported" x1="{x:.1}" x2="{x:.1}" y1="{y0}" y2="{y1}"><title>reported {p}</title></line>"#,
                y0 = y - 2.0,
                y1 = y + 20.0,
                p = pct(Some(r)),
            );
        }
    }
    if let Some(t) = target {
        let x = LABEL_W + t * BAR_W;
        let _ = writeln!(
            o,
            r#"<line class="target" x1="{x:.1}" x2="{x:.1}" y1="4" y2="{y2}"/><text class="target-label" x="{x:.1}" y="{ly}" text-anchor="middle">เป้าหมาย {p}</text>"#,
            y2 = h - 18.0,
            ly = h - 4.0,
            p = pct(Some(t)),
        );
    }
    o.push_str("</svg>\n");
    o
}

const CSS: &str = "
body{font-family:'Noto Sans Thai','Sarabun','Tahoma',sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
.kpi{display:flex;gap:1rem;flex-wrap:wrap}.kpi div{background:#f3f6f8;padding:.6rem 1rem;border-radius:6px}
.kpi b{display:block;font-size:1.4rem}.kpi div.headline{background:#e0f2ef}
.chart text{font-size:13px;fill:#222}.chart .value{fill:#444}
.track{fill:#eef1f3}.bar{fill:#2a9d8f}.bar.below{fill:#e76f51}
.target{stroke:#264653;stroke-width:2;stroke-dasharray:5 3}.reported{stroke:#888;stroke-width:3}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;font-size:.9rem}
th{background:#f3f6f8}td.n{text-align:right}td.below{color:#b23a1e;font-weight:bold}
";

/// Renders the report: the plan's headline (people covered by at least one
/// protection), coverage per protection over its in-scope population, the groups
/// against the 80% target (the plan's reported figure as a grey tick), the remedies
/// each office must act on, structural gaps, the provinces on a map ([`crate::map`]),
/// and per province (by name) the same, each province's row (`id="province-<code>"`)
/// linking to its workbook, then the top fall-through households per province.
/// UTF-8, `lang="th"`.
pub fn render_html(ind: &Indicators, top_households_per_province: &[ProvinceHouseholds]) -> String {
    render_html_with(ind, top_households_per_province, None, None)
}

/// What changed on the fall-through list since the previous run, per province:
/// people `[new, still listed, resolved, gone]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListChanges {
    /// The previous run's reference date; `None` on a first run.
    pub previous_as_of: Option<String>,
    pub by_province: std::collections::BTreeMap<String, [u64; 4]>,
}

/// Field follow-up per province: how the cases on the lists are moving.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FollowUpProgress {
    pub by_province: std::collections::BTreeMap<String, ProvinceFollowUp>,
}

/// One province's cases (one per listed person and remedy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProvinceFollowUp {
    /// Open cases (the remedy still listed), unconfirmed enrolments included.
    pub open: u64,
    /// Cases a team has reached (any status past `not_contacted`).
    pub contacted: u64,
    /// Cases whose person applied (or says they enrolled).
    pub applied: u64,
    /// Closed because the registries now show the remedy.
    pub resolved_by_data: u64,
    /// Reported enrolled in the field 60 days ago or more, no registry record yet.
    pub enrolled_unconfirmed: u64,
    /// Withheld: found not eligible, or refused.
    pub suppressed: u64,
    /// Open more than 90 days and never contacted.
    pub stale: u64,
}

/// Follow-up progress per province.
fn follow_up_section(o: &mut String, ind: &Indicators, f: &FollowUpProgress) {
    o.push_str("<h2>ความคืบหน้าการติดตาม</h2>\n");
    o.push_str("<p>กรณี = บุคคลหนึ่งคนกับสิทธิหนึ่งรายการในรายชื่อ; แก้ไขแล้วตามข้อมูล = ทะเบียนแสดงสิทธินั้นแล้ว; ยังไม่ยืนยัน = แจ้งว่าลงทะเบียนแล้วเกิน 60 วันแต่ยังไม่ปรากฏในทะเบียน</p>\n");
    o.push_str("<table id=\"follow-up\">\n<tr><th>จังหวัด</th><th>กรณีเปิด</th><th>ติดต่อแล้ว</th><th>ยื่นสมัครแล้ว</th><th>แก้ไขแล้วตามข้อมูล</th><th>ลงทะเบียนแต่ยังไม่ยืนยัน</th><th>ระงับ (ไม่มีสิทธิ/ปฏิเสธ)</th><th>เปิดเกิน 90 วันไม่เคยติดต่อ</th></tr>\n");
    let mut total = ProvinceFollowUp::default();
    for (code, n) in &f.by_province {
        let _ = writeln!(
            o,
            "<tr data-province=\"{}\"><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(code),
            esc(&province_label(ind, code)),
            n.open,
            n.contacted,
            n.applied,
            n.resolved_by_data,
            n.enrolled_unconfirmed,
            n.suppressed,
            n.stale
        );
        total.open += n.open;
        total.contacted += n.contacted;
        total.applied += n.applied;
        total.resolved_by_data += n.resolved_by_data;
        total.enrolled_unconfirmed += n.enrolled_unconfirmed;
        total.suppressed += n.suppressed;
        total.stale += n.stale;
    }
    let _ = writeln!(
        o,
        "<tr><th>รวม</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>\n</table>",
        total.open,
        total.contacted,
        total.applied,
        total.resolved_by_data,
        total.enrolled_unconfirmed,
        total.suppressed,
        total.stale
    );
}

/// [`render_html`] with a section on what changed since the previous run and one
/// on the field follow-up.
pub fn render_html_with(
    ind: &Indicators,
    top_households_per_province: &[ProvinceHouseholds],
    changes: Option<&ListChanges>,
    follow_up: Option<&FollowUpProgress>,
) -> String {
    let mut o = String::with_capacity(32 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"th\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        o,
        "<title>toklon: ความครอบคลุมการคุ้มครองทางสังคม {}</title>",
        ind.reference_date
    );
    let _ = writeln!(
        o,
        "<style>{CSS}{}</style>\n</head>\n<body>",
        crate::map::css()
    );
    let _ = writeln!(
        o,
        "<h1>ความครอบคลุมการคุ้มครองทางสังคม 9 ด้าน</h1>\n<p>ณ วันที่ {} · {} คน ({} แถว; ไม่นับผู้เสียชีวิต {} คน)</p>",
        ind.reference_date, ind.persons, ind.rows, ind.dead_persons
    );
    let _ = writeln!(
        o,
        "<div class=\"kpi\" id=\"kpi\"><div class=\"headline\">ได้รับความคุ้มครองอย่างน้อย 1 ด้าน<b>{}</b>{} คน</div>\
         <div>ได้รับครบทุกด้านที่อยู่ในขอบเขต<b>{}</b></div>\
         <div>ผู้ตกหล่นที่แก้ไขได้ (คน)<b>{}</b></div><div>ครัวเรือนที่ต้องเยี่ยม<b>{}</b></div>\
         <div>ปัญหาสถานะบุคคล (คน)<b>{}</b></div>\
         <div>ได้รับสิทธิซ้ำซ้อน (คน)<b>{}</b></div></div>",
        pct(ind.covered_any_share),
        ind.covered_any,
        pct(ind.covered_all_in_scope_share),
        ind.fall_through_persons,
        ind.fall_through_households,
        ind.status_problem_persons,
        ind.overlap_persons
    );

    o.push_str("<h2>ความครอบคลุมรายด้าน (ผู้ได้รับ / ผู้อยู่ในขอบเขต)</h2>\n");
    let bars: Vec<Bar> = ind
        .protections
        .iter()
        .map(|p| Bar {
            label: format!("{} ({})", p.thai, p.code),
            note: format!("{}/{}", p.covered, p.in_scope),
            share: p.share,
            reference: None,
        })
        .collect();
    o.push_str(&bar_chart(
        "chart-protections",
        "coverage per protection over its in-scope population",
        &bars,
        None,
    ));

    o.push_str("<h2>กลุ่มเปราะบาง เทียบเป้าหมายร้อยละ 80</h2>\n");
    let bars: Vec<Bar> = ind
        .groups
        .iter()
        .map(|g| Bar {
            label: g.thai.clone(),
            note: format!("{}/{}", g.covered, g.members),
            share: g.share,
            reference: Some(g.reported),
        })
        .collect();
    o.push_str(&bar_chart(
        "chart-groups",
        "vulnerable groups against the target",
        &bars,
        Some(TARGET),
    ));
    o.push_str("<p>เส้นประ: เป้าหมาย · ขีดสีเทา: ตัวเลขที่แผนแม่บทรายงาน</p>\n");

    o.push_str("<h2>สิ่งที่ต้องทำ: สิทธิที่ควรได้รับแต่ยังไม่ได้รับ</h2>\n<table id=\"remedies\">\n<tr><th>สิทธิ</th><th>ผู้ดำเนินการ</th><th>จำนวนคน</th></tr>\n");
    for r in &ind.remedies {
        let _ = writeln!(
            o,
            "<tr data-remedy=\"{}\"><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&r.code),
            esc(&r.thai),
            esc(&r.office_thai),
            r.persons
        );
    }
    o.push_str("</table>\n");

    let _ = writeln!(
        o,
        "<h2>ช่องว่างเชิงโครงสร้าง</h2>\n<p>อยู่ในขอบเขต ไม่ได้รับความคุ้มครอง และไม่มีสิทธิใดที่สมัครได้: ไม่มีหน่วยงานใดแก้ไขได้ จึงไม่อยู่ในรายชื่อ ({} คน)</p>\n<table id=\"structural-gaps\">\n<tr><th>ด้าน</th><th>จำนวนคน</th></tr>",
        ind.structural_gaps.persons
    );
    for p in ind.protections.iter().filter(|p| p.structural_gaps > 0) {
        let _ = writeln!(
            o,
            "<tr><td>{} ({})</td><td class=\"n\">{}</td></tr>",
            esc(&p.thai),
            esc(&p.code),
            p.structural_gaps
        );
    }
    o.push_str("</table>\n");

    o.push_str(&crate::map::render(ind));

    o.push_str("<h2>รายจังหวัด: ได้รับความคุ้มครองอย่างน้อย 1 ด้าน</h2>\n");
    let bars: Vec<Bar> = ind
        .provinces
        .iter()
        .map(|p| Bar {
            label: province_label(ind, &p.code),
            note: format!("ตกหล่น {} คน", p.fall_through),
            share: p.covered_any_share,
            reference: None,
        })
        .collect();
    o.push_str(&bar_chart(
        "chart-provinces",
        "coverage per province",
        &bars,
        None,
    ));
    o.push_str("<table id=\"provinces\">\n<tr><th>จังหวัด</th><th>คน</th><th>คุ้มครอง ≥1 ด้าน</th><th>ผู้ตกหล่น</th><th>ปัญหาสถานะ</th>");
    for g in &ind.groups {
        let _ = write!(o, "<th>{}</th>", esc(&g.thai));
    }
    o.push_str("<th>สิทธิที่ต้องดำเนินการ (คน)</th><th>ช่องว่างเชิงโครงสร้าง</th></tr>\n");
    for p in &ind.provinces {
        let _ = write!(
            o,
            "<tr id=\"province-{code}\" data-province=\"{code}\"><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            esc(&province_label(ind, &p.code)),
            workbook_link(p),
            p.persons,
            pct(p.covered_any_share),
            p.fall_through,
            p.status_problems,
            code = esc(&p.code),
        );
        for g in &p.groups {
            let class = if g.meets_target == Some(false) {
                "n below"
            } else {
                "n"
            };
            let _ = write!(
                o,
                "<td class=\"{class}\">{} ({}/{})</td>",
                pct(g.share),
                g.covered,
                g.members
            );
        }
        let remedies: Vec<String> = p
            .remedies
            .iter()
            .map(|r| format!("{} {}", r.thai, r.persons))
            .collect();
        let gaps: Vec<String> = p
            .structural_gaps
            .iter()
            .map(|(code, n)| format!("{code} {n}"))
            .collect();
        let _ = writeln!(
            o,
            "<td>{}</td><td>{}</td></tr>",
            esc(&remedies.join(", ")),
            esc(&gaps.join(", "))
        );
    }
    o.push_str("</table>\n");

    if let Some(c) = changes {
        changes_section(&mut o, ind, c);
    }
    if let Some(f) = follow_up {
        follow_up_section(&mut o, ind, f);
    }
    o.push_str("<h2>ครัวเรือนที่ควรเยี่ยมก่อน (รายจังหวัด)</h2>\n<div id=\"top-households\">\n");
    for p in top_households_per_province {
        let _ = writeln!(
            o,
            "<h3>{}</h3>\n<table class=\"households\" data-province=\"{}\">\n\
             <tr><th>ครัวเรือน</th><th>ที่อยู่</th><th>สมาชิก</th><th>ผู้ตกหล่น</th><th>สิทธิที่ควรได้รับ</th><th>มิติความยากจน</th><th>ลำดับความสำคัญ</th></tr>",
            esc(&province_label(ind, &p.province)),
            esc(&p.province)
        );
        for h in &p.households {
            let deprived: Vec<&str> = HouseholdFacts::FLAGS
                .iter()
                .zip(h.deprived)
                .filter(|(_, d)| *d)
                .map(|(f, _)| f.trim_start_matches("dep_"))
                .collect();
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(&h.household_id),
                esc(&h.address),
                h.members,
                h.listed_members,
                esc(&h.remedies.join(", ")),
                esc(&deprived.join(", ")),
                h.priority
            );
        }
        o.push_str("</table>\n");
    }
    o.push_str("</div>\n<footer><p>สร้างโดย toklon · ไม่มีข้อมูลชื่อบุคคลในรายงานนี้</p></footer>\n</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Catalog, Enrolment, Entitlements, HouseholdFacts, Inputs, PersonFacts, RuleSets, Rules,
        compute, render_table,
    };
    use toklon_types::Employment;
    use toklon_types::Relationship;

    /// A small run: two provinces, a poor household with an uncovered child.
    fn sample() -> (Indicators, Vec<ProvinceHouseholds>) {
        let c = Catalog::builtin();
        let e = Entitlements::builtin(&c).unwrap();
        let p = |person, household, rel, age| PersonFacts {
            household: Some(household),
            relationship: Some(rel),
            age: Some(age),
            thai_id: true,
            person: toklon_types::RowIdx(person),
            ..PersonFacts::default()
        };
        let persons = [
            p(0, 0, Relationship::Head, 66),
            p(1, 0, Relationship::Child, 4),
            PersonFacts {
                employment: Some(Employment::Informal),
                ..p(2, 1, Relationship::Head, 30)
            },
            p(3, 2, Relationship::Head, 50),
        ];
        let en = |row, code: &str| Enrolment {
            person_row: toklon_types::RowIdx(row),
            scheme: c.scheme_ref(code),
            active: true,
            valid_from: None,
            valid_to: None,
            dependant: false,
            thai_id: true,
        };
        let enrolments = [
            en(0, "oaa"),
            en(0, "ucs"),
            en(1, "ucs"),
            en(2, "ucs"),
            en(3, "csmbs"),
        ];
        let households = [
            HouseholdFacts {
                deprived: [false, true, false, true, false],
            },
            HouseholdFacts::default(),
            HouseholdFacts::default(),
        ];
        let reference = toklon_types::Date::ymd(2024, 6, 15).unwrap();
        let inputs = Inputs {
            persons: &persons,
            households: &households,
            enrolments: &enrolments,
            reference,
        };
        let rules = RuleSets {
            catalog: &c,
            scope: &Rules::builtin(),
            entitlements: &e,
        };
        let cov = compute(rules, &inputs).unwrap();
        let provinces = [Some("10"), Some("10"), Some("50"), None];
        let mut ind =
            Indicators::compute(&c, &e, &persons, &cov, |i| provinces[i], reference).unwrap();
        ind.name_provinces(|code| (code == "10").then(|| "กรุงเทพมหานคร".to_string()));
        let top = top_households(
            &cov,
            &e,
            HouseholdPlaces {
                ids: &["H<1>", "H2", "H3"],
                province: &|i| [Some("10"), Some("50"), None][i],
                address: &|i| match i {
                    0 => "หมู่ 1 บ้านเลขที่ 5".into(),
                    _ => String::new(),
                },
            },
            5,
        );
        (ind, top)
    }

    #[test]
    fn indicators_and_table() {
        let (ind, top) = sample();
        assert_eq!(ind.persons, 4);
        assert_eq!(ind.covered_any, 4);
        assert_eq!(ind.provinces.len(), 3);
        assert_eq!(ind.provinces[0].code, "10");
        let kids = ind
            .groups
            .iter()
            .find(|g| g.code == "poor_children_child_grant")
            .unwrap();
        assert_eq!(
            (kids.members, kids.covered, kids.meets_target),
            (1, 0, Some(false))
        );
        let table = render_table(&ind);
        assert!(table.contains("family_child") && table.contains("elderly_oaa"));
        assert!(table.contains("(below)") && table.contains("กรุงเทพมหานคร"));
        // The poor child lacks the grant; the informal worker lacks s40 and the NSF.
        assert_eq!(ind.fall_through_persons, 2);
        let codes: Vec<&str> = ind.remedies.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["child_grant", "sso_s40", "nsf"]);
        assert_eq!(top[0].province, "10");
        assert_eq!(top[0].households[0].household_id, "H<1>");
        let json = serde_json::to_value(&ind).unwrap();
        assert_eq!(json["groups"][0]["target"], 0.8);
    }

    #[test]
    fn changes_since_the_previous_run_show_per_province() {
        let (ind, top) = sample();
        assert!(!render_html(&ind, &top).contains("id=\"changes\""));
        let changes = ListChanges {
            previous_as_of: Some("2025-12-31".into()),
            by_province: [("10".to_string(), [3, 5, 2, 1])].into(),
        };
        let html = render_html_with(&ind, &top, Some(&changes), None);
        let at = html.find("id=\"changes\"").expect("a changes table");
        let table = &html[at..at + html[at..].find("</table>").unwrap()];
        assert!(html.contains("2025-12-31"));
        assert!(table.contains("กรุงเทพมหานคร (10)"), "{table}");
        for n in ["<td class=\"n\">3</td>", "<td class=\"n\">2</td>"] {
            assert!(table.contains(n), "{table}");
        }
        let first = ListChanges::default();
        assert!(render_html_with(&ind, &top, Some(&first), None).contains("รอบแรก"));
        let progress = FollowUpProgress {
            by_province: [(
                "10".to_string(),
                ProvinceFollowUp {
                    open: 7,
                    stale: 4,
                    ..ProvinceFollowUp::default()
                },
            )]
            .into(),
        };
        let html = render_html_with(&ind, &top, None, Some(&progress));
        assert!(html.contains("id=\"follow-up\""));
        assert!(html.contains("<td class=\"n\">7</td>"));
    }

    #[test]
    fn html_is_self_contained() {
        let (ind, top) = sample();
        let html = render_html(&ind, &top);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"th\">"));
        assert!(html.contains("charset=\"utf-8\""));
        // The only URLs are SVG namespace names, which are never fetched.
        let svg_ns = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        assert_eq!(html.matches("http://").count(), svg_ns);
        assert!(
            !html.contains("https://") && !html.contains("<script") && !html.contains("@import")
        );
        assert!(html.contains("H&lt;1&gt;"));
        assert!(html.contains("กรุงเทพมหานคร (10)") && !html.contains("จังหวัดรหัส 10"));
        assert!(html.contains("id=\"remedies\"") && html.contains("id=\"structural-gaps\""));
    }

    /// Sets a province's figures (for the map's tests).
    fn with_province(ind: &mut Indicators, code: &str, persons: u64, covered: u64, listed: u64) {
        let mut p = ind.provinces[0].clone();
        p.code = code.to_string();
        p.persons = persons;
        p.covered_any = covered;
        p.covered_any_share = (persons > 0).then(|| covered as f64 / persons as f64);
        p.fall_through = listed;
        p.status_problems = 0;
        ind.provinces.retain(|q| q.code != code);
        ind.provinces.push(p);
        ind.provinces.sort_by(|a, b| a.code.cmp(&b.code));
    }

    /// The `<path>` of one province on the map, with its link if it has one.
    fn map_shape<'a>(html: &'a str, code: &str) -> &'a str {
        let at = html
            .find(&format!("<path data-code=\"{code}\""))
            .unwrap_or_else(|| panic!("no shape for {code}"));
        let start = html[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = at + html[at..].find('\n').unwrap();
        &html[start..end]
    }

    #[test]
    fn map_draws_every_province_with_its_code_and_links() {
        let (ind, top) = sample();
        let html = render_html(&ind, &top);
        assert_eq!(html.matches("<path data-code=\"").count(), 77);
        for p in crate::Places::builtin().provinces() {
            let code = p.code.to_string();
            assert_eq!(
                html.matches(&format!("data-code=\"{code}\"")).count(),
                1,
                "{code}"
            );
        }
        // Provinces with people link to their row, which links to the workbook.
        let bangkok = map_shape(&html, "10");
        assert!(
            bangkok.starts_with("<a href=\"#province-10\">"),
            "{bangkok}"
        );
        assert!(bangkok.contains("<title>กรุงเทพมหานคร (10) · ได้รับความคุ้มครองอย่างน้อย 1 ด้าน 100.0% (2 จาก 2 คน) · ผู้ตกหล่น 1 คน (500.0 ต่อ 1,000 คน)</title>"));
        assert!(html.contains("<tr id=\"province-10\" data-province=\"10\">"));
        assert!(html.contains("<tr id=\"province-50\" data-province=\"50\">"));
        assert_eq!(
            html.matches("<a class=\"workbook\" href=\"provinces/")
                .count(),
            2
        );
        assert!(
            html.contains("href=\"provinces/10.xlsx\"")
                && html.contains("href=\"provinces/50.xlsx\"")
        );
        // Nobody in Chon Buri: grey, no link, and it says so.
        let chon_buri = map_shape(&html, "20");
        assert!(chon_buri.starts_with("<path data-code=\"20\" class=\"cov-none lst-none\""));
        assert!(chon_buri.contains("ไม่มีประชากรในข้อมูล"));
        // The row without a province is named under the map, not drawn.
        assert!(html.contains(
            "<p id=\"map-off\">ไม่อยู่บนแผนที่: <a href=\"#province-unknown\">ไม่ทราบจังหวัด</a> 1 คน</p>"
        ));
        assert!(html.contains(crate::map::ATTRIBUTION));
        // The inset draws Bangkok's region again, larger, with the same colours.
        let inset = &html[html.find("<g id=\"map-inset\">").unwrap()..];
        for code in ["10", "11", "12", "13", "73", "74"] {
            assert!(inset.contains(&format!("data-inset=\"{code}\"")), "{code}");
        }
        assert!(!inset.contains("data-inset=\"50\"") && !inset.contains("data-code="));
        assert!(
            inset.contains("<a href=\"#province-10\"><path data-inset=\"10\" class=\"cov0 lst0\"")
        );
        assert!(
            html.contains("name=\"map-measure\" id=\"map-cov\" checked")
                && html.contains("id=\"map-lst\"")
        );
        // Same indicators, same bytes.
        assert_eq!(html, render_html(&ind, &top));
    }

    #[test]
    fn map_colours_follow_the_figures() {
        let (mut ind, top) = sample();
        // Coverage 50%, 75% and 100%: classes of 10 points from 50 to 100.
        // Listed per 1,000: 100, 0 and 40: classes of 20 from 0 to 100.
        with_province(&mut ind, "10", 200, 100, 20);
        with_province(&mut ind, "50", 400, 300, 0);
        with_province(&mut ind, "96", 1000, 1000, 40);
        with_province(&mut ind, "38", 0, 0, 0);
        let html = render_html(&ind, &top);
        let class = |code: &str| {
            let s = map_shape(&html, code);
            let at = s.find("class=\"").unwrap() + 7;
            s[at..at + s[at..].find('"').unwrap()].to_string()
        };
        assert_eq!(class("10"), "cov0 lst4");
        assert_eq!(class("50"), "cov2 lst0");
        assert_eq!(class("96"), "cov4 lst2");
        assert_eq!(class("38"), "cov-none lst-none");
        assert_eq!(class("20"), "cov-none lst-none");
        assert!(!map_shape(&html, "38").contains("<a href"));
        for legend in [
            "50.0% – 60.0%",
            "90.0% – 100.0%",
            "0.0 – 20.0",
            "80.0 – 100.0",
        ] {
            assert!(html.contains(&format!("</i>{legend}</div>")), "{legend}");
        }
        // The colours are fixed: the lowest and highest classes of each scale.
        for rule in [
            ".cov0{fill:#ffffcc}",
            ".cov4{fill:#253494}",
            "#map-lst:checked~.map-body .lst0{fill:#ffffb2}",
            "#map-lst:checked~.map-body .lst4{fill:#bd0026}",
            ".cov-none{fill:#d9d9d9}",
        ] {
            assert!(html.contains(rule), "{rule}");
        }
    }

    /// Renders the report in headless Chromium and checks the charts reached the DOM.
    #[test]
    fn html_renders_in_chromium() {
        let Some(browser) = ["chromium", "chromium-browser"].into_iter().find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        }) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "chromium is required when CI is set"
            );
            eprintln!("skipping html_renders_in_chromium: chromium not on PATH");
            return;
        };
        let (ind, top) = sample();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        std::fs::write(&path, render_html(&ind, &top)).unwrap();
        let out = std::process::Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                &format!("--user-data-dir={}", dir.path().join("profile").display()),
                "--dump-dom",
            ])
            .arg(format!("file://{}", path.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dom = String::from_utf8(out.stdout).unwrap();
        let chart = |id: &str| -> &str {
            let start = dom
                .find(&format!("<svg id=\"{id}\""))
                .unwrap_or_else(|| panic!("{id} missing"));
            let end = start + dom[start..].find("</svg>").unwrap();
            &dom[start..end]
        };
        let bars = |svg: &str| svg.matches("<rect class=\"bar").count();
        assert_eq!(bars(chart("chart-protections")), 9);
        let groups = chart("chart-groups");
        assert_eq!(bars(groups), 4);
        assert!(groups.contains("class=\"target\""));
        assert_eq!(groups.matches("class=\"reported\"").count(), 4);
        assert_eq!(bars(chart("chart-provinces")), 3);
        assert!(dom.contains("<html lang=\"th\">"));
        assert!(dom.contains("เป้าหมาย"));
        assert_eq!(dom.matches("<table class=\"households\"").count(), 2);
        assert!(dom.contains("กรุงเทพมหานคร (10)"));
        assert_eq!(dom.matches("<tr data-remedy=").count(), 3);
        assert!(dom.contains("H&lt;1&gt;"));
        // The map: 77 shapes, each with its own code, two of them linked to their rows.
        let map = chart("map-provinces");
        let codes: std::collections::BTreeSet<&str> = map
            .split("<path data-code=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        assert_eq!(map.matches("<path data-code=\"").count(), 77);
        assert_eq!(codes.len(), 77);
        assert!(codes.contains("10") && codes.contains("38") && codes.contains("96"));
        // Bangkok twice: on the map and in the inset of Bangkok's region.
        assert_eq!(map.matches("<a href=\"#province-").count(), 3);
        assert!(map.contains("<a href=\"#province-10\"><path data-inset=\"10\""));
        assert!(dom.contains("id=\"province-10\"") && dom.contains("href=\"provinces/10.xlsx\""));
    }
}
