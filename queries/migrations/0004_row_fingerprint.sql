-- A fingerprint of the source line each usage row came from, so identical copies of a line (an export
-- copied twice, overlapping files, a file repeating lines) can be found: by the ingest, which keeps one of
-- them, and by `cloudcarbon doctor`. It is a 64-bit hash of the line's provider identity (AWS CUR
-- identity_line_item_id and identity_time_interval) and every column cloudcarbon reads, or of the whole
-- source row where the format has no line identity (METHODOLOGY.md, "Data rules"). The identity itself is
-- not stored: AWS ids would more than double the size of the store. NULL on rows stored before this
-- migration; doctor compares those rows in full.
ALTER TABLE usage ADD COLUMN x_row_fingerprint UBIGINT;
