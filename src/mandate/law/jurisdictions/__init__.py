"""One rulebook per jurisdiction: Great Britain, Northern Ireland, Ireland, a union's constitution."""
