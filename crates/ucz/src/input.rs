//! Reading the user's files. Anything wrong with them becomes [`BadInput`], which `main` turns
//! into exit code 2.

use std::fmt;
use std::path::Path;

use ucz_core::catalog::KINDS;
use ucz_core::{Catalog, CatalogSources, InputErrors};

/// An error the user can fix by changing a file or an argument.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

impl From<InputErrors> for BadInput {
    fn from(errors: InputErrors) -> Self {
        let n = errors.0.len();
        let summary = if n == 1 {
            "1 error".to_string()
        } else {
            format!("{n} errors")
        };
        BadInput(format!("{errors}\n{summary}"))
    }
}

/// Reads a text file; a missing or unreadable file is bad input.
pub fn read_text(path: &Path) -> Result<String, BadInput> {
    std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("error: {}: cannot read: {e}", path.display())))
}

/// The catalog files of a folder, or the built-in catalog when no folder is given.
pub fn catalog_sources(dir: Option<&Path>) -> Result<CatalogSources, BadInput> {
    let Some(dir) = dir else {
        return Ok(CatalogSources::bundled());
    };
    if !dir.is_dir() {
        return Err(BadInput(format!(
            "error: {}: not a catalog folder",
            dir.display()
        )));
    }
    let mut files = std::collections::BTreeMap::new();
    for (_, file, _) in KINDS {
        let path = dir.join(file);
        if path.exists() {
            files.insert(file.to_string(), read_text(&path)?);
        }
    }
    Ok(CatalogSources {
        folder: dir.display().to_string(),
        files,
    })
}

pub fn load_catalog(dir: Option<&Path>) -> Result<Catalog, BadInput> {
    Ok(Catalog::load(&catalog_sources(dir)?)?)
}
