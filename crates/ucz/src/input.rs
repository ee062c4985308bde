//! Reading the user's files. Anything wrong with them becomes [`BadInput`], which `main` turns
//! into exit code 2.

use std::fmt;
use std::path::{Path, PathBuf};

use ucz_core::catalog::{KINDS, TEST_FILES};
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

/// Reads a UTF-8 text file; a missing, unreadable or non-UTF-8 file is bad input.
pub fn read_text(path: &Path) -> Result<String, BadInput> {
    let cannot =
        |e: &dyn fmt::Display| BadInput(format!("error: {}: cannot read: {e}", path.display()));
    if path.is_dir() {
        return Err(cannot(&"is a folder, not a file"));
    }
    let bytes = std::fs::read(path).map_err(|e| cannot(&e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = String::from_utf8_lossy(valid).rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        BadInput(format!(
            "error: {}:{line}:{column}: not UTF-8 text (save the file as UTF-8; EUC-KR and CP949 are not read)",
            path.display()
        ))
    })
}

/// Where the catalog comes from: `--catalog`, else `UCZ_CATALOG` when set and not empty.
pub struct CatalogFolder {
    path: PathBuf,
    from_env: bool,
}

pub fn catalog_folder(flag: Option<PathBuf>) -> Option<CatalogFolder> {
    match flag {
        Some(path) => Some(CatalogFolder {
            path,
            from_env: false,
        }),
        None => std::env::var_os("UCZ_CATALOG")
            .filter(|v| !v.is_empty())
            .map(|v| CatalogFolder {
                path: PathBuf::from(v),
                from_env: true,
            }),
    }
}

/// The catalog files of a folder, or the built-in catalog when no folder is given.
pub fn catalog_sources(folder: Option<&CatalogFolder>) -> Result<CatalogSources, BadInput> {
    let Some(folder) = folder else {
        return Ok(CatalogSources::bundled());
    };
    let dir = folder.path.as_path();
    if !dir.is_dir() {
        let from = if folder.from_env {
            " (from UCZ_CATALOG)"
        } else {
            ""
        };
        return Err(BadInput(format!(
            "error: {}{from}: not a catalog folder",
            dir.display()
        )));
    }
    let mut files = std::collections::BTreeMap::new();
    for file in KINDS.iter().map(|(_, file, _)| *file).chain(TEST_FILES) {
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

pub fn load_catalog(folder: Option<&CatalogFolder>) -> Result<Catalog, BadInput> {
    Ok(Catalog::load(&catalog_sources(folder)?)?)
}
