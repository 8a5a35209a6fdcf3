"""Rolling regional strike waves: the planner (plain Python) and its pages."""
