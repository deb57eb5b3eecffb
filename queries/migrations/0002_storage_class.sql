-- The kind of storage a storage row holds, which decides how many copies the provider keeps
-- (coefficient replication_<provider>_<class>): object | block | file | archive | database | ephemeral.
ALTER TABLE usage ADD COLUMN x_storage_class VARCHAR;
