"""Industry-lab detection: a registry of labs and a pure detector that explains every flag."""
