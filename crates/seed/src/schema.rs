//! The seeded tables' secondary indexes and foreign keys, which the seed
//! drops before loading and makes again afterwards from their own definitions.

use folio_postgres::server::quote_identifier;
use tokio_postgres::Transaction;

use crate::TABLES;

/// The indexes of the seeded tables that back no constraint, as
/// `(qualified name, CREATE INDEX statement)`.
pub(crate) async fn secondary_indexes(
    transaction: &Transaction<'_>,
) -> Result<Vec<(String, String)>, tokio_postgres::Error> {
    let rows = transaction
        .query(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) \
             FROM pg_index i \
             WHERE i.indrelid = ANY($1::text[]::regclass[]) \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
             ORDER BY 1",
            &[&TABLES.to_vec()],
        )
        .await?;
    Ok(rows.into_iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// A foreign key of a seeded table.
#[derive(Debug)]
pub(crate) struct ForeignKey {
    /// The table, as `regclass` prints it (quoted if need be).
    table: String,
    name: String,
    /// `FOREIGN KEY (...) REFERENCES ...`, as `pg_get_constraintdef` prints it.
    definition: String,
}

impl ForeignKey {
    pub(crate) fn drop(&self) -> String {
        format!("ALTER TABLE {} DROP CONSTRAINT {}", self.table, quote_identifier(&self.name))
    }

    pub(crate) fn add(&self) -> String {
        format!("ALTER TABLE {} ADD CONSTRAINT {} {}", self.table, quote_identifier(&self.name), self.definition)
    }
}

pub(crate) async fn foreign_keys(transaction: &Transaction<'_>) -> Result<Vec<ForeignKey>, tokio_postgres::Error> {
    let rows = transaction
        .query(
            "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE contype = 'f' AND conrelid = ANY($1::text[]::regclass[]) ORDER BY 1, 2",
            &[&TABLES.to_vec()],
        )
        .await?;
    Ok(rows.into_iter().map(|row| ForeignKey { table: row.get(0), name: row.get(1), definition: row.get(2) }).collect())
}
