//! Site suitability requests kept by key (`site_requests`), so that a surface scored by one
//! server process can be scored again by another for its tiles and downloads.

use sqlx::Row;

use crate::{Store, StoreError};

/// How long a request is kept: a week, in seconds.
const KEPT_SECONDS: i64 = 7 * 24 * 3600;

impl Store {
    /// Keeps a request's body under its key (the same key, the same body), and lets go of those
    /// older than a week.
    pub async fn put_site_request(&self, key: &str, body: &str) -> Result<(), StoreError> {
        let clock = self.clock();
        sqlx::query("DELETE FROM site_requests WHERE created_at < $1")
            .bind(clock.stamp_in(-KEPT_SECONDS))
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO site_requests (request_key, body, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (request_key) DO UPDATE SET created_at = excluded.created_at",
        )
        .bind(key)
        .bind(body)
        .bind(clock.stamp())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The body of the request kept under `key`.
    pub async fn site_request(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query("SELECT body FROM site_requests WHERE request_key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| row.try_get::<String, _>("body"))
                .transpose()?,
        )
    }
}
