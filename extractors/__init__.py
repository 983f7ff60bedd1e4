"""Page classification, grouping into documents and per-kind field extraction."""
