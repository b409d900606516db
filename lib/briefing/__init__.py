"""Council performance and finance briefing: returns in, briefing documents out."""
