-- A fingerprint of the source line each usage row came from, so identical copies of a line (an export
-- copied twice, overlapping files, a file repeating lines) can be found: by the ingest, which keeps one of
-- them, and by `cloudcarbon doctor`. A 64-bit hash of the line's provider identity (AWS CUR
-- identity_line_item_id and identity_time_interval; an inventory's server and month), or of the whole source
-- row where the format has none; rows sharing one are copies when every other stored column but the file name
-- agrees too (METHODOLOGY.md, "Data rules"). The identity itself is not stored: AWS ids would more than double
-- the size of the store. NULL on rows stored before this migration and on aggregated rows (unique by
-- construction); doctor compares those on every stored column.
ALTER TABLE usage ADD COLUMN x_row_fingerprint UBIGINT;
