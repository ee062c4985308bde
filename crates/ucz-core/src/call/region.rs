//! An announcement's region read against the catalog: a 시·도 in any of its spellings (`서울`,
//! `서울특별시`, `강원도`), a 광역경제권 (`충청권`: its members), or `전국`. A name that resolves to
//! none is kept as written and flagged, never guessed.

use crate::catalog::Catalog;

use super::CallRegion;

/// The word for the whole country.
pub const NATIONWIDE: &str = "전국";

/// A name without its parenthetical gloss: `중부권 (충청권)` → `중부권`.
pub fn base_name(name: &str) -> String {
    match name.find(['(', '（']) {
        Some(at) => name[..at].trim().to_string(),
        None => name.trim().to_string(),
    }
}

/// The 시·도 ids a name stands for: one for a 시·도, its members for a 광역경제권; `None` when
/// no catalog name matches.
pub fn resolve(catalog: &Catalog, name: &str) -> Option<Vec<String>> {
    let name = name.trim();
    if let Some(region) = catalog
        .regions
        .iter()
        .find(|r| r.name_ko == name || r.aliases_ko.iter().any(|a| a == name))
    {
        return Some(vec![region.id.to_string()]);
    }
    catalog
        .economic_regions
        .iter()
        .find(|r| base_name(&r.name_ko) == name || r.aliases_ko.iter().any(|a| a == name))
        .map(|r| r.members.iter().map(|m| m.to_string()).collect())
}

/// Whether text holds a 시·도's short name (`전남광주` holds 전남 and 광주): a region the catalog
/// cannot read, rather than a tag of another kind.
pub fn mentions_region(catalog: &Catalog, text: &str) -> bool {
    catalog
        .regions
        .iter()
        .flat_map(|r| r.aliases_ko.iter())
        .any(|alias| alias.chars().count() == 2 && text.contains(alias.as_str()))
}

/// A local government's name (`서울특별시`, `부산광역시 해운대구`, `경기도 수원시`) read as its
/// 시·도; `None` for a ministry or anything else.
pub fn of_government(catalog: &Catalog, name: &str) -> Option<String> {
    let first = name.split_whitespace().next()?;
    catalog
        .regions
        .iter()
        .find(|r| {
            r.name_ko == first
                || r.aliases_ko
                    .iter()
                    .any(|a| a == first && a.ends_with(['시', '도']))
        })
        .map(|r| r.id.to_string())
}

/// The region of a comma-separated list of names (K-Startup's `supt_regin`, the region tags of
/// 기업마당's `hashTags`): the union of what each resolves to; `전국` anywhere makes it
/// nationwide; names that resolve to nothing are kept in `unread`.
pub fn read(catalog: &Catalog, text: &str) -> CallRegion {
    let names: Vec<&str> = text
        .split([',', '/', '·'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let mut region = CallRegion {
        text: text.trim().to_string(),
        ..CallRegion::default()
    };
    if names.contains(&NATIONWIDE) {
        return region;
    }
    for name in names {
        match resolve(catalog, name) {
            Some(ids) => {
                for id in ids {
                    if !region.regions.contains(&id) {
                        region.regions.push(id);
                    }
                }
            }
            None => region.unread.push(name.to_string()),
        }
    }
    region
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_region_and_a_grouping_resolves() {
        let catalog = Catalog::bundled().expect("catalog");
        let ids = |t: &str| read(&catalog, t).regions;
        assert_eq!(ids("서울"), ["seoul"]);
        assert_eq!(ids("서울특별시"), ["seoul"]);
        assert_eq!(ids("강원도"), ["gangwon"]);
        assert_eq!(ids("강원특별자치도"), ["gangwon"]);
        assert_eq!(ids("전라북도"), ["jeonbuk"]);
        assert_eq!(ids("충청권"), ["daejeon", "sejong", "chungbuk", "chungnam"]);
        assert_eq!(ids("중부권"), ["daejeon", "sejong", "chungbuk", "chungnam"]);
        assert_eq!(ids("부산,울산"), ["busan", "ulsan"]);
        assert!(read(&catalog, "전국").nationwide());
        let odd = read(&catalog, "전남광주");
        assert!(odd.regions.is_empty());
        assert_eq!(odd.unread, ["전남광주"]);
        assert!(!odd.nationwide());
    }

    #[test]
    fn a_local_government_is_read_as_its_region() {
        let catalog = Catalog::bundled().expect("catalog");
        assert_eq!(
            of_government(&catalog, "서울특별시").as_deref(),
            Some("seoul")
        );
        assert_eq!(
            of_government(&catalog, "부산광역시 해운대구").as_deref(),
            Some("busan")
        );
        assert_eq!(
            of_government(&catalog, "경기도 수원시").as_deref(),
            Some("gyeonggi")
        );
        assert_eq!(of_government(&catalog, "중소벤처기업부"), None);
        // A short name alone is not a government (`서울` could be anything's prefix).
        assert_eq!(of_government(&catalog, "서울 AI 허브"), None);
    }
}
