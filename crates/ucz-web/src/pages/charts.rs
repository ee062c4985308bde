//! Pictures drawn on the server as SVG, so they print, need no script and carry their own text
//! for screen readers: the brief's Figure 3 diamond (four functions, six linkages) and bar charts.

/// Text placed inside SVG or HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A function at a corner of the diamond.
pub struct Corner<'a> {
    pub id: &'a str,
    pub name: String,
    pub present: bool,
}

/// A linkage between two functions, with its status (`active`, `possible`, `missing`).
pub struct Link<'a> {
    pub between: [&'a str; 2],
    pub name: String,
    pub status: &'a str,
    pub status_name: String,
}

/// Where Figure 3 puts each function: innovation on top, startup left, enterprise support right,
/// living at the bottom.
fn position(function: &str) -> Option<(f64, f64)> {
    Some(match function {
        "innovation" => (240.0, 50.0),
        "startup" => (70.0, 200.0),
        "enterprise_support" => (410.0, 200.0),
        "living" => (240.0, 350.0),
        _ => return None,
    })
}

/// The diamond of Figure 3, coloured by the diagnosis.
pub fn diamond(title: &str, corners: &[Corner<'_>], links: &[Link<'_>]) -> String {
    let mut svg = format!(
        r#"<svg class="diamond" viewBox="0 0 480 400" role="img" aria-labelledby="diamond-title" xmlns="http://www.w3.org/2000/svg"><title id="diamond-title">{}</title>"#,
        escape(title)
    );
    for link in links {
        let (Some((x1, y1)), Some((x2, y2))) =
            (position(link.between[0]), position(link.between[1]))
        else {
            continue;
        };
        let dash = match link.status {
            "active" => "",
            "possible" => r#" stroke-dasharray="10 6""#,
            _ => r#" stroke-dasharray="3 6""#,
        };
        svg.push_str(&format!(
            r#"<line class="link {status}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"{dash}><title>{name}: {status_name}</title></line>"#,
            status = escape(link.status),
            name = escape(&link.name),
            status_name = escape(&link.status_name),
        ));
    }
    for corner in corners {
        let Some((x, y)) = position(corner.id) else {
            continue;
        };
        let class = if corner.present { "present" } else { "absent" };
        svg.push_str(&format!(
            r#"<g class="function {class}"><circle cx="{x}" cy="{y}" r="44"/><text x="{x}" y="{ty}" text-anchor="middle">{name}</text></g>"#,
            ty = y + 5.0,
            name = escape(&corner.name),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars, one per label, with the count written beside each.
pub fn bars(title: &str, items: &[(String, i64)]) -> String {
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let row = 34.0;
    let height = row * items.len() as f64 + 10.0;
    let mut svg = format!(
        r#"<svg class="bars" viewBox="0 0 480 {height}" role="img" aria-labelledby="bars-title" xmlns="http://www.w3.org/2000/svg"><title id="bars-title">{}</title>"#,
        escape(title)
    );
    for (i, (label, count)) in items.iter().enumerate() {
        let y = 5.0 + row * i as f64;
        let width = 260.0 * (*count as f64) / max;
        svg.push_str(&format!(
            r#"<text x="130" y="{ty}" text-anchor="end">{label}</text><rect x="140" y="{y}" width="{width:.1}" height="24" rx="3"/><text x="{vx:.1}" y="{ty}">{count}</text>"#,
            ty = y + 17.0,
            vx = 146.0 + width,
            label = escape(label),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Two series side by side per label (demand and supply by month), with a legend.
pub fn paired(title: &str, names: [&str; 2], items: &[(String, i64, i64)]) -> String {
    let max = items
        .iter()
        .map(|(_, a, b)| (*a).max(*b))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (width, height, base) = (560.0, 240.0, 200.0);
    let slot = (width - 40.0) / items.len().max(1) as f64;
    let bar = (slot / 2.0 - 4.0).max(2.0);
    let mut svg = format!(
        r#"<svg class="paired" viewBox="0 0 {width} {height}" role="img" aria-labelledby="paired-title" xmlns="http://www.w3.org/2000/svg"><title id="paired-title">{}</title>"#,
        escape(title)
    );
    svg.push_str(&format!(
        r#"<rect class="a" x="40" y="4" width="12" height="12"/><text x="56" y="15">{}</text><rect class="b" x="200" y="4" width="12" height="12"/><text x="216" y="15">{}</text>"#,
        escape(names[0]),
        escape(names[1])
    ));
    for (i, (label, a, b)) in items.iter().enumerate() {
        let x = 40.0 + slot * i as f64;
        for (j, (value, class)) in [(*a, "a"), (*b, "b")].into_iter().enumerate() {
            let h = (base - 30.0) * value as f64 / max;
            let bx = x + 2.0 + j as f64 * (bar + 2.0);
            svg.push_str(&format!(
                r#"<rect class="{class}" x="{bx:.1}" y="{:.1}" width="{bar:.1}" height="{h:.1}"><title>{}: {value}</title></rect>"#,
                base - h,
                escape(label)
            ));
        }
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x + slot / 2.0,
            base + 16.0,
            escape(label.get(5..).unwrap_or(label))
        ));
    }
    svg.push_str(&format!(
        r#"<line x1="38" y1="{base}" x2="{width}" y2="{base}" class="axis"/></svg>"#
    ));
    svg
}

/// A week's heat map: a row per weekday (Monday first), a column per hour, each cell shaded by
/// the share of its open minutes that were booked; closed hours are left blank.
pub fn heat(title: &str, days: &[String], booked: &[Vec<i64>], open: &[Vec<i64>]) -> String {
    let (cell, left, top) = (18.0, 40.0, 18.0);
    let width = left + cell * 24.0 + 4.0;
    let height = top + cell * 7.0 + 4.0;
    let mut svg = format!(
        r#"<svg class="heat" viewBox="0 0 {width} {height}" role="img" aria-labelledby="heat-title" xmlns="http://www.w3.org/2000/svg"><title id="heat-title">{}</title>"#,
        escape(title)
    );
    for h in (0..24).step_by(3) {
        svg.push_str(&format!(
            r#"<text x="{x:.1}" y="12" font-size="10">{h}</text>"#,
            x = left + cell * h as f64 + 2.0
        ));
    }
    for (d, name) in days.iter().enumerate().take(7) {
        let y = top + cell * d as f64;
        svg.push_str(&format!(
            r#"<text x="{x}" y="{ty:.1}" text-anchor="end" font-size="11">{name}</text>"#,
            x = left - 4.0,
            ty = y + 13.0,
            name = escape(name)
        ));
        for h in 0..24 {
            let o = open.get(d).and_then(|r| r.get(h)).copied().unwrap_or(0);
            if o == 0 {
                continue;
            }
            let b = booked.get(d).and_then(|r| r.get(h)).copied().unwrap_or(0);
            let share = (b as f64 / o as f64).min(1.0);
            svg.push_str(&format!(
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{w:.1}" fill-opacity="{op:.2}"><title>{name} {h}:00 {pct:.0}%</title></rect>"#,
                x = left + cell * h as f64,
                w = cell - 2.0,
                op = 0.08 + 0.92 * share,
                pct = share * 100.0,
                name = escape(name),
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One series of a band chart: its name and, per year, the interval (low, middle, high).
pub struct Band {
    pub name: String,
    pub points: Vec<(i32, f64, f64, f64)>,
}

const BAND_COLOURS: [&str; 6] = [
    "#5e6a7a", "#256ef4", "#228738", "#f58a0c", "#8a3ffc", "#d0021b",
];

/// Lines over the years with their 90% interval shaded (0 to `max`), one colour per series, with
/// a legend; the numbers are in each point's title for screen readers.
pub fn bands(title: &str, id: &str, unit: &str, max: f64, series: &[Band]) -> String {
    // The legend stands above the plot, one series a line.
    let top = 14.0 + 16.0 * series.len() as f64;
    let (width, left) = (560.0, 44.0);
    let bottom = top + 200.0;
    let height = bottom + 30.0;
    let years: Vec<i32> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    let (first, last) = (
        years.iter().min().copied().unwrap_or(0),
        years.iter().max().copied().unwrap_or(1),
    );
    let span = f64::from((last - first).max(1));
    let x = |year: i32| left + (width - left - 16.0) * f64::from(year - first) / span;
    let y = |v: f64| bottom - (bottom - top) * (v / max.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0);
    let mut svg = format!(
        r#"<svg class="band-chart" id="{id}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-title" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        escape(title)
    );
    for tick in 0..=4 {
        let v = max * f64::from(tick) / 4.0;
        svg.push_str(&format!(
            r##"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e6e8ea"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}{unit}</text>"##,
            width - 16.0,
            left - 4.0,
            y(v) + 4.0,
            (v * 10.0).round() / 10.0,
            y = y(v)
        ));
    }
    for year in [first, last] {
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{year}</text>"#,
            x(year),
            bottom + 16.0
        ));
    }
    for (i, s) in series.iter().enumerate() {
        let colour = BAND_COLOURS[i % BAND_COLOURS.len()];
        let upper: Vec<String> = s
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.0), y(p.3)))
            .collect();
        let lower: Vec<String> = s
            .points
            .iter()
            .rev()
            .map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1)))
            .collect();
        svg.push_str(&format!(
            r#"<polygon points="{} {}" fill="{colour}" fill-opacity="0.15" stroke="none"/>"#,
            upper.join(" "),
            lower.join(" ")
        ));
        let line: Vec<String> = s
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.0), y(p.2)))
            .collect();
        svg.push_str(&format!(r#"<polyline class="series" points="{}" fill="none" stroke="{colour}" stroke-width="2.5"/>"#, line.join(" ")));
        for p in &s.points {
            svg.push_str(&format!(
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{} {}: {:.1}{unit} ({:.1}–{:.1})</title></circle>"#,
                x(p.0),
                y(p.2),
                escape(&s.name),
                p.0,
                p.2,
                p.1,
                p.3
            ));
        }
        svg.push_str(&format!(
            r#"<rect x="{left}" y="{:.1}" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="12">{}</text>"#,
            4.0 + 16.0 * i as f64,
            left + 16.0,
            14.0 + 16.0 * i as f64,
            escape(&s.name)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diamond_draws_each_linkage_in_its_status() {
        let corners = [
            Corner {
                id: "innovation",
                name: "혁신".into(),
                present: true,
            },
            Corner {
                id: "living",
                name: "정주".into(),
                present: false,
            },
        ];
        let links = [Link {
            between: ["innovation", "living"],
            name: "혁신-정주".into(),
            status: "missing",
            status_name: "없음".into(),
        }];
        let svg = diamond("진단 <요약>", &corners, &links);
        assert!(svg.contains(r#"<line class="link missing" x1="240" y1="50" x2="240" y2="350" stroke-dasharray="3 6">"#), "{svg}");
        assert!(svg.contains(r#"<g class="function absent"><circle cx="240" cy="350""#));
        assert!(svg.contains("진단 &lt;요약&gt;"), "titles are escaped");
    }

    #[test]
    fn bars_are_proportional_to_counts() {
        let svg = bars(
            "stages",
            &[("초기".into(), 10), ("성장".into(), 5), ("없음".into(), 0)],
        );
        assert!(
            svg.contains(r#"width="260.0""#)
                && svg.contains(r#"width="130.0""#)
                && svg.contains(r#"width="0.0""#),
            "{svg}"
        );
    }
}
