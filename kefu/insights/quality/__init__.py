"""Agent quality review: supervisors score sampled conversations on a rubric."""
