"""The licence strings that end up in the `licence` columns of the coefficient tables."""

APACHE = "Apache-2.0"
ODBL = "ODbL-1.0"
FACT = "public fact (no licence claimed)"
